import type { Params } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import { fromUtf8, utf8 } from "../../chain/crypto/hash.ts";
import { Dec } from "../../chain/types/dec.ts";

export interface SlashingParams {
  signedBlocksWindow: bigint;
  minSignedPerWindow: Dec;
  /** Whole seconds, as staking's durations: block times here are whole seconds in practice. */
  downtimeJailSeconds: bigint;
  slashFractionDoubleSign: Dec;
  slashFractionDowntime: Dec;
}

/** The SDK's defaults (x/slashing/types/params.go). */
export const DEFAULT_SLASHING_PARAMS: SlashingParams = {
  signedBlocksWindow: 100n,
  minSignedPerWindow: Dec.parse("0.5"),
  downtimeJailSeconds: 600n,
  slashFractionDoubleSign: Dec.parse("0.05"),
  slashFractionDowntime: Dec.parse("0.01"),
};

/**
 * Params.Validate of the SDK. Its genesis validation is stricter (a window of at least 10 blocks,
 * at least a minute of jail); that is left out so that local networks can jail for seconds.
 */
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

/** The wire Params: the SDK carries these LegacyDecs as the bytes of their atomics' decimal string. */
export const paramsToWire = (p: SlashingParams): Params => ({
  signedBlocksWindow: p.signedBlocksWindow,
  minSignedPerWindow: utf8(p.minSignedPerWindow.toProto()),
  downtimeJailDuration: { seconds: p.downtimeJailSeconds, nanos: 0 },
  slashFractionDoubleSign: utf8(p.slashFractionDoubleSign.toProto()),
  slashFractionDowntime: utf8(p.slashFractionDowntime.toProto()),
});

export const paramsFromWire = (w: Params): SlashingParams => ({
  signedBlocksWindow: w.signedBlocksWindow,
  minSignedPerWindow: Dec.fromProto(fromUtf8(w.minSignedPerWindow)),
  downtimeJailSeconds: w.downtimeJailDuration?.seconds ?? 0n,
  slashFractionDoubleSign: Dec.fromProto(fromUtf8(w.slashFractionDoubleSign)),
  slashFractionDowntime: Dec.fromProto(fromUtf8(w.slashFractionDowntime)),
});
