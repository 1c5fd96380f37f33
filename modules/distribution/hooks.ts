import type { Context } from "../../chain/app/context.ts";
import type { Dec } from "../../chain/types/dec.ts";
import { addDecCoins, subDecCoins, truncateDecCoins } from "../../chain/types/dec-coins.ts";
import type { StakingHooks } from "../staking/hooks.ts";
import { valoperOf } from "../staking/store.ts";
import { initializeDelegation, initializeValidator, incrementValidatorPeriod, recordSlash } from "./f1.ts";
import type { DistributionKeeper } from "./keeper.ts";

/** Distribution's staking hooks (x/distribution/keeper/hooks.go): reward accounting follows shares. */
export function distributionHooks(k: DistributionKeeper): StakingHooks {
  const { store } = k;
  const validator = (ctx: Context, val: Uint8Array) => k.validatorOf(ctx, val, valoperOf(val));
  return {
    async afterValidatorCreated(ctx, val) {
      initializeValidator(ctx, store, val);
    },

    /** Force-withdraws the commission; the dust left in outstanding goes to the community pool. */
    async afterValidatorRemoved(ctx, _cons, val) {
      let outstanding = (await store.outstanding(ctx, val)) ?? [];
      const commission = (await store.commission(ctx, val)) ?? [];
      let pool = await store.communityPool(ctx);
      if (commission.length > 0) {
        outstanding = subDecCoins(outstanding, commission);
        const { coins, change } = truncateDecCoins(commission);
        pool = addDecCoins(pool, change);
        if (coins.length > 0)
          await k.bank.sendCoins(ctx, k.moduleAddress, await k.withdrawAddress(ctx, val), coins);
      }
      store.setCommunityPool(ctx, addDecCoins(pool, outstanding));
      await store.deleteValidator(ctx, val);
    },

    async beforeDelegationCreated(ctx, _del, val) {
      await incrementValidatorPeriod(ctx, store, await validator(ctx, val));
    },

    async beforeDelegationSharesModified(ctx, del, val) {
      const v = await validator(ctx, val);
      const d = await k.staking.delegation(ctx, del, val);
      if (d) await k.withdrawRewards(ctx, v, d);
    },

    async afterDelegationModified(ctx, del, val) {
      const v = await validator(ctx, val);
      const d = await k.staking.delegation(ctx, del, val);
      if (d) await initializeDelegation(ctx, store, v, d);
    },

    async beforeValidatorSlashed(ctx, val, fraction: Dec) {
      await recordSlash(ctx, store, await validator(ctx, val), fraction);
    },
  };
}
