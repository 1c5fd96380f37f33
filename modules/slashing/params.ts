import type { Params } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import { utf8 } from "../../chain/crypto/hash.ts";
import { Dec } from "../../chain/types/dec.ts";

export interface SlashingParams {
  signedBlocksWindow: bigint;
  minSignedPerWindow: Dec;
  downtimeJailSeconds: bigint;
  slashFractionDoubleSign: Dec;
  slashFractionDowntime: Dec;
}

/** The SDK's defaults. */
export const DEFAULT_SLASHING_PARAMS: SlashingParams = {
  signedBlocksWindow: 100n,
  minSignedPerWindow: Dec.parse("0.5"),
  downtimeJailSeconds: 600n,
  slashFractionDoubleSign: Dec.parse("0.05"),
  slashFractionDowntime: Dec.parse("0.01"),
};

export function validateSlashingParams(p: SlashingParams): void {
  if (p.signedBlocksWindow <= 0n) throw new Error("signed_blocks_window must be positive");
  for (const [name, d] of [
    ["min_signed_per_window", p.minSignedPerWindow],
    ["slash_fraction_double_sign", p.slashFractionDoubleSign],
    ["slash_fraction_downtime", p.slashFractionDowntime],
  ] as const)
    if (d.isNegative() || d.gt(Dec.ONE)) throw new Error(`${name} must be within [0, 1]`);
  if (p.downtimeJailSeconds <= 0n) throw new Error("downtime_jail_duration must be positive");
}

/** The wire Params: the SDK carries these LegacyDecs as bytes of their atomics' decimal string. */
export const paramsToWire = (p: SlashingParams): Params => ({
  signedBlocksWindow: p.signedBlocksWindow,
  minSignedPerWindow: utf8(p.minSignedPerWindow.toProto()),
  downtimeJailDuration: { seconds: p.downtimeJailSeconds, nanos: 0 },
  slashFractionDoubleSign: utf8(p.slashFractionDoubleSign.toProto()),
  slashFractionDowntime: utf8(p.slashFractionDowntime.toProto()),
});

/** MinSignedPerWindowInt: how many of the window's blocks must be signed (rounded as the SDK). */
export const minSignedBlocks = (p: SlashingParams) =>
  p.minSignedPerWindow.mulInt(p.signedBlocksWindow).roundInt();

/** A validator is punished for downtime once past its first window with more than this many missed. */
export const maxMissedBlocks = (p: SlashingParams) => p.signedBlocksWindow - minSignedBlocks(p);

/** DoubleSignJailEndTime: 9999-12-31T23:59:59Z, jailed for good. */
export const DOUBLE_SIGN_JAIL_END = { seconds: 253_402_300_799n, nanos: 0 };
