/**
 * The protobuf type registry of the client: every standard Cosmos message CosmJS knows (bank, staking,
 * distribution, gov, authz, feegrant, vesting, ibc transfer) plus the cifer.* messages. Cifer module
 * messages are appended here as their modules land (`/cifer.<module>.v1.Msg...`, see DESIGN.md section 3).
 */
import { type GeneratedType, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes } from "@cosmjs/stargate";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { FL_MSG_TYPES } from "../modules/fl/proto.ts";
import { MARKET_MSG_TYPES } from "../modules/market/proto.ts";

/** Standard Cosmos messages Cifer handles that CosmJS's default registry lacks. */
export const cosmosExtraRegistryTypes: ReadonlyArray<[string, GeneratedType]> = [
  ["/cosmos.slashing.v1beta1.MsgUnjail", MsgUnjail],
];

/**
 * cifer.* message types: [typeUrl, generated type]. The fl and market messages' codecs are the
 * node's own (modules/{fl,market}/proto.ts: protobufjs behind the encode / decode / fromPartial
 * CosmJS expects).
 */
export const ciferRegistryTypes: ReadonlyArray<[string, GeneratedType]> = [
  ...FL_MSG_TYPES.map(([url, type]): [string, GeneratedType] => [url, type]),
  ...MARKET_MSG_TYPES.map(([url, type]): [string, GeneratedType] => [url, type]),
];

export function createCiferRegistry(extra: ReadonlyArray<[string, GeneratedType]> = []): Registry {
  return new Registry([
    ...defaultRegistryTypes,
    ...cosmosExtraRegistryTypes,
    ...ciferRegistryTypes,
    ...extra,
  ]);
}
