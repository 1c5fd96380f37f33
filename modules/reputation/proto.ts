import { join } from "node:path";
import protobuf from "protobufjs";

// cifer.reputation.v1 (proto/cifer/reputation/v1/reputation.proto), encoded with protobufjs.
// The node and the client (client/reputation.ts) share these codecs, as Cosmos chains share generated types.
export const REPUTATION_PROTO_PATH = join(
  import.meta.dirname,
  "..",
  "..",
  "proto",
  "cifer",
  "reputation",
  "v1",
  "reputation.proto",
);
const root = protobuf.loadSync(REPUTATION_PROTO_PATH);
const type = (name: string) => root.lookupType(`cifer.reputation.v1.${name}`);

export enum Tier {
  Unspecified = 0,
  New = 1,
  Initial = 2,
  Trusted = 3,
  Normal = 4,
  Unreliable = 5,
}

export const TIER_NAMES: Record<Tier, string> = {
  [Tier.Unspecified]: "unspecified",
  [Tier.New]: "new",
  [Tier.Initial]: "initial",
  [Tier.Trusted]: "trusted",
  [Tier.Normal]: "normal",
  [Tier.Unreliable]: "unreliable",
};

export interface ValidatorReputation {
  validatorAddress: string;
  consensusAddress: string;
  /** R in millionths. */
  reputation: bigint;
  tier: Tier;
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
  /** Blocks between two history samples (0 only in state written before history existed: none kept). */
  historyInterval: bigint;
  /** Samples kept per validator. */
  historyLength: bigint;
}

/** A validator's R and tier at the end of block `height` (the History query). */
export interface ReputationSample {
  height: bigint;
  /** R in millionths. */
  reputation: bigint;
  tier: Tier;
}

export interface PageRequestMsg {
  key: Uint8Array;
  offset: bigint;
  limit: bigint;
  countTotal: boolean;
  reverse: boolean;
}

const LONGS = [
  "reputation",
  "tierSince",
  "probationUntil",
  "signedBlocks",
  "missedBlocks",
  "proposalsCommitted",
  "proposalsFailed",
] as const;
const PARAM_LONGS = [
  "signAlpha",
  "proposeAlpha",
  "flAlpha",
  "trustedWeightPercent",
  "normalWeightPercent",
  "historyInterval",
  "historyLength",
] as const;

const toObject = (t: protobuf.Type, bytes: Uint8Array) =>
  t.toObject(t.decode(bytes), { longs: String, enums: Number, defaults: true, bytes: Array }) as Record<
    string,
    unknown
  >;

function fromWire(o: Record<string, unknown>): ValidatorReputation {
  const r = { ...o } as Record<string, unknown>;
  for (const k of LONGS) r[k] = BigInt(String(o[k] ?? "0"));
  return r as unknown as ValidatorReputation;
}

function toWire(v: ValidatorReputation): Record<string, unknown> {
  const o: Record<string, unknown> = { ...v };
  for (const k of LONGS) o[k] = v[k].toString();
  return o;
}

const sampleIn = (o: Record<string, unknown>): ReputationSample => ({
  height: BigInt(String(o.height ?? "0")),
  reputation: BigInt(String(o.reputation ?? "0")),
  tier: Number(o.tier ?? 0) as Tier,
});
const sampleOut = (v: ReputationSample) => ({
  height: v.height.toString(),
  reputation: v.reputation.toString(),
  tier: v.tier,
});

const ValidatorReputationT = type("ValidatorReputation");
const ParamsT = type("Params");
const ReputationSampleT = type("ReputationSample");

export const encodeSample = (v: ReputationSample) =>
  ReputationSampleT.encode(ReputationSampleT.fromObject(sampleOut(v))).finish();
export const decodeSample = (b: Uint8Array) => sampleIn(toObject(ReputationSampleT, b));

export const encodeReputation = (v: ValidatorReputation) =>
  ValidatorReputationT.encode(ValidatorReputationT.fromObject(toWire(v))).finish();
export const decodeReputation = (b: Uint8Array) => fromWire(toObject(ValidatorReputationT, b));

export function encodeParams(p: ReputationParams): Uint8Array {
  const o: Record<string, string> = {};
  for (const k of PARAM_LONGS) o[k] = p[k].toString();
  return ParamsT.encode(ParamsT.fromObject(o)).finish();
}

export function decodeParams(b: Uint8Array): ReputationParams {
  const o = toObject(ParamsT, b);
  const p = {} as Record<string, bigint>;
  for (const k of PARAM_LONGS) p[k] = BigInt(String(o[k]));
  return p as unknown as ReputationParams;
}

