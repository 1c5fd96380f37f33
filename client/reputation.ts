/**
 * Client side of the cifer.reputation.v1 queries (proto/cifer/reputation/v1/reputation.proto), as a
 * CosmJS query extension: `QueryClient.withExtensions(comet, setupReputationExtension)` then
 * `q.reputation.validator("cifvaloper1...")`. The codecs are the node's own (modules/reputation/proto.ts),
 * the way Cosmos clients and chains share generated types.
 */
import type { QueryClient } from "@cosmjs/stargate";
import {
  type PageRequestMsg,
  QueryHistoryRequest,
  QueryHistoryResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryValidatorRequest,
  QueryValidatorResponse,
  QueryValidatorsRequest,
  QueryValidatorsResponse,
  REPUTATION_PROTO_PATH,
  type ReputationParams,
  type ReputationSample,
  TIER_NAMES,
  Tier,
  type ValidatorReputation,
} from "../modules/reputation/proto.ts";

export type { ReputationParams, ReputationSample, ValidatorReputation };
export { REPUTATION_PROTO_PATH };
/** The reputation tiers (DESIGN section 7), numbered as in the .proto enum `Tier`. */
export { Tier as ReputationTier };
/** Lower-case names of the tiers, as the CLI accepts and prints them. */
export const REPUTATION_TIER_NAMES = TIER_NAMES;

const SERVICE = "/cifer.reputation.v1.Query";

/** The protobuf JSON name of a tier (`TIER_TRUSTED`), or the number of an unknown one. */
export function reputationTierToJson(t: number): string | number {
  const name = TIER_NAMES[t as Tier];
  return name === undefined ? t : `TIER_${name.toUpperCase()}`;
}

export interface ReputationPageResponse {
  nextKey: Uint8Array;
  total: bigint;
}

export interface ReputationExtension {
  readonly reputation: {
    /** The reputation of a validator by operator address (cifvaloper...); the node refuses others. */
    validator: (validatorAddress: string) => Promise<ValidatorReputation>;
    /** One page of reputations, optionally of one tier only. */
    validators: (
      tier?: Tier,
      paginationKey?: Uint8Array,
    ) => Promise<{ validators: ValidatorReputation[]; pagination: ReputationPageResponse }>;
    params: () => Promise<ReputationParams>;
    /**
     * One page of a validator's recorded samples (height, R, tier; one every history_interval
     * blocks, the last history_length kept), oldest first; `reverse` pages from the newest.
     */
    history: (
      validatorAddress: string,
      page?: ReputationHistoryPage,
    ) => Promise<{ samples: ReputationSample[]; pagination: ReputationPageResponse }>;
  };
}

/** Where a History page starts: the previous page's next key, at most `limit` samples (node cap 1000). */
export interface ReputationHistoryPage {
  key?: Uint8Array;
  limit?: bigint;
  reverse?: boolean;
}

export function setupReputationExtension(base: QueryClient): ReputationExtension {
  const query = async (method: string, request: Uint8Array) =>
    (await base.queryAbci(`${SERVICE}/${method}`, request)).value;
  return {
    reputation: {
      validator: async (validatorAddress) => {
        const req = QueryValidatorRequest.encode({ validatorAddress }).finish();
        const { validator } = QueryValidatorResponse.decode(await query("Validator", req));
        if (!validator) throw new Error(`no reputation for validator ${validatorAddress}`);
        return validator;
      },
      validators: async (tier = Tier.Unspecified, paginationKey) => {
        const pagination: PageRequestMsg | undefined =
          paginationKey && paginationKey.length > 0
            ? { key: paginationKey, offset: 0n, limit: 0n, countTotal: false, reverse: false }
            : undefined;
        const req = QueryValidatorsRequest.encode({ tier, pagination }).finish();
        const res = QueryValidatorsResponse.decode(await query("Validators", req));
        return { validators: res.validators, pagination: res.pagination };
      },
      history: async (validatorAddress, page = {}) => {
        const pagination: PageRequestMsg = {
          key: page.key ?? new Uint8Array(),
          offset: 0n,
          limit: page.limit ?? 0n,
          countTotal: false,
          reverse: page.reverse ?? false,
        };
        const req = QueryHistoryRequest.encode({ validatorAddress, pagination }).finish();
        const res = QueryHistoryResponse.decode(await query("History", req));
        return { samples: res.samples, pagination: res.pagination };
      },
      params: async () =>
        QueryParamsResponse.decode(await query("Params", QueryParamsRequest.encode({}).finish())).params,
    },
  };
}
