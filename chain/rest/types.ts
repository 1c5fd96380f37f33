import protobuf from "protobufjs";
import { LegacyAminoPubKey } from "cosmjs-types/cosmos/crypto/multisig/keys";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { BaseAccount, ModuleAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { MsgMultiSend, MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import {
  MsgFundCommunityPool,
  MsgSetWithdrawAddress,
  MsgWithdrawDelegatorReward,
  MsgWithdrawValidatorCommission,
} from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import {
  MsgBeginRedelegate,
  MsgCreateValidator,
  MsgDelegate,
  MsgEditValidator,
  MsgUndelegate,
} from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import {
  ContinuousVestingAccount,
  DelayedVestingAccount,
  PeriodicVestingAccount,
  PermanentLockedAccount,
} from "cosmjs-types/cosmos/vesting/v1beta1/vesting";
import { allProtos } from "../../proto/codec.ts";
import { type AnyResolver, type JsonObject, type SdkJsonOptions, sdkJson, snakeKeys } from "./json.ts";

/**
 * The types an Any may carry in what the REST API serves (txs, accounts, validators' keys), by type
 * URL: the Cosmos SDK types this chain handles, from cosmjs-types, and every cifer.* type loaded in
 * the shared protobufjs root (proto/codec.ts), so a module's new messages need no change here.
 */

/** What the REST layer needs of a cosmjs-types message class. */
export interface CosmjsType<T = unknown> {
  decode(bytes: Uint8Array): T;
  toJSON(message: T): unknown;
}

/** Cosmos SDK types by their own type URL (cosmjs-types classes carry it). */
const COSMOS_TYPES: ReadonlyArray<{ typeUrl: string }> = [
  Tx,
  Ed25519PubKey,
  Secp256k1PubKey,
  LegacyAminoPubKey,
  BaseAccount,
  ModuleAccount,
  ContinuousVestingAccount,
  DelayedVestingAccount,
  PeriodicVestingAccount,
  PermanentLockedAccount,
  MsgSend,
  MsgMultiSend,
  MsgCreateValidator,
  MsgEditValidator,
  MsgDelegate,
  MsgUndelegate,
  MsgBeginRedelegate,
  MsgWithdrawDelegatorReward,
  MsgWithdrawValidatorCommission,
  MsgSetWithdrawAddress,
  MsgFundCommunityPool,
  MsgUnjail,
];

/**
 * LegacyDec fields (gogoproto customtype) of the Cosmos types served here, by proto name: their
 * wire form is atomics, their JSON a decimal.
 */
export const LEGACY_DEC_FIELDS: ReadonlySet<string> = new Set([
  "delegator_shares",
  "shares",
  "shares_dst",
  "rate",
  "max_rate",
  "max_change_rate",
  "min_commission_rate",
  "community_tax",
  "base_proposer_reward",
  "bonus_proposer_reward",
  "fraction",
]);

/** protobufjs toObject options giving the SDK's JSON values (before keys become snake_case). */
export const PROTOBUFJS_JSON: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  bytes: String,
  defaults: true,
  arrays: true,
};

/** The JSON of a message of a protobufjs type (the cifer.* types): no Any or well-known types in them. */
export function protobufJson(t: protobuf.Type, bytes: Uint8Array): JsonObject {
  return snakeKeys(nilBytes(t, t.toObject(t.decode(bytes), PROTOBUFJS_JSON))) as JsonObject;
}

/** Empty bytes fields as null, as Go's jsonpb writes the nil slice it decodes them to. */
function nilBytes(t: protobuf.Type, o: Record<string, unknown>): Record<string, unknown> {
  for (const f of t.fieldsArray) {
    const v = o[f.name];
    if (f.map || v === null || v === undefined) continue;
    if (f.type === "bytes" && !f.repeated && v === "") o[f.name] = null;
    else if (f.resolvedType instanceof protobuf.Type) {
      const sub = f.resolvedType;
      if (Array.isArray(v)) for (const x of v) nilBytes(sub, x as Record<string, unknown>);
      else nilBytes(sub, v as Record<string, unknown>);
    }
  }
  return o;
}

/** The loaded protobufjs type of a cifer.* type URL, if any. */
export function ciferType(typeUrl: string): protobuf.Type | undefined {
  if (!typeUrl.startsWith("/cifer.")) return undefined;
  const found = allProtos().lookup(typeUrl.slice(1));
  return found instanceof protobuf.Type ? found : undefined;
}

const cosmos = new Map<string, CosmjsType>(COSMOS_TYPES.map((t) => [t.typeUrl, t as unknown as CosmjsType]));

/** The default Any resolver: Cosmos types by cosmjs-types, cifer types by the protobufjs root. */
export const resolveAny: AnyResolver = (typeUrl) => {
  const c = cosmos.get(typeUrl);
  if (c) return (value) => cosmjsJson(c, c.decode(value)) as JsonObject;
  const t = ciferType(typeUrl);
  if (t) return (value) => protobufJson(t, value);
  return undefined;
};

export const JSON_OPTIONS: SdkJsonOptions = { resolveAny, decs: LEGACY_DEC_FIELDS };

/** The SDK REST JSON of a decoded cosmjs-types message. */
export function cosmjsJson<T>(type: { toJSON(m: T): unknown }, message: T) {
  return sdkJson(message, type.toJSON(message), JSON_OPTIONS);
}
