import type { Context } from "../../chain/app/context.ts";
import type { StakingHooks } from "../staking/hooks.ts";
import type { SlashingKeeper } from "./keeper.ts";
import { consAddressString } from "./store.ts";

/**
 * x/slashing's staking hooks (keeper/hooks.go). Only AfterValidatorBonded matters here: the SDK's
 * AfterValidatorCreated/Removed keep an address-to-pubkey relation this chain does not need (the
 * consensus address comes from the validator record). Signing infos outlive their validator on
 * purpose, as in the SDK: a tombstoned key stays tombstoned if it comes back.
 */
export function slashingHooks(k: SlashingKeeper): StakingHooks {
  return {
    afterValidatorBonded: (ctx, cons) => afterValidatorBonded(ctx, k, cons),
  };
}

/**
 * A validator joining the set starts a window at this height: a new signing info, or its old one
 * with a fresh start height (its counters were reset when it was jailed).
 */
export async function afterValidatorBonded(ctx: Context, k: SlashingKeeper, cons: Uint8Array): Promise<void> {
  const info = await k.store.signingInfo(ctx, cons);
  k.store.setSigningInfo(
    ctx,
    cons,
    info
      ? { ...info, startHeight: ctx.block.height }
      : {
          address: consAddressString(cons),
          startHeight: ctx.block.height,
          indexOffset: 0n,
          jailedUntil: { seconds: 0n, nanos: 0 },
          tombstoned: false,
          missedBlocksCounter: 0n,
        },
  );
}
