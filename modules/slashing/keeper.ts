import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import type { Context } from "../../chain/app/context.ts";
import type { Dec } from "../../chain/types/dec.ts";
import type { StakingKeeper } from "../staking/keeper.ts";
import { slash } from "../staking/slash.ts";
import { SlashingCode, slashingError } from "./errors.ts";
import { jailEvent, type SlashReason, slashEvent } from "./events.ts";
import type { SlashingParams } from "./params.ts";
import { consAddressString, SlashingStore } from "./store.ts";

/**
 * x/slashing's keeper (SDK v0.50): its state, and the punishments other handlers compose (slash
 * with a reason, jail, jail until, tombstone). Liveness is in liveness.ts, double signing in
 * equivocation.ts, unjailing in unjail.ts.
 */
export class SlashingKeeper {
  readonly store = new SlashingStore();

  constructor(readonly staking: StakingKeeper) {}

  params(ctx: Context): Promise<SlashingParams> {
    return this.store.params(ctx);
  }

  /** SlashWithInfractionReason: staking takes the stake, the slash event says why. */
  async slash(
    ctx: Context,
    cons: Uint8Array,
    fraction: Dec,
    power: bigint,
    distributionHeight: bigint,
    reason: SlashReason,
  ): Promise<bigint> {
    const burned = await slash(ctx, this.staking, cons, distributionHeight, power, fraction);
    ctx.events.emit(slashEvent(consAddressString(cons), power, reason, burned));
    return burned;
  }

  /** Staking's Jail: out of the power index now, out of the consensus set at the next epoch. */
  async jailInStaking(ctx: Context, cons: Uint8Array): Promise<void> {
    const v = await this.staking.store.validatorByCons(ctx, cons);
    if (!v) throw new Error(`no validator with consensus address ${consAddressString(cons)}`);
    await this.staking.jail(ctx, v);
  }

  /** Keeper.Jail: staking's jail plus the event naming the validator. */
  async jail(ctx: Context, cons: Uint8Array): Promise<void> {
    await this.jailInStaking(ctx, cons);
    ctx.events.emit(jailEvent(consAddressString(cons)));
  }

  async jailUntil(ctx: Context, cons: Uint8Array, until: Timestamp): Promise<void> {
    const info = await this.store.signingInfo(ctx, cons);
    if (!info)
      throw slashingError(SlashingCode.NoSigningInfoFound, "cannot jail a validator without signing info");
    this.store.setSigningInfo(ctx, cons, { ...info, jailedUntil: until });
  }

  async tombstone(ctx: Context, cons: Uint8Array): Promise<void> {
    const info = await this.store.signingInfo(ctx, cons);
    if (!info)
      throw slashingError(
        SlashingCode.NoSigningInfoFound,
        "cannot tombstone a validator without signing info",
      );
    if (info.tombstoned)
      throw slashingError(SlashingCode.ValidatorTombstoned, "cannot tombstone a validator twice");
    this.store.setSigningInfo(ctx, cons, { ...info, tombstoned: true });
  }
}
