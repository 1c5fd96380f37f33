import type { Context } from "../../chain/app/context.ts";
import { iteratePrefix } from "../../chain/store/kv.ts";
import { type JsonObject, obj } from "../../chain/types/json.ts";
import type { MarketKeeper } from "./keeper.ts";
import * as K from "./keys.ts";
import { type MarketParams, marketParamsFromJson, marketParamsToJson } from "./params.ts";

/**
 * The market section of genesis: the params. Assets, grants, escrows and reviews are created by
 * transactions; importing them (with the escrows' held funds) is not supported yet, so a state with
 * market records cannot be exported, as fl does for its tasks.
 */
export interface MarketGenesis {
  params: MarketParams;
}

export function parseMarketGenesis(v: unknown): MarketGenesis {
  const g = obj(v ?? {}, "market");
  for (const key of Object.keys(g)) if (key !== "params") throw new Error(`market.${key}: unknown field`);
  return { params: marketParamsFromJson(g.params) };
}

export async function initMarketGenesis(ctx: Context, k: MarketKeeper, g: MarketGenesis): Promise<void> {
  k.store.setParams(ctx, g.params);
  // The module account holds only escrows and review deposits, of which genesis has none.
  const held = await k.bank.getBalance(ctx, k.moduleAddress, await k.bondDenom(ctx));
  if (held !== 0n) throw new Error(`market: the module account holds ${held} but there are no escrows`);
}

export async function exportMarketGenesis(ctx: Context, k: MarketKeeper): Promise<JsonObject> {
  for await (const _ of iteratePrefix(k.store.kv(ctx), K.assetPrefix))
    throw new Error("exporting market assets is not supported yet");
  return { params: marketParamsToJson(await k.params(ctx)) };
}