/** Query codecs in the shape chain/app/grpc.ts expects (decode / encode / fromPartial). */
function codec<T>(
  name: string,
  read: (o: Record<string, unknown>) => T,
  write: (v: T) => Record<string, unknown>,
) {
  const t = type(name);
  return {
    decode: (b: Uint8Array): T => read(toObject(t, b)),
    encode: (v: T) => ({ finish: () => t.encode(t.fromObject(write(v))).finish() }),
    fromPartial: (v: object) => v as T,
  };
}

const pageIn = (o: unknown): PageRequestMsg | undefined => {
  if (!o) return undefined;
  const p = o as Record<string, unknown>;
  return {
    key: new Uint8Array((p.key as number[] | undefined) ?? []),
    offset: BigInt(String(p.offset ?? "0")),
    limit: BigInt(String(p.limit ?? "0")),
    countTotal: Boolean(p.countTotal),
    reverse: Boolean(p.reverse),
  };
};

const pageOut = (p: PageRequestMsg | undefined) =>
  p ? { ...p, offset: p.offset.toString(), limit: p.limit.toString() } : undefined;

type PageResponseMsg = { nextKey: Uint8Array<ArrayBufferLike>; total: bigint };

const pageResponseIn = (o: unknown): PageResponseMsg => {
  const p = o as Record<string, unknown> | undefined;
  return {
    nextKey: new Uint8Array((p?.nextKey as number[]) ?? []) as Uint8Array<ArrayBufferLike>,
    total: BigInt(String(p?.total ?? "0")),
  };
};
const pageResponseOut = (p: PageResponseMsg | undefined) =>
  p ? { nextKey: p.nextKey, total: p.total.toString() } : undefined;

export const QueryValidatorRequest = codec(
  "QueryValidatorRequest",
  (o) => ({ validatorAddress: String(o.validatorAddress) }),
  (v: { validatorAddress: string }) => v,
);
export const QueryValidatorResponse = codec(
  "QueryValidatorResponse",
  (o) => ({ validator: o.validator ? fromWire(o.validator as Record<string, unknown>) : undefined }),
  (v: { validator?: ValidatorReputation }) => ({ validator: v.validator ? toWire(v.validator) : undefined }),
);
export const QueryValidatorsRequest = codec(
  "QueryValidatorsRequest",
  (o) => ({ tier: Number(o.tier) as Tier, pagination: pageIn(o.pagination) }),
  (v: { tier: Tier; pagination?: PageRequestMsg }) => ({
    tier: v.tier,
    pagination: v.pagination
      ? { ...v.pagination, offset: v.pagination.offset.toString(), limit: v.pagination.limit.toString() }
      : undefined,
  }),
);
export const QueryValidatorsResponse = codec(
  "QueryValidatorsResponse",
  (o) => ({
    validators: ((o.validators as Record<string, unknown>[]) ?? []).map(fromWire),
    pagination: {
      nextKey: new Uint8Array(
        ((o.pagination as Record<string, unknown> | undefined)?.nextKey as number[]) ?? [],
      ) as Uint8Array<ArrayBufferLike>,
      total: BigInt(String((o.pagination as Record<string, unknown> | undefined)?.total ?? "0")),
    },
  }),
  (v: {
    validators: ValidatorReputation[];
    pagination?: { nextKey: Uint8Array<ArrayBufferLike>; total: bigint };
  }) => ({
    validators: v.validators.map(toWire),
    pagination: v.pagination
      ? { nextKey: v.pagination.nextKey, total: v.pagination.total.toString() }
      : undefined,
  }),
);
export const QueryHistoryRequest = codec(
  "QueryHistoryRequest",
  (o) => ({ validatorAddress: String(o.validatorAddress), pagination: pageIn(o.pagination) }),
  (v: { validatorAddress: string; pagination?: PageRequestMsg }) => ({
    validatorAddress: v.validatorAddress,
    pagination: pageOut(v.pagination),
  }),
);
export const QueryHistoryResponse = codec(
  "QueryHistoryResponse",
  (o) => ({
    samples: ((o.samples as Record<string, unknown>[]) ?? []).map(sampleIn),
    pagination: pageResponseIn(o.pagination),
  }),
  (v: { samples: ReputationSample[]; pagination?: PageResponseMsg }) => ({
    samples: v.samples.map(sampleOut),
    pagination: pageResponseOut(v.pagination),
  }),
);
export const QueryParamsRequest = codec(
  "QueryParamsRequest",
  () => ({}),
  () => ({}),
);
export const QueryParamsResponse = codec(
  "QueryParamsResponse",
  (o) => ({
    params: decodeParams(
      type("Params")
        .encode(type("Params").fromObject(o.params as object))
        .finish(),
    ),
  }),
  (v: { params: ReputationParams }) => ({
    params: type("Params").toObject(type("Params").decode(encodeParams(v.params)), { longs: String }),
  }),
);
