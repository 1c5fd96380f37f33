import type { PageRequest } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import {
  QueryDelegationRequest,
  QueryDelegationResponse,
  QueryDelegatorDelegationsRequest,
  QueryDelegatorDelegationsResponse,
  QueryDelegatorUnbondingDelegationsRequest,
  QueryDelegatorUnbondingDelegationsResponse,
  QueryDelegatorValidatorRequest,
  QueryDelegatorValidatorResponse,
  QueryDelegatorValidatorsRequest,
  QueryDelegatorValidatorsResponse,
  QueryHistoricalInfoRequest,
  QueryHistoricalInfoResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryPoolRequest,
  QueryPoolResponse,
  QueryRedelegationsRequest,
  QueryRedelegationsResponse,
  QueryUnbondingDelegationRequest,
  QueryUnbondingDelegationResponse,
  QueryValidatorDelegationsRequest,
  QueryValidatorDelegationsResponse,
  QueryValidatorRequest,
  QueryValidatorResponse,
  QueryValidatorsRequest,
  QueryValidatorsResponse,
  QueryValidatorUnbondingDelegationsRequest,
  QueryValidatorUnbondingDelegationsResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import {
  BondStatus,
  bondStatusFromJSON,
  type Delegation,
  type DelegationResponse,
  type Redelegation,
  type RedelegationResponse,
  type Validator,
} from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context } from "../../chain/app/context.ts";
import { grpcInvalidArgument, grpcNotFound } from "../../chain/app/errors.ts";
import { addressArg, grpcQuery, paginateList } from "../../chain/app/grpc.ts";
import type { QueryDef } from "../../chain/app/module.ts";
import { Dec } from "../../chain/types/dec.ts";
import type { StakingKeeper } from "./keeper.ts";
import { paramsToWire } from "./params.ts";
import { VALOPER_PREFIX, valBytes } from "./store.ts";
import { tokensFromShares } from "./validator.ts";

const Q = "/cosmos.staking.v1beta1.Query";

const valArg = (a: string) => addressArg(a, "validator", VALOPER_PREFIX);
const delArg = (a: string) => addressArg(a, "delegator");

