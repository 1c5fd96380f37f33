import {
  QueryCommunityPoolRequest,
  QueryCommunityPoolResponse,
  QueryDelegationRewardsRequest,
  QueryDelegationRewardsResponse,
  QueryDelegationTotalRewardsRequest,
  QueryDelegationTotalRewardsResponse,
  QueryDelegatorValidatorsRequest,
  QueryDelegatorValidatorsResponse,
  QueryDelegatorWithdrawAddressRequest,
  QueryDelegatorWithdrawAddressResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryValidatorCommissionRequest,
  QueryValidatorCommissionResponse,
  QueryValidatorDistributionInfoRequest,
  QueryValidatorDistributionInfoResponse,
  QueryValidatorOutstandingRewardsRequest,
  QueryValidatorOutstandingRewardsResponse,
  QueryValidatorSlashesRequest,
  QueryValidatorSlashesResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/query";
import type { Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context } from "../../chain/app/context.ts";
import { grpcInvalidArgument, grpcNotFound } from "../../chain/app/errors.ts";
import { addressArg, grpcQuery, paginateList } from "../../chain/app/grpc.ts";
import type { QueryDef } from "../../chain/app/module.ts";
import { addDecCoins, type DecCoin, decCoinsToWire } from "../../chain/types/dec-coins.ts";
import { accountOf, VALOPER_PREFIX, valBytes } from "../staking/store.ts";
import type { DistributionKeeper } from "./keeper.ts";
import { distributionParamsToWire } from "./params.ts";

const Q = "/cosmos.distribution.v1beta1.Query";

const valArg = (a: string) => addressArg(a, "validator", VALOPER_PREFIX);
const delArg = (a: string) => addressArg(a, "delegator");

/** The Query service of cosmos.distribution.v1beta1, as CosmJS's DistributionExtension calls it. */
export function distributionQueries(k: DistributionKeeper): QueryDef[] {
  const { store } = k;

  async function validatorOr404(ctx: Context, valoper: string): Promise<Validator> {
    const v = await k.staking.validator(ctx, valArg(valoper));
    if (!v) throw grpcNotFound(`validator ${valoper} does not exist`);
    return v;
  }

  /** The rewards a delegation would withdraw now (queries run on a throwaway branch of state). */
  async function rewardsOf(ctx: Context, del: Uint8Array, v: Validator): Promise<DecCoin[] | undefined> {
    const d = await k.staking.delegation(ctx, del, valBytes(v.operatorAddress));
    return d ? k.pendingRewards(ctx, v, d) : undefined;
  }

  return [
    grpcQuery(`${Q}/Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => ({
      params: distributionParamsToWire(await k.params(ctx)),
    })),

    grpcQuery(
      `${Q}/ValidatorDistributionInfo`,
      QueryValidatorDistributionInfoRequest,
      QueryValidatorDistributionInfoResponse,
      async (ctx, r) => {
        const v = await validatorOr404(ctx, r.validatorAddress);
        const val = valBytes(v.operatorAddress);
        const selfBondRewards = await rewardsOf(ctx, val, v);
        if (!selfBondRewards) throw grpcNotFound("the operator has no self delegation");
        return {
          operatorAddress: accountOf(val),
          selfBondRewards: decCoinsToWire(selfBondRewards),
          commission: decCoinsToWire((await store.commission(ctx, val)) ?? []),
        };
      },
    ),

    grpcQuery(
      `${Q}/ValidatorOutstandingRewards`,
      QueryValidatorOutstandingRewardsRequest,
      QueryValidatorOutstandingRewardsResponse,
      async (ctx, r) => {
        const v = await validatorOr404(ctx, r.validatorAddress);
        const rewards = (await store.outstanding(ctx, valBytes(v.operatorAddress))) ?? [];
        return { rewards: { rewards: decCoinsToWire(rewards) } };
      },
    ),

    grpcQuery(
      `${Q}/ValidatorCommission`,
      QueryValidatorCommissionRequest,
      QueryValidatorCommissionResponse,
      async (ctx, r) => {
        const v = await validatorOr404(ctx, r.validatorAddress);
        const commission = (await store.commission(ctx, valBytes(v.operatorAddress))) ?? [];
        return { commission: { commission: decCoinsToWire(commission) } };
      },
    ),

    grpcQuery(
      `${Q}/ValidatorSlashes`,
      QueryValidatorSlashesRequest,
      QueryValidatorSlashesResponse,
      async (ctx, r) => {
        if (r.endingHeight < r.startingHeight)
          throw grpcInvalidArgument("starting height greater than ending height");
        const val = valArg(r.validatorAddress);
        const events = await store.slashEventsBetween(ctx, val, r.startingHeight, r.endingHeight);
        const { items, pagination } = paginateList(events, r.pagination);
        return {
          slashes: items.map((e) => ({ validatorPeriod: e.validatorPeriod, fraction: e.fraction.toProto() })),
          pagination,
        };
      },
    ),

    grpcQuery(
      `${Q}/DelegationRewards`,
      QueryDelegationRewardsRequest,
      QueryDelegationRewardsResponse,
      async (ctx, r) => {
        const del = delArg(r.delegatorAddress);
        const v = await validatorOr404(ctx, r.validatorAddress);
        const rewards = await rewardsOf(ctx, del, v);
        if (!rewards) throw grpcNotFound("delegation does not exist");
        return { rewards: decCoinsToWire(rewards) };
      },
    ),

    grpcQuery(
      `${Q}/DelegationTotalRewards`,
      QueryDelegationTotalRewardsRequest,
      QueryDelegationTotalRewardsResponse,
      async (ctx, r) => {
        const del = delArg(r.delegatorAddress);
        const rewards = [];
        let total: DecCoin[] = [];
        for (const d of await k.staking.delegationsOf(ctx, del)) {
          const v = await k.staking.validator(ctx, valBytes(d.validatorAddress));
          if (!v) continue;
          const reward = await k.pendingRewards(ctx, v, d);
          rewards.push({ validatorAddress: d.validatorAddress, reward: decCoinsToWire(reward) });
          total = addDecCoins(total, reward);
        }
        return { rewards, total: decCoinsToWire(total) };
      },
    ),

    grpcQuery(
      `${Q}/DelegatorValidators`,
      QueryDelegatorValidatorsRequest,
      QueryDelegatorValidatorsResponse,
      async (ctx, r) => ({
        validators: (await k.staking.delegationsOf(ctx, delArg(r.delegatorAddress))).map(
          (d) => d.validatorAddress,
        ),
      }),
    ),

    grpcQuery(
      `${Q}/DelegatorWithdrawAddress`,
      QueryDelegatorWithdrawAddressRequest,
      QueryDelegatorWithdrawAddressResponse,
      async (ctx, r) => ({ withdrawAddress: await k.withdrawAddress(ctx, delArg(r.delegatorAddress)) }),
    ),

    grpcQuery(`${Q}/CommunityPool`, QueryCommunityPoolRequest, QueryCommunityPoolResponse, async (ctx) => ({
      pool: decCoinsToWire(await store.communityPool(ctx)),
    })),
  ];
}
