/** `cifer tx staking ...`: delegate, unbond, redelegate, create and edit validators. */
import { toBase64 } from "@cosmjs/encoding";
import { type Command, Option } from "commander";
import { valconsFromPubkey, valoperFromAccount } from "../../addresses.ts";
import { formatCoin } from "../../amounts.ts";
import {
  msgBeginRedelegate,
  msgCreateValidator,
  msgDelegate,
  msgEditValidator,
  msgUndelegate,
} from "../../msgs.ts";
import type { CiferClient } from "../../cifer-client.ts";
import { CliError, UsageError } from "../errors.ts";
import {
  parseBondAmountArg,
  parseCommissionArgs,
  parseConsensusPubkeyArg,
  parseDescriptionArgs,
  parseMinSelfDelegationArg,
  parseRateArg,
  parseValoperArg,
  withExamples,
} from "../options.ts";
import { prepareTx, sendTx, type TxFlags, withTxOptions } from "../tx-send.ts";

const AMOUNT_HELP = "amount of ucif: 10CIF, 1.5CIF or 10000000ucif (1 CIF = 10^6 ucif)";
const VALOPER_HELP = "validator operator address (cifvaloper1...)";

type DescriptionFlags = {
  moniker?: string;
  details?: string;
  website?: string;
  identity?: string;
  securityContact?: string;
};

function withDescriptionOptions(cmd: Command, monikerRequired: boolean): Command {
  const moniker = new Option("--moniker <name>", "the validator's name (at most 70 characters)");
  if (monikerRequired) moniker.makeOptionMandatory();
  return cmd
    .addOption(moniker)
    .option("--details <text>", "a description of the validator (at most 280 characters)")
    .option("--website <url>", "the validator's website (at most 140 characters)")
    .option("--identity <id>", "an identity signature, e.g. a Keybase key id (at most 3000 characters)")
    .option("--security-contact <email>", "a security contact (at most 140 characters)");
}

const descriptionOf = (o: DescriptionFlags) =>
  parseDescriptionArgs({
    moniker: o.moniker,
    details: o.details,
    website: o.website,
    identity: o.identity,
    securityContact: o.securityContact,
  });

/**
 * The validator the key operates; a clear error if it operates none (instead of the chain's refusal
 * after the fee is paid). Other query failures pass through.
 */
export async function requireOperator(
  client: CiferClient,
  keyName: string,
  account: string,
): Promise<string> {
  const validator = valoperFromAccount(account);
  try {
    await client.query.staking.validator(validator);
  } catch (e) {
    if (/not found/i.test((e as Error).message))
      throw new CliError(
        `the key ${keyName} (${account}) operates no validator: ${validator} does not exist (create one with 'cifer tx staking create-validator')`,
      );
    throw e;
  }
  return validator;
}

