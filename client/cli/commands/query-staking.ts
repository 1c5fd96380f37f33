/** `cifer query staking ...`: validators, delegations, unbondings, redelegations, pool and params. */
import { toBase64 } from "@cosmjs/encoding";
import {
  QueryDelegationResponse,
  QueryDelegatorDelegationsResponse,
  QueryDelegatorUnbondingDelegationsResponse,
  QueryParamsResponse,
  QueryPoolResponse,
  QueryRedelegationsResponse,
  QueryUnbondingDelegationResponse,
  QueryValidatorResponse,
  QueryValidatorsResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import type { UnbondingDelegation, Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Command } from "commander";
import { accountFromValoper, valconsFromPubkey } from "../../addresses.ts";
import { formatCoin } from "../../amounts.ts";
import {
  bondStatusName,
  ed25519KeyOfAny,
  fixJson,
  formatDuration,
  formatRate,
  formatTime,
  formatTokens,
  STAKING_DECS,
  shortDecimal,
} from "../format.ts";
import { printFields, printTable } from "../io.ts";
import {
  outputOf,
  parseAddressArg,
  parseBondStatusArg,
  parseNodeUrl,
  parseValoperArg,
  withClient,
  withExamples,
} from "../options.ts";
import { allPages, emit, type QueryFlags, withQueryOptions } from "../query-common.ts";

const stakingJson = (json: unknown) => fixJson(json, { decs: STAKING_DECS });
const write = (s: string) => process.stdout.write(`${s}\n`);

function printValidator(v: Validator): void {
  const key = ed25519KeyOfAny(v.consensusPubkey);
  const rates = v.commission?.commissionRates;
  const d = v.description;
  printFields({
    operator_address: v.operatorAddress,
    operator_account: accountFromValoper(v.operatorAddress),
    moniker: d?.moniker ?? "",
    status: bondStatusName(v.status),
    jailed: String(v.jailed),
    tokens: formatTokens(v.tokens),
    delegator_shares: shortDecimal(v.delegatorShares),
    commission_rate: rates ? formatRate(rates.rate) : undefined,
    commission_max_rate: rates ? formatRate(rates.maxRate) : undefined,
    commission_max_change_rate: rates ? formatRate(rates.maxChangeRate) : undefined,
    commission_updated: formatTime(v.commission?.updateTime),
    min_self_delegation: formatTokens(v.minSelfDelegation || "0"),
    consensus_pubkey: key ? toBase64(key) : v.consensusPubkey?.typeUrl,
    consensus_address: key ? valconsFromPubkey(key) : undefined,
    website: d?.website || undefined,
    identity: d?.identity || undefined,
    security_contact: d?.securityContact || undefined,
    details: d?.details || undefined,
    unbonding_height: v.unbondingHeight > 0n ? v.unbondingHeight.toString() : undefined,
    unbonding_time: v.unbondingHeight > 0n ? formatTime(v.unbondingTime) : undefined,
  });
}

function printUnbonding(u: UnbondingDelegation): void {
  printTable(
    ["CREATION HEIGHT", "COMPLETES AT", "INITIAL BALANCE", "BALANCE"],
    u.entries.map((e) => [
      e.creationHeight.toString(),
      formatTime(e.completionTime),
      formatTokens(e.initialBalance),
      formatTokens(e.balance),
    ]),
  );
}

export function registerStakingQueryCommands(query: Command): void {
  const staking = query
    .command("staking")
    .description("staking queries: validators, delegations, pool, params");
  withExamples(staking, [
    "cifer query staking validators",
    "cifer query staking delegations cif1...",
    "cifer query staking pool",
  ]);

  const validators = staking
    .command("validators")
    .description("every validator (or those of one status), by voting power")
    .option("--status <status>", "only validators of this status: bonded, unbonding or unbonded");
  withQueryOptions(validators);
  withExamples(validators, [
    "cifer query staking validators",
    "cifer query staking validators --status bonded -o json",
  ]);
  validators.action(async (opts: QueryFlags & { status?: string }) => {
    const status = parseBondStatusArg(opts.status);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const all = await withClient(url, (c) =>
      allPages(async (key) => {
        const r = await c.query.staking.validators(status, key);
        return { items: r.validators, nextKey: r.pagination?.nextKey };
      }),
    );
    emit(
      format,
      () => stakingJson(QueryValidatorsResponse.toJSON({ validators: all, pagination: undefined })),
      () => {
        if (all.length === 0) return write(status ? "no validators of this status" : "no validators");
        const sorted = [...all].sort((a, b) => (BigInt(b.tokens) > BigInt(a.tokens) ? 1 : -1));
        printTable(
          ["OPERATOR", "MONIKER", "STATUS", "JAILED", "TOKENS", "COMMISSION"],
          sorted.map((v) => [
            v.operatorAddress,
            v.description?.moniker ?? "",
            bondStatusName(v.status),
            v.jailed ? "yes" : "no",
            formatTokens(v.tokens),
            v.commission?.commissionRates ? formatRate(v.commission.commissionRates.rate) : "",
          ]),
        );
      },
    );
  });

  const validator = staking
    .command("validator")
    .description("one validator: status, tokens, commission, consensus key and description")
    .argument("<validator-addr>", "validator operator address (cifvaloper1...)");
  withQueryOptions(validator);
  withExamples(validator, [
    "cifer query staking validator cifvaloper1...",
    "cifer q staking validator cifvaloper1... -o json",
  ]);
  validator.action(async (valArg: string, opts: QueryFlags) => {
    const address = parseValoperArg(valArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const res = await withClient(url, (c) => c.query.staking.validator(address));
    emit(
      format,
      () => stakingJson(QueryValidatorResponse.toJSON(res)),
      () => printValidator(res.validator),
    );
  });

  const delegation = staking
    .command("delegation")
    .description("the delegation of an account to a validator: shares and what they are worth")
    .argument("<delegator-addr>", "delegator account address (cif1...)")
    .argument("<validator-addr>", "validator operator address (cifvaloper1...)");
  withQueryOptions(delegation);
  withExamples(delegation, ["cifer query staking delegation cif1... cifvaloper1..."]);
  delegation.action(async (delArg: string, valArg: string, opts: QueryFlags) => {
    const delegator = parseAddressArg(delArg, "delegator address");
    const validatorAddr = parseValoperArg(valArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const res = await withClient(url, (c) => c.query.staking.delegation(delegator, validatorAddr));
    emit(
      format,
      () => stakingJson(QueryDelegationResponse.toJSON(res)),
      () => {
        const d = res.delegationResponse;
        printFields({
          delegator: d?.delegation.delegatorAddress ?? delegator,
          validator: d?.delegation.validatorAddress ?? validatorAddr,
          shares: d ? shortDecimal(d.delegation.shares) : "0",
          balance: d ? formatCoin(d.balance) : formatTokens(0n),
        });
      },
    );
  });

  const delegations = staking
    .command("delegations")
    .description("every delegation of an account")
    .argument("<delegator-addr>", "delegator account address (cif1...)");
  withQueryOptions(delegations);
  withExamples(delegations, [
    "cifer query staking delegations cif1...",
    "cifer query staking delegations cif1... -o json",
  ]);
  delegations.action(async (delArg: string, opts: QueryFlags) => {
    const delegator = parseAddressArg(delArg, "delegator address");
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const all = await withClient(url, (c) =>
      allPages(async (key) => {
        const r = await c.query.staking.delegatorDelegations(delegator, key);
        return { items: r.delegationResponses, nextKey: r.pagination?.nextKey };
      }),
    );
    emit(
      format,
      () =>
        stakingJson(
          QueryDelegatorDelegationsResponse.toJSON({ delegationResponses: all, pagination: undefined }),
        ),
      () => {
        if (all.length === 0) return write("no delegations");
        printTable(
          ["VALIDATOR", "SHARES", "BALANCE"],
          all.map((d) => [
            d.delegation.validatorAddress,
            shortDecimal(d.delegation.shares),
            formatCoin(d.balance),
          ]),
        );
        write(`total: ${formatTokens(all.reduce((s, d) => s + BigInt(d.balance.amount), 0n))}`);
      },
    );
  });

  const unbonding = staking
    .command("unbonding-delegation")
    .description("the unbonding entries of an account's delegation to a validator, and when each completes")
    .argument("<delegator-addr>", "delegator account address (cif1...)")
    .argument("<validator-addr>", "validator operator address (cifvaloper1...)");
  withQueryOptions(unbonding);
  withExamples(unbonding, ["cifer query staking unbonding-delegation cif1... cifvaloper1..."]);
  unbonding.action(async (delArg: string, valArg: string, opts: QueryFlags) => {
    const delegator = parseAddressArg(delArg, "delegator address");
    const validatorAddr = parseValoperArg(valArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const res = await withClient(url, (c) => c.query.staking.unbondingDelegation(delegator, validatorAddr));
    emit(
      format,
      () => stakingJson(QueryUnbondingDelegationResponse.toJSON(res)),
      () => {
        printFields({ delegator: res.unbond.delegatorAddress, validator: res.unbond.validatorAddress });
        printUnbonding(res.unbond);
      },
    );
  });

  const unbondings = staking
    .command("unbonding-delegations")
    .description("every unbonding delegation of an account")
    .argument("<delegator-addr>", "delegator account address (cif1...)");
  withQueryOptions(unbondings);
  withExamples(unbondings, ["cifer query staking unbonding-delegations cif1..."]);
  unbondings.action(async (delArg: string, opts: QueryFlags) => {
    const delegator = parseAddressArg(delArg, "delegator address");
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const all = await withClient(url, (c) =>
      allPages(async (key) => {
        const r = await c.query.staking.delegatorUnbondingDelegations(delegator, key);
        return { items: r.unbondingResponses, nextKey: r.pagination?.nextKey };
      }),
    );
    emit(
      format,
      () =>
        stakingJson(
          QueryDelegatorUnbondingDelegationsResponse.toJSON({
            unbondingResponses: all,
            pagination: undefined,
          }),
        ),
      () => {
        if (all.length === 0) return write("no unbonding delegations");
        all.forEach((u, i) => {
          if (i > 0) write("");
          write(`validator: ${u.validatorAddress}`);
          printUnbonding(u);
        });
      },
    );
  });

  const redelegations = staking
    .command("redelegations")
    .description("every redelegation of an account still within its unbonding period")
    .argument("<delegator-addr>", "delegator account address (cif1...)");
  withQueryOptions(redelegations);
  withExamples(redelegations, ["cifer query staking redelegations cif1..."]);
  redelegations.action(async (delArg: string, opts: QueryFlags) => {
    const delegator = parseAddressArg(delArg, "delegator address");
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const all = await withClient(url, (c) =>
      allPages(async (key) => {
        const r = await c.query.staking.redelegations(delegator, "", "", key);
        return { items: r.redelegationResponses, nextKey: r.pagination?.nextKey };
      }),
    );
    emit(
      format,
      () =>
        stakingJson(QueryRedelegationsResponse.toJSON({ redelegationResponses: all, pagination: undefined })),
      () => {
        if (all.length === 0) return write("no redelegations");
        all.forEach((r, i) => {
          if (i > 0) write("");
          write(`from ${r.redelegation.validatorSrcAddress} to ${r.redelegation.validatorDstAddress}`);
          printTable(
            ["CREATION HEIGHT", "COMPLETES AT", "INITIAL BALANCE", "BALANCE", "SHARES"],
            r.entries.map((e) => [
              e.redelegationEntry.creationHeight.toString(),
              formatTime(e.redelegationEntry.completionTime),
              formatTokens(e.redelegationEntry.initialBalance),
              formatTokens(e.balance),
              shortDecimal(e.redelegationEntry.sharesDst),
            ]),
          );
        });
      },
    );
  });

  const pool = staking.command("pool").description("the bonded and not-bonded (unbonding) tokens");
  withQueryOptions(pool);
  withExamples(pool, ["cifer query staking pool", "cifer query staking pool -o json"]);
  pool.action(async (opts: QueryFlags) => {
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const res = await withClient(url, (c) => c.query.staking.pool());
    emit(
      format,
      () => stakingJson(QueryPoolResponse.toJSON(res)),
      () =>
        printFields({
          bonded_tokens: formatTokens(res.pool.bondedTokens),
          not_bonded_tokens: formatTokens(res.pool.notBondedTokens),
        }),
    );
  });

  const params = staking.command("params").description("the staking parameters");
  withQueryOptions(params);
  withExamples(params, ["cifer query staking params"]);
  params.action(async (opts: QueryFlags) => {
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const res = await withClient(url, (c) => c.query.staking.params());
    emit(
      format,
      () => stakingJson(QueryParamsResponse.toJSON(res)),
      () =>
        printFields({
          unbonding_time: formatDuration(res.params.unbondingTime),
          max_validators: res.params.maxValidators,
          max_entries: res.params.maxEntries,
          historical_entries: res.params.historicalEntries,
          bond_denom: res.params.bondDenom,
          min_commission_rate: formatRate(res.params.minCommissionRate || "0"),
        }),
    );
  });
}
