import type { Context } from "../../chain/app/context.ts";
import type { Dec } from "../../chain/types/dec.ts";

/**
 * What other modules learn from staking (the SDK's StakingHooks): distribution keeps reward
 * accounting in step with shares, slashing tracks signing info of bonded validators. Addresses are
 * raw bytes: `val` an operator, `cons` a consensus address, `del` a delegator account.
 */
export interface StakingHooks {
  afterValidatorCreated?(ctx: Context, val: Uint8Array): Promise<void>;
  afterValidatorRemoved?(ctx: Context, cons: Uint8Array, val: Uint8Array): Promise<void>;
  afterValidatorBonded?(ctx: Context, cons: Uint8Array, val: Uint8Array): Promise<void>;
  afterValidatorBeginUnbonding?(ctx: Context, cons: Uint8Array, val: Uint8Array): Promise<void>;
  beforeDelegationCreated?(ctx: Context, del: Uint8Array, val: Uint8Array): Promise<void>;
  beforeDelegationSharesModified?(ctx: Context, del: Uint8Array, val: Uint8Array): Promise<void>;
  beforeDelegationRemoved?(ctx: Context, del: Uint8Array, val: Uint8Array): Promise<void>;
  afterDelegationModified?(ctx: Context, del: Uint8Array, val: Uint8Array): Promise<void>;
  beforeValidatorSlashed?(ctx: Context, val: Uint8Array, fraction: Dec): Promise<void>;
}

type HookName = keyof StakingHooks;

/** Calls every registered hook of one kind, in registration order (the app wiring's order). */
export class HookList {
  private readonly list: StakingHooks[] = [];

  add(h: StakingHooks): void {
    this.list.push(h);
  }

  async call<N extends HookName>(name: N, ...args: Parameters<NonNullable<StakingHooks[N]>>): Promise<void> {
    for (const h of this.list) {
      const f = h[name] as ((...a: unknown[]) => Promise<void>) | undefined;
      if (f) await f.apply(h, args);
    }
  }
}