export function registerStakingTxCommands(tx: Command): void {
  const staking = tx.command("staking").description("staking transactions: delegations and validators");
  withExamples(staking, [
    "cifer tx staking delegate cifvaloper1... 10CIF --from alice",
    "cifer tx staking unbond cifvaloper1... 4CIF --from alice",
  ]);

  // ----- delegate / unbond / redelegate -----------------------------------------------------------

  const delegate = staking
    .command("delegate")
    .description("delegate tokens to a validator (they are bonded from the next block on)")
    .argument("<validator-addr>", VALOPER_HELP)
    .argument("<amount>", AMOUNT_HELP);
  withTxOptions(delegate, { from: true });
  withExamples(delegate, [
    "cifer tx staking delegate cifvaloper1... 10CIF --from alice",
    "cifer tx staking delegate cifvaloper1... 2500000ucif --from alice --fees 5000ucif --yes",
  ]);
  delegate.action(async (valArg: string, amountArg: string, opts: TxFlags) => {
    const validator = parseValoperArg(valArg);
    const amount = parseBondAmountArg(amountArg);
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(prepared, opts, {
      messages: [msgDelegate(prepared.key.address, validator, amount)],
      summary: [
        ["validator", validator],
        ["delegate", formatCoin(amount)],
      ],
    });
  });

  const unbond = staking
    .command("unbond")
    .description(
      "undelegate tokens from a validator; they come back after the unbonding period (see 'cifer query staking params')",
    )
    .argument("<validator-addr>", VALOPER_HELP)
    .argument("<amount>", AMOUNT_HELP);
  withTxOptions(unbond, { from: true });
  withExamples(unbond, [
    "cifer tx staking unbond cifvaloper1... 4CIF --from alice",
    "cifer query staking unbonding-delegations cif1...   # then watch the entry mature",
  ]);
  unbond.action(async (valArg: string, amountArg: string, opts: TxFlags) => {
    const validator = parseValoperArg(valArg);
    const amount = parseBondAmountArg(amountArg);
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(prepared, opts, {
      messages: [msgUndelegate(prepared.key.address, validator, amount)],
      summary: [
        ["validator", validator],
        ["unbond", formatCoin(amount)],
      ],
    });
  });

  const redelegate = staking
    .command("redelegate")
    .description("move delegated tokens from one validator to another without unbonding them")
    .argument("<src-validator>", `source ${VALOPER_HELP}`)
    .argument("<dst-validator>", `destination ${VALOPER_HELP}`)
    .argument("<amount>", AMOUNT_HELP);
  withTxOptions(redelegate, { from: true });
  withExamples(redelegate, [
    "cifer tx staking redelegate cifvaloper1src... cifvaloper1dst... 5CIF --from alice",
  ]);
  redelegate.action(async (srcArg: string, dstArg: string, amountArg: string, opts: TxFlags) => {
    const src = parseValoperArg(srcArg, "source validator address");
    const dst = parseValoperArg(dstArg, "destination validator address");
    if (src === dst) throw new UsageError("cannot redelegate to the same validator");
    const amount = parseBondAmountArg(amountArg);
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(prepared, opts, {
      messages: [msgBeginRedelegate(prepared.key.address, src, dst, amount)],
      summary: [
        ["from validator", src],
        ["to validator", dst],
        ["redelegate", formatCoin(amount)],
      ],
    });
  });

  // ----- create-validator ------------------------------------------------------------------------

  const create = staking
    .command("create-validator")
    .description(
      "make the --from key the operator of a new validator, with its self-delegation; it joins the consensus set at the next epoch if its power ranks among the top validators",
    )
    .addOption(new Option("--amount <amount>", `self-delegation, ${AMOUNT_HELP}`).makeOptionMandatory())
    .addOption(
      new Option(
        "--pubkey <key>",
        'ed25519 consensus public key: base64, the JSON {"@type":"/cosmos.crypto.ed25519.PubKey","key":"..."}, or the path of the node\'s config/priv_validator_key.json',
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--commission-rate <rate>",
        "initial commission rate, e.g. 0.1 for 10%",
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--commission-max-rate <rate>",
        "highest commission rate ever allowed (cannot be changed)",
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--commission-max-change-rate <rate>",
        "largest change of the commission rate per day (cannot be changed)",
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--min-self-delegation <amount>",
        "the validator is jailed if its self-delegation falls below this: an integer of ucif, or e.g. 1CIF",
      ).makeOptionMandatory(),
    );
  withDescriptionOptions(create, true);
  withTxOptions(create, { from: true });
  withExamples(create, [
    "cifer tx staking create-validator --from op --amount 1000CIF --pubkey ~/.cifer-node/config/priv_validator_key.json --moniker my-validator --commission-rate 0.1 --commission-max-rate 0.2 --commission-max-change-rate 0.01 --min-self-delegation 1",
    'cifer tx staking create-validator --from op --amount 1000CIF --pubkey \'{"@type":"/cosmos.crypto.ed25519.PubKey","key":"oWg2..."}\' --moniker v2 --commission-rate 0.05 --commission-max-rate 0.2 --commission-max-change-rate 0.01 --min-self-delegation 1000000 --website https://example.org',
  ]);
  create.action(
    async (
      opts: TxFlags &
        DescriptionFlags & {
          amount: string;
          pubkey: string;
          commissionRate: string;
          commissionMaxRate: string;
          commissionMaxChangeRate: string;
          minSelfDelegation: string;
        },
    ) => {
      const amount = parseBondAmountArg(opts.amount, "--amount");
      const commission = parseCommissionArgs({
        rate: opts.commissionRate,
        maxRate: opts.commissionMaxRate,
        maxChangeRate: opts.commissionMaxChangeRate,
      });
      const minSelfDelegation = parseMinSelfDelegationArg(opts.minSelfDelegation);
      if (BigInt(amount.amount) < BigInt(minSelfDelegation))
        throw new UsageError(
          `--amount ${formatCoin(amount)} is below --min-self-delegation ${minSelfDelegation}ucif`,
        );
      const d = descriptionOf(opts);
      const description = {
        moniker: d.moniker!,
        identity: d.identity ?? "",
        website: d.website ?? "",
        securityContact: d.securityContact ?? "",
        details: d.details ?? "",
      };
      const pubkey = parseConsensusPubkeyArg(opts.pubkey);
      const prepared = prepareTx(opts, opts.from!);
      const validator = valoperFromAccount(prepared.key.address);
      await sendTx(prepared, opts, {
        messages: [
          msgCreateValidator({
            validatorAddress: validator,
            consensusPubkey: pubkey,
            selfDelegation: amount,
            description,
            commission,
            minSelfDelegation,
          }),
        ],
        summary: [
          ["validator", validator],
          ["moniker", description.moniker],
          ["self-delegation", formatCoin(amount)],
          [
            "commission",
            `${commission.rate} (max ${commission.maxRate}, max change ${commission.maxChangeRate}/day)`,
          ],
          ["min self-delegation", `${minSelfDelegation}ucif`],
          ["consensus key", `${toBase64(pubkey)} (${valconsFromPubkey(pubkey)})`],
        ],
      });
    },
  );

  // ----- edit-validator --------------------------------------------------------------------------

  const edit = staking
    .command("edit-validator")
    .description(
      "change the description, commission rate or minimum self-delegation of the validator the --from key operates; options left out are unchanged",
    )
    .option("--commission-rate <rate>", "new commission rate (at most the max change rate away, once a day)")
    .option("--min-self-delegation <amount>", "new minimum self-delegation (it can only grow)");
  withDescriptionOptions(edit, false);
  withTxOptions(edit, { from: true });
  withExamples(edit, [
    "cifer tx staking edit-validator --from op --moniker new-name --website https://example.org",
    "cifer tx staking edit-validator --from op --commission-rate 0.11",
  ]);
  edit.action(
    async (opts: TxFlags & DescriptionFlags & { commissionRate?: string; minSelfDelegation?: string }) => {
      const description = descriptionOf(opts);
      const commissionRate =
        opts.commissionRate !== undefined
          ? parseRateArg(opts.commissionRate, "--commission-rate")
          : undefined;
      const minSelfDelegation =
        opts.minSelfDelegation !== undefined ? parseMinSelfDelegationArg(opts.minSelfDelegation) : undefined;
      if (
        Object.keys(description).length === 0 &&
        commissionRate === undefined &&
        minSelfDelegation === undefined
      )
        throw new UsageError(
          "nothing to edit: give at least one of --moniker, --details, --website, --identity, --security-contact, --commission-rate, --min-self-delegation",
        );
      const prepared = prepareTx(opts, opts.from!);
      const validator = valoperFromAccount(prepared.key.address);
      const changes: Array<[string, string]> = Object.entries(description).map(([k, v]) => [k, v]);
      if (commissionRate !== undefined) changes.push(["commission rate", commissionRate]);
      if (minSelfDelegation !== undefined) changes.push(["min self-delegation", `${minSelfDelegation}ucif`]);
      await sendTx(prepared, opts, async (client) => {
        await requireOperator(client, prepared.key.name, prepared.key.address);
        return {
          messages: [
            msgEditValidator({ validatorAddress: validator, description, commissionRate, minSelfDelegation }),
          ],
          summary: [["validator", validator], ...changes],
        };
      });
    },
  );
}
