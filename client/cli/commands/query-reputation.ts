/** `cifer query reputation ...`: validators' reputation R and tier (cifer.reputation.v1), and its params. */
import type { Command } from "commander";
import { VALCONS_PREFIX } from "../../addresses.ts";
import type { CiferClient } from "../../cifer-client.ts";
import {
  REPUTATION_TIER_NAMES,
  type ReputationParams,
  type ReputationSample,
  ReputationTier,
  reputationTierToJson,
  type ValidatorReputation,
} from "../../reputation.ts";
import { CliError } from "../errors.ts";
import { type OutputFormat, printFields, printTable } from "../io.ts";
import {
  outputOf,
  parseNodeUrl,
  parseTierArg,
  parseValconsArg,
  parseValoperArg,
  withClient,
  withExamples,
} from "../options.ts";
import { allPages, emit, type QueryFlags, withQueryOptions } from "../query-common.ts";

/** R in millionths as a decimal: 953000 -> "0.953". */
function formatR(millionths: bigint): string {
  const int = millionths / 1_000_000n;
  const frac = (millionths % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${int}${frac ? `.${frac}` : ""}`;
}

const tierName = (t: number) => REPUTATION_TIER_NAMES[t as ReputationTier] ?? String(t);

/** The protobuf JSON of a ValidatorReputation: 64-bit integers as strings, the tier by name. */
export function reputationJson(r: ValidatorReputation): Record<string, unknown> {
  return {
    validatorAddress: r.validatorAddress,
    consensusAddress: r.consensusAddress,
    reputation: r.reputation.toString(),
    tier: reputationTierToJson(r.tier),
    tierSince: r.tierSince.toString(),
    probationUntil: r.probationUntil.toString(),
    signedBlocks: r.signedBlocks.toString(),
    missedBlocks: r.missedBlocks.toString(),
    proposalsCommitted: r.proposalsCommitted.toString(),
    proposalsFailed: r.proposalsFailed.toString(),
  };
}

/** A validator's history: a HEIGHT / REPUTATION / TIER table, or protobuf JSON with `-o json`. */
export function emitReputationHistory(format: OutputFormat, samples: ReputationSample[]): void {
  emit(
    format,
    () => ({
      samples: samples.map((x) => ({
        height: x.height.toString(),
        reputation: x.reputation.toString(),
        tier: reputationTierToJson(x.tier),
      })),
    }),
    () => {
      if (samples.length === 0) return void process.stdout.write("no samples yet\n");
      printTable(
        ["HEIGHT", "REPUTATION", "TIER"],
        samples.map((x) => [x.height.toString(), formatR(x.reputation), tierName(x.tier)]),
      );
    },
  );
}

const paramsJson = (p: ReputationParams) =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, (v as bigint).toString()]));

async function allReputations(client: CiferClient, tier: ReputationTier): Promise<ValidatorReputation[]> {
  return allPages(async (key) => {
    const r = await client.query.reputation.validators(tier, key);
    return { items: r.validators, nextKey: r.pagination.nextKey };
  });
}

type ValidatorArg = { valoper: string } | { valcons: string };

/** An operator address (cifvaloper1...) or a consensus address (cifvalcons1...), checked offline. */
function parseValidatorArg(arg: string): ValidatorArg {
  const a = arg.trim();
  return a.startsWith(`${VALCONS_PREFIX}1`)
    ? { valcons: parseValconsArg(a) }
    : { valoper: parseValoperArg(arg, "validator address") };
}

/** The module answers by operator address; a consensus address is looked up in the full list. */
async function reputationOf(c: CiferClient, which: ValidatorArg): Promise<ValidatorReputation> {
  if ("valoper" in which) return c.query.reputation.validator(which.valoper);
  const found = (await allReputations(c, ReputationTier.Unspecified)).find(
    (x) => x.consensusAddress === which.valcons,
  );
  if (!found) throw new CliError(`no reputation for a validator with consensus address ${which.valcons}`);
  return found;
}

export function registerReputationQueryCommands(query: Command): void {
  const reputation = query
    .command("reputation")
    .description(
      "reputation queries: each validator's R (0 to 1, an average of its signing and proposing) and tier (new, initial, trusted, normal, unreliable)",
    );
  withExamples(reputation, [
    "cifer query reputation validators",
    "cifer query reputation validator cifvaloper1...",
    "cifer query reputation history cifvaloper1...",
  ]);

  const validator = reputation
    .command("validator")
    .description("the reputation record of one validator")
    .argument("<validator>", "operator address (cifvaloper1...) or consensus address (cifvalcons1...)");
  withQueryOptions(validator);
  withExamples(validator, [
    "cifer query reputation validator cifvaloper1...",
    "cifer query reputation validator cifvalcons1... -o json",
  ]);
  validator.action(async (arg: string, opts: QueryFlags) => {
    const which = parseValidatorArg(arg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const r = await withClient(url, (c) => reputationOf(c, which));
    emit(
      format,
      () => ({ validator: reputationJson(r) }),
      () =>
        printFields({
          validator_address: r.validatorAddress,
          consensus_address: r.consensusAddress,
          reputation: `${formatR(r.reputation)} (${r.reputation} millionths)`,
          tier: tierName(r.tier),
          tier_since: r.tierSince.toString(),
          probation_until: r.tier === ReputationTier.Initial ? r.probationUntil.toString() : undefined,
          signed_blocks: r.signedBlocks.toString(),
          missed_blocks: r.missedBlocks.toString(),
          proposals_committed: r.proposalsCommitted.toString(),
          proposals_failed: r.proposalsFailed.toString(),
        }),
    );
  });

  const history = reputation
    .command("history")
    .description(
      "a validator's recorded reputation: R and tier every history_interval blocks, the last history_length samples (see 'cifer query reputation params')",
    )
    .argument("<validator>", "operator address (cifvaloper1...) or consensus address (cifvalcons1...)");
  withQueryOptions(history);
  withExamples(history, [
    "cifer query reputation history cifvaloper1...",
    "cifer query reputation history cifvalcons1... -o json",
  ]);
  history.action(async (arg: string, opts: QueryFlags) => {
    const which = parseValidatorArg(arg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const samples = await withClient(url, async (c) => {
      const valoper = "valoper" in which ? which.valoper : (await reputationOf(c, which)).validatorAddress;
      return allPages(async (key) => {
        const r = await c.query.reputation.history(valoper, { key });
        return { items: r.samples, nextKey: r.pagination.nextKey };
      });
    });
    emitReputationHistory(format, samples);
  });

  const validators = reputation
    .command("validators")
    .description("the reputation of every validator (or those of one tier)")
    .option("--tier <tier>", "only this tier: new, initial, trusted, normal or unreliable");
  withQueryOptions(validators);
  withExamples(validators, [
    "cifer query reputation validators",
    "cifer query reputation validators --tier trusted -o json",
  ]);
  validators.action(async (opts: QueryFlags & { tier?: string }) => {
    const tier = parseTierArg(opts.tier);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const all = await withClient(url, (c) => allReputations(c, tier));
    emit(
      format,
      () => ({ validators: all.map(reputationJson) }),
      () => {
        if (all.length === 0) return void process.stdout.write("no validators\n");
        printTable(
          ["VALIDATOR", "REPUTATION", "TIER", "SINCE", "SIGNED", "MISSED", "PROPOSED", "FAILED"],
          all.map((r) => [
            r.validatorAddress,
            formatR(r.reputation),
            tierName(r.tier),
            r.tierSince.toString(),
            r.signedBlocks.toString(),
            r.missedBlocks.toString(),
            r.proposalsCommitted.toString(),
            r.proposalsFailed.toString(),
          ]),
        );
      },
    );
  });

  const params = reputation.command("params").description("the reputation parameters");
  withQueryOptions(params);
  withExamples(params, ["cifer query reputation params"]);
  params.action(async (opts: QueryFlags) => {
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const p = await withClient(url, (c) => c.query.reputation.params());
    emit(
      format,
      () => ({ params: paramsJson(p) }),
      () =>
        printFields({
          sign_alpha: `${formatR(p.signAlpha)} (${p.signAlpha} millionths: weight of one signed/missed block)`,
          propose_alpha: `${formatR(p.proposeAlpha)} (${p.proposeAlpha} millionths: weight of one proposal)`,
          fl_alpha: `${formatR(p.flAlpha)} (${p.flAlpha} millionths: weight of one federated-learning verdict)`,
          trusted_weight_percent: `${p.trustedWeightPercent}% (proposer weight of trusted validators)`,
          normal_weight_percent: `${p.normalWeightPercent}% (proposer weight of normal validators)`,
          history_interval: `${p.historyInterval} blocks (between two samples of each validator's reputation)`,
          history_length: `${p.historyLength} (samples kept per validator)`,
        }),
    );
  });
}
