/**
 * Client side of the cifer.reputation.v1 queries (proto/cifer/reputation/v1/reputation.proto), as a
 * CosmJS query extension: `QueryClient.withExtensions(comet, setupReputationExtension)` then
 * `q.reputation.validator("cifvaloper1...")`. The messages are encoded with protobufjs from the same
 * .proto file the node loads; nothing here depends on the node's code.
 */
import { join } from "node:path";
import type { QueryClient } from "@cosmjs/stargate";
import protobuf from "protobufjs";

export const REPUTATION_PROTO_PATH = join(
  import.meta.dirname,
  "..",
  "proto",
  "cifer",
  "reputation",
  "v1",
  "reputation.proto",
);
const SERVICE = "/cifer.reputation.v1.Query";

let root: protobuf.Root | undefined;
function type(name: string): protobuf.Type {
  root ??= protobuf.loadSync(REPUTATION_PROTO_PATH);
  return root.lookupType(`cifer.reputation.v1.${name}`);
}

/** The reputation tiers (DESIGN section 7), numbered as in the .proto enum `Tier`. */
export enum ReputationTier {
  Unspecified = 0,
  New = 1,
  Initial = 2,
  Trusted = 3,
  Normal = 4,
  Unreliable = 5,
}

/** Lower-case names of the tiers, as the CLI accepts and prints them. */
export const REPUTATION_TIER_NAMES: Record<ReputationTier, string> = {
  [ReputationTier.Unspecified]: "unspecified",
  [ReputationTier.New]: "new",
  [ReputationTier.Initial]: "initial",
  [ReputationTier.Trusted]: "trusted",
  [ReputationTier.Normal]: "normal",
  [ReputationTier.Unreliable]: "unreliable",
};

/** The protobuf JSON name of a tier (`TIER_TRUSTED`), or the number of an unknown one. */
export function reputationTierToJson(t: number): string | number {
  const name = REPUTATION_TIER_NAMES[t as ReputationTier];
  return name === undefined ? t : `TIER_${name.toUpperCase()}`;
}

export interface ValidatorReputation {
  /** cifvaloper... */
  validatorAddress: string;
  /** cifvalcons... */
  consensusAddress: string;
  /** R in millionths: 1000000 = 1.0. */
  reputation: bigint;
  tier: ReputationTier;
  tierSince: bigint;
  probationUntil: bigint;
  signedBlocks: bigint;
  missedBlocks: bigint;
  proposalsCommitted: bigint;
  proposalsFailed: bigint;
}

export interface ReputationParams {
  signAlpha: bigint;
  proposeAlpha: bigint;
  flAlpha: bigint;
  trustedWeightPercent: bigint;
  normalWeightPercent: bigint;
}

export interface ReputationPageResponse {
  nextKey: Uint8Array;
  total: bigint;
}

const REPUTATION_LONGS = [
  "reputation",
  "tierSince",
  "probationUntil",
  "signedBlocks",
  "missedBlocks",
  "proposalsCommitted",
  "proposalsFailed",
] as const;
const PARAMS_LONGS = [
  "signAlpha",
  "proposeAlpha",
  "flAlpha",
  "trustedWeightPercent",
  "normalWeightPercent",
] as const;

type Obj = Record<string, unknown>;

function decode(name: string, bytes: Uint8Array): Obj {
  const t = type(name);
  return t.toObject(t.decode(bytes), { longs: String, enums: Number, defaults: true }) as Obj;
}

function encode(name: string, value: Obj): Uint8Array {
  const t = type(name);
  return t.encode(t.fromObject(value)).finish();
}

const big = (v: unknown) => BigInt(String(v ?? "0"));

function reputationOf(o: Obj): ValidatorReputation {
  const r = {
    validatorAddress: String(o.validatorAddress ?? ""),
    consensusAddress: String(o.consensusAddress ?? ""),
    tier: Number(o.tier ?? 0) as ReputationTier,
  } as ValidatorReputation;
  for (const k of REPUTATION_LONGS) r[k] = big(o[k]);
  return r;
}

function paramsOf(o: Obj | undefined): ReputationParams {
  const p = {} as ReputationParams;
  for (const k of PARAMS_LONGS) p[k] = big(o?.[k]);
  return p;
}

export interface ReputationExtension {
  readonly reputation: {
    /** The reputation of a validator by operator address (cifvaloper...); the node refuses others. */
    validator: (validatorAddress: string) => Promise<ValidatorReputation>;
    /** One page of reputations, optionally of one tier only. */
    validators: (
      tier?: ReputationTier,
      paginationKey?: Uint8Array,
    ) => Promise<{ validators: ValidatorReputation[]; pagination: ReputationPageResponse }>;
    params: () => Promise<ReputationParams>;
  };
}

export function setupReputationExtension(base: QueryClient): ReputationExtension {
  const query = async (method: string, request: string, response: string, value: Obj) =>
    decode(response, (await base.queryAbci(`${SERVICE}/${method}`, encode(request, value))).value);
  return {
    reputation: {
      validator: async (validatorAddress) => {
        const o = await query("Validator", "QueryValidatorRequest", "QueryValidatorResponse", {
          validatorAddress,
        });
        if (!o.validator) throw new Error(`no reputation for validator ${validatorAddress}`);
        return reputationOf(o.validator as Obj);
      },
      validators: async (tier = ReputationTier.Unspecified, paginationKey) => {
        const o = await query("Validators", "QueryValidatorsRequest", "QueryValidatorsResponse", {
          tier,
          ...(paginationKey && paginationKey.length > 0 ? { pagination: { key: paginationKey } } : {}),
        });
        const page = (o.pagination as Obj | null | undefined) ?? {};
        return {
          validators: ((o.validators as Obj[] | undefined) ?? []).map(reputationOf),
          pagination: {
            nextKey: new Uint8Array((page.nextKey as Uint8Array | undefined) ?? []),
            total: big(page.total),
          },
        };
      },
      params: async () =>
        paramsOf(
          (await query("Params", "QueryParamsRequest", "QueryParamsResponse", {})).params as Obj | undefined,
        ),
    },
  };
}
