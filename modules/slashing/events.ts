import { type AbciEvent, event } from "../../chain/app/events.ts";

// The events of x/slashing (types/events.go), built in one place so every emitter agrees on them.

export type SlashReason = "missing_signature" | "double_sign";

/** A missed block: the running count of the validator's misses in its window. */
export const livenessEvent = (address: string, missedBlocks: bigint, height: bigint): AbciEvent =>
  event("liveness", [
    ["address", address],
    ["missed_blocks", missedBlocks.toString()],
    ["height", height.toString()],
  ]);

/**
 * A slash: `jailed` is set when the same event also reports the jailing (downtime does both at
 * once); burned = the tokens taken from the validator (here moved to the community allocation).
 */
export function slashEvent(
  address: string,
  power: bigint,
  reason: SlashReason,
  burned: bigint,
  jailed = false,
): AbciEvent {
  return event("slash", [
    ["address", address],
    ["power", power.toString()],
    ["reason", reason],
    ...(jailed ? [["jailed", address] as [string, string]] : []),
    ["burned_coins", burned.toString()],
  ]);
}

/** Keeper.Jail's own event: who was jailed. */
export const jailEvent = (address: string): AbciEvent => event("slash", [["jailed", address]]);
