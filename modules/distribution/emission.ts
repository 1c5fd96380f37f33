import { Dec } from "../../chain/types/dec.ts";
import type { EmissionParams } from "./params.ts";

/**
 * The validator rewards scheduled for a block (before the source pool's balance caps them):
 * floor(initialPerBlock x (1 - decayRate)^k), k = the number of whole decay periods before the
 * block. Pure and integer-exact (18-decimal fixed point, truncating), so every node agrees.
 */
export function scheduledEmission(p: EmissionParams, height: bigint): bigint {
  if (height < 1n || p.initialPerBlock === 0n) return 0n;
  let periods = (height - 1n) / p.decayPeriodBlocks;
  const keep = Dec.ONE.sub(p.decayRate);
  let amount = Dec.fromInt(p.initialPerBlock);
  // Square-and-multiply on the factor; the amount only ever shrinks, so stop once it is below 1 ucif.
  let factor = keep;
  while (periods > 0n && amount.gte(Dec.ONE)) {
    if (periods & 1n) amount = amount.mulTruncate(factor);
    factor = factor.mulTruncate(factor);
    periods >>= 1n;
  }
  return periods > 0n ? 0n : amount.truncateInt();
}
