/** `cifer tx distribution ...`: withdraw staking rewards and commission, set the withdraw address, fund the community pool. */
import type { Command } from "commander";
import { valoperFromAccount } from "../../addresses.ts";
import { formatCoin } from "../../amounts.ts";
import {
  msgFundCommunityPool,
  msgSetWithdrawAddress,
  msgWithdrawDelegatorReward,
  msgWithdrawValidatorCommission,
} from "../../msgs.ts";
import { CliError, UsageError } from "../errors.ts";
import { parseAddressArg, parseAmountArg, parseValoperArg, withExamples } from "../options.ts";
import { prepareTx, sendTx, type TxFlags, withTxOptions } from "../tx-send.ts";

/** Withdrawals of more delegations than this are refused (split them): a bound on the transaction's size. */
export const MAX_WITHDRAW_MSGS = 100;

export function registerDistributionTxCommands(tx: Command): void {
  const distribution = tx
    .command("distribution")
    .description("distribution transactions: staking rewards, validator commission, community pool");
  withExamples(distribution, [
    "cifer tx distribution withdraw-all-rewards --from alice",
    "cifer tx distribution withdraw-rewards cifvaloper1... --from alice",
  ]);

  const withdraw = distribution
    .command("withdraw-rewards")
    .description(
      "withdraw the rewards of the --from key's delegation to a validator (and, with --commission, the validator's commission when --from is its operator)",
    )
    .argument("<validator-addr>", "validator operator address (cifvaloper1...)")
    .option("--commission", "also withdraw the validator's commission (the --from key must be its operator)");
  withTxOptions(withdraw, { from: true });
  withExamples(withdraw, [
    "cifer tx distribution withdraw-rewards cifvaloper1... --from alice",
    "cifer tx distribution withdraw-rewards cifvaloper1... --commission --from operator",
  ]);
  withdraw.action(async (valArg: string, opts: TxFlags & { commission?: boolean }) => {
    const validator = parseValoperArg(valArg);
    const prepared = prepareTx(opts, opts.from!);
    const delegator = prepared.key.address;
    if (opts.commission && valoperFromAccount(delegator) !== validator) {
      throw new UsageError(
        `--commission: the key ${prepared.key.name} (${delegator}) is not the operator of ${validator}; its validator would be ${valoperFromAccount(delegator)}`,
      );
    }
    await sendTx(prepared, opts, {
      messages: [
        msgWithdrawDelegatorReward(delegator, validator),
        ...(opts.commission ? [msgWithdrawValidatorCommission(validator)] : []),
      ],
      summary: [
        ["validator", validator],
        ["withdraw", opts.commission ? "delegation rewards and validator commission" : "delegation rewards"],
      ],
    });
  });

  const withdrawAll = distribution
    .command("withdraw-all-rewards")
    .description("withdraw the rewards of every delegation of the --from key, in one transaction");
  withTxOptions(withdrawAll, { from: true });
  withExamples(withdrawAll, [
    "cifer tx distribution withdraw-all-rewards --from alice",
    "cifer tx distribution withdraw-all-rewards --from alice --gas 400000 --fees 2000ucif --yes",
  ]);
  withdrawAll.action(async (opts: TxFlags) => {
    const prepared = prepareTx(opts, opts.from!);
    const delegator = prepared.key.address;
    await sendTx(prepared, opts, async (client) => {
      const { validators } = await client.query.distribution.delegatorValidators(delegator);
      if (validators.length === 0)
        throw new CliError(`${prepared.key.name} (${delegator}) has no delegations: no rewards to withdraw`);
      if (validators.length > MAX_WITHDRAW_MSGS)
        throw new CliError(
          `${delegator} has ${validators.length} delegations, more than ${MAX_WITHDRAW_MSGS} per transaction: withdraw them with withdraw-rewards <validator>`,
        );
      return {
        messages: validators.map((v) => msgWithdrawDelegatorReward(delegator, v)),
        summary: [["withdraw", `rewards of ${validators.length} delegation(s): ${validators.join(", ")}`]],
      };
    });
  });

  const setAddr = distribution
    .command("set-withdraw-addr")
    .description("send the --from key's future rewards (and commission) to another address")
    .argument("<address>", "the withdraw address (cif1...)");
  withTxOptions(setAddr, { from: true });
  withExamples(setAddr, ["cifer tx distribution set-withdraw-addr cif1... --from alice"]);
  setAddr.action(async (addrArg: string, opts: TxFlags) => {
    const address = parseAddressArg(addrArg, "withdraw address");
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(prepared, opts, {
      messages: [msgSetWithdrawAddress(prepared.key.address, address)],
      summary: [["withdraw address", address]],
    });
  });

  const fund = distribution
    .command("fund-community-pool")
    .description("give tokens of the --from key to the community pool")
    .argument("<amount>", "amount: 1000ucif, 1.5CIF (1 CIF = 10^6 ucif), or a comma-separated list");
  withTxOptions(fund, { from: true });
  withExamples(fund, ["cifer tx distribution fund-community-pool 100CIF --from alice"]);
  fund.action(async (amountArg: string, opts: TxFlags) => {
    const amount = parseAmountArg(amountArg);
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(prepared, opts, {
      messages: [msgFundCommunityPool(prepared.key.address, amount)],
      summary: [["fund community pool", amount.map(formatCoin).join(", ")]],
    });
  });
}
