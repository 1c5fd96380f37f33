/** `cifer query distribution ...`: rewards, commission, outstanding rewards, community pool, params. */
import {
  QueryCommunityPoolResponse,
  QueryDelegationRewardsResponse,
  QueryDelegationTotalRewardsResponse,
  QueryDelegatorWithdrawAddressResponse,
  QueryParamsResponse,
  QueryValidatorCommissionResponse,
  QueryValidatorOutstandingRewardsResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/query";
import type { Command } from "commander";
import { DISTRIBUTION_DECS, fixJson, formatDecCoins, formatRate } from "../format.ts";
import { printFields, printJson, printTable } from "../io.ts";
import {
  outputOf,
  parseAddressArg,
  parseNodeUrl,
  parseValoperArg,
  withClient,
  withExamples,
} from "../options.ts";
import { emit, type QueryFlags, withQueryOptions } from "../query-common.ts";

const distributionJson = (json: unknown) => fixJson(json, { decs: DISTRIBUTION_DECS, decCoins: true });

export function registerDistributionQueryCommands(query: Command): void {
  const distribution = query
    .command("distribution")
    .description(
      "distribution queries: staking rewards, commission, community pool (amounts are exact decimals of ucif)",
    );
  withExamples(distribution, [
    "cifer query distribution rewards cif1...",
    "cifer query distribution commission cifvaloper1...",
  ]);

  const rewards = distribution
    .command("rewards")
    .description("the rewards an account would withdraw now: from every delegation, or from one validator")
    .argument("<delegator-addr>", "delegator account address (cif1...)")
    .argument("[validator-addr]", "only the delegation to this validator (cifvaloper1...)");
  withQueryOptions(rewards);
  withExamples(rewards, [
    "cifer query distribution rewards cif1...",
    "cifer query distribution rewards cif1... cifvaloper1... -o json",
  ]);
  rewards.action(async (delArg: string, valArg: string | undefined, opts: QueryFlags) => {
    const delegator = parseAddressArg(delArg, "delegator address");
    const validator = valArg !== undefined ? parseValoperArg(valArg) : undefined;
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    if (validator !== undefined) {
      const res = await withClient(url, (c) => c.query.distribution.delegationRewards(delegator, validator));
      emit(
        format,
        () => distributionJson(QueryDelegationRewardsResponse.toJSON(res)),
        () => printFields({ delegator, validator, rewards: formatDecCoins(res.rewards) }),
      );
      return;
    }
    const res = await withClient(url, (c) => c.query.distribution.delegationTotalRewards(delegator));
    emit(
      format,
      () => distributionJson(QueryDelegationTotalRewardsResponse.toJSON(res)),
      () => {
        if (res.rewards.length === 0) return void process.stdout.write("no delegations\n");
        printTable(
          ["VALIDATOR", "REWARDS"],
          res.rewards.map((r) => [r.validatorAddress, formatDecCoins(r.reward)]),
        );
        process.stdout.write(`total: ${formatDecCoins(res.total)}\n`);
      },
    );
  });

  const commission = distribution
    .command("commission")
    .description("a validator's commission not yet withdrawn by its operator")
    .argument("<validator-addr>", "validator operator address (cifvaloper1...)");
  withQueryOptions(commission);
  withExamples(commission, ["cifer query distribution commission cifvaloper1..."]);
  commission.action(async (valArg: string, opts: QueryFlags) => {
    const validator = parseValoperArg(valArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const res = await withClient(url, (c) => c.query.distribution.validatorCommission(validator));
    emit(
      format,
      () => distributionJson(QueryValidatorCommissionResponse.toJSON(res)),
      () => printFields({ validator, commission: formatDecCoins(res.commission?.commission ?? []) }),
    );
  });

  const outstanding = distribution
    .command("outstanding-rewards")
    .description(
      "everything a validator and its delegators have earned and not withdrawn (commission included)",
    )
    .argument("<validator-addr>", "validator operator address (cifvaloper1...)");
  withQueryOptions(outstanding);
  withExamples(outstanding, ["cifer query distribution outstanding-rewards cifvaloper1..."]);
  outstanding.action(async (valArg: string, opts: QueryFlags) => {
    const validator = parseValoperArg(valArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const res = await withClient(url, (c) => c.query.distribution.validatorOutstandingRewards(validator));
    emit(
      format,
      () => distributionJson(QueryValidatorOutstandingRewardsResponse.toJSON(res)),
      () => printFields({ validator, outstanding_rewards: formatDecCoins(res.rewards?.rewards ?? []) }),
    );
  });

  const pool = distribution.command("community-pool").description("the community pool's coins");
  withQueryOptions(pool);
  withExamples(pool, ["cifer query distribution community-pool"]);
  pool.action(async (opts: QueryFlags) => {
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const res = await withClient(url, (c) => c.query.distribution.communityPool());
    emit(
      format,
      () => distributionJson(QueryCommunityPoolResponse.toJSON(res)),
      () => printFields({ community_pool: formatDecCoins(res.pool) }),
    );
  });

  const params = distribution.command("params").description("the distribution parameters");
  withQueryOptions(params);
  withExamples(params, ["cifer query distribution params"]);
  params.action(async (opts: QueryFlags) => {
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const res = await withClient(url, (c) => c.query.distribution.params());
    emit(
      format,
      () => distributionJson(QueryParamsResponse.toJSON(res)),
      () =>
        printFields({
          community_tax: formatRate(res.params.communityTax || "0"),
          base_proposer_reward: formatRate(res.params.baseProposerReward || "0"),
          bonus_proposer_reward: formatRate(res.params.bonusProposerReward || "0"),
          withdraw_addr_enabled: String(res.params.withdrawAddrEnabled),
        }),
    );
  });

  const withdrawAddr = distribution
    .command("withdraw-addr")
    .description("where an account's rewards are paid (the account itself unless it set another)")
    .argument("<delegator-addr>", "delegator account address (cif1...)");
  withQueryOptions(withdrawAddr);
  withExamples(withdrawAddr, ["cifer query distribution withdraw-addr cif1..."]);
  withdrawAddr.action(async (delArg: string, opts: QueryFlags) => {
    const delegator = parseAddressArg(delArg, "delegator address");
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const res = await withClient(url, (c) => c.query.distribution.delegatorWithdrawAddress(delegator));
    if (format === "json") printJson(QueryDelegatorWithdrawAddressResponse.toJSON(res));
    else process.stdout.write(`${res.withdrawAddress}\n`);
  });
}