export function stakingQueries(k: StakingKeeper): QueryDef[] {
  const { store } = k;

  async function validatorOr404(ctx: Context, valoper: string): Promise<Validator> {
    const v = await store.validator(ctx, valArg(valoper));
    if (!v) throw grpcNotFound(`validator ${valoper} not found`);
    return v;
  }

  /** DelegationToDelegationResponse: the shares with the tokens they are worth now. */
  async function withBalance(ctx: Context, d: Delegation): Promise<DelegationResponse> {
    const v = await store.validator(ctx, valBytes(d.validatorAddress));
    const { bondDenom } = await k.params(ctx);
    const tokens = v ? tokensFromShares(v, Dec.fromProto(d.shares)).truncateInt() : 0n;
    return { delegation: d, balance: { denom: bondDenom, amount: tokens.toString() } };
  }

  async function redelegationResponse(ctx: Context, r: Redelegation): Promise<RedelegationResponse> {
    const dst = await store.validator(ctx, valBytes(r.validatorDstAddress));
    return {
      redelegation: r,
      entries: r.entries.map((e) => ({
        redelegationEntry: e,
        balance: dst ? tokensFromShares(dst, Dec.fromProto(e.sharesDst)).truncateInt().toString() : "0",
      })),
    };
  }

  const page = <T>(items: T[], p: PageRequest | undefined) => paginateList(items, p);

  return [
    grpcQuery(`${Q}/Validators`, QueryValidatorsRequest, QueryValidatorsResponse, async (ctx, req) => {
      let status: BondStatus | undefined;
      if (req.status !== "") {
        status = bondStatusFromJSON(req.status);
        if (status === BondStatus.UNRECOGNIZED || status === BondStatus.BOND_STATUS_UNSPECIFIED)
          throw grpcInvalidArgument(`invalid validator status ${req.status}`);
      }
      const all: Validator[] = [];
      for await (const v of store.validators(ctx))
        if (status === undefined || v.status === status) all.push(v);
      const { items, pagination } = page(all, req.pagination);
      return { validators: items, pagination };
    }),
    grpcQuery(`${Q}/Validator`, QueryValidatorRequest, QueryValidatorResponse, async (ctx, req) => ({
      validator: await validatorOr404(ctx, req.validatorAddr),
    })),
    grpcQuery(
      `${Q}/ValidatorDelegations`,
      QueryValidatorDelegationsRequest,
      QueryValidatorDelegationsResponse,
      async (ctx, req) => {
        const val = valArg(req.validatorAddr);
        const { items, pagination } = page(await store.delegationsTo(ctx, val), req.pagination);
        const delegationResponses = [];
        for (const d of items) delegationResponses.push(await withBalance(ctx, d));
        return { delegationResponses, pagination };
      },
    ),
    grpcQuery(
      `${Q}/ValidatorUnbondingDelegations`,
      QueryValidatorUnbondingDelegationsRequest,
      QueryValidatorUnbondingDelegationsResponse,
      async (ctx, req) => {
        const { items, pagination } = page(
          await store.unbondingsFrom(ctx, valArg(req.validatorAddr)),
          req.pagination,
        );
        return { unbondingResponses: items, pagination };
      },
    ),
    grpcQuery(`${Q}/Delegation`, QueryDelegationRequest, QueryDelegationResponse, async (ctx, req) => {
      const d = await store.delegation(ctx, delArg(req.delegatorAddr), valArg(req.validatorAddr));
      if (!d)
        throw grpcNotFound(
          `delegation with delegator ${req.delegatorAddr} not found for validator ${req.validatorAddr}`,
        );
      return { delegationResponse: await withBalance(ctx, d) };
    }),
    grpcQuery(
      `${Q}/UnbondingDelegation`,
      QueryUnbondingDelegationRequest,
      QueryUnbondingDelegationResponse,
      async (ctx, req) => {
        const u = await store.unbonding(ctx, delArg(req.delegatorAddr), valArg(req.validatorAddr));
        if (!u)
          throw grpcNotFound(
            `unbonding delegation with delegator ${req.delegatorAddr} not found for validator ${req.validatorAddr}`,
          );
        return { unbond: u };
      },
    ),
    grpcQuery(
      `${Q}/DelegatorDelegations`,
      QueryDelegatorDelegationsRequest,
      QueryDelegatorDelegationsResponse,
      async (ctx, req) => {
        const { items, pagination } = page(
          await store.delegationsOf(ctx, delArg(req.delegatorAddr)),
          req.pagination,
        );
        const delegationResponses = [];
        for (const d of items) delegationResponses.push(await withBalance(ctx, d));
        return { delegationResponses, pagination };
      },
    ),
    grpcQuery(
      `${Q}/DelegatorUnbondingDelegations`,
      QueryDelegatorUnbondingDelegationsRequest,
      QueryDelegatorUnbondingDelegationsResponse,
      async (ctx, req) => {
        const { items, pagination } = page(
          await store.unbondingsOf(ctx, delArg(req.delegatorAddr)),
          req.pagination,
        );
        return { unbondingResponses: items, pagination };
      },
    ),
    grpcQuery(
      `${Q}/Redelegations`,
      QueryRedelegationsRequest,
      QueryRedelegationsResponse,
      async (ctx, req) => {
        let reds: Redelegation[];
        if (req.delegatorAddr !== "" && req.srcValidatorAddr !== "" && req.dstValidatorAddr !== "") {
          const r = await store.redelegation(
            ctx,
            delArg(req.delegatorAddr),
            valArg(req.srcValidatorAddr),
            valArg(req.dstValidatorAddr),
          );
          if (!r) throw grpcNotFound("redelegation not found");
          reds = [r];
        } else if (req.delegatorAddr !== "") {
          reds = (await store.redelegationsOf(ctx, delArg(req.delegatorAddr))).filter(
            (r) => req.srcValidatorAddr === "" || r.validatorSrcAddress === req.srcValidatorAddr,
          );
        } else if (req.srcValidatorAddr !== "") {
          reds = await store.redelegationsFrom(ctx, valArg(req.srcValidatorAddr));
        } else throw grpcInvalidArgument("a delegator or source validator address is required");
        const { items, pagination } = page(reds, req.pagination);
        const redelegationResponses = [];
        for (const r of items) redelegationResponses.push(await redelegationResponse(ctx, r));
        return { redelegationResponses, pagination };
      },
    ),
    grpcQuery(
      `${Q}/DelegatorValidators`,
      QueryDelegatorValidatorsRequest,
      QueryDelegatorValidatorsResponse,
      async (ctx, req) => {
        const vals: Validator[] = [];
        for (const d of await store.delegationsOf(ctx, delArg(req.delegatorAddr))) {
          const v = await store.validator(ctx, valBytes(d.validatorAddress));
          if (v) vals.push(v);
        }
        const { items, pagination } = page(vals, req.pagination);
        return { validators: items, pagination };
      },
    ),
    grpcQuery(
      `${Q}/DelegatorValidator`,
      QueryDelegatorValidatorRequest,
      QueryDelegatorValidatorResponse,
      async (ctx, req) => {
        const d = await store.delegation(ctx, delArg(req.delegatorAddr), valArg(req.validatorAddr));
        if (!d) throw grpcNotFound("delegation not found");
        return { validator: await validatorOr404(ctx, req.validatorAddr) };
      },
    ),
    grpcQuery(
      `${Q}/HistoricalInfo`,
      QueryHistoricalInfoRequest,
      QueryHistoricalInfoResponse,
      async (_ctx, req) => {
        // historical_entries is 0: no header history is kept (nothing here uses IBC light clients).
        throw grpcNotFound(`historical info for height ${req.height} not found`);
      },
    ),
    grpcQuery(`${Q}/Pool`, QueryPoolRequest, QueryPoolResponse, async (ctx) => {
      const { bonded, notBonded } = await k.poolBalances(ctx);
      return { pool: { bondedTokens: bonded.toString(), notBondedTokens: notBonded.toString() } };
    }),
    grpcQuery(`${Q}/Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => ({
      params: paramsToWire(await k.params(ctx)),
    })),
  ];
}
