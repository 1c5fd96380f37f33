import type { Context } from "../../chain/app/context.ts";
import { arr, type JsonObject, obj } from "../../chain/types/json.ts";
import type { FlKeeper } from "./keeper.ts";
import { type FlParams, flParamsFromJson, flParamsToJson } from "./params.ts";

/**
 * The fl section of genesis: the params. Tasks are created by transactions; importing a running
 * chain's tasks (with their escrow, rounds and disputes) is not supported yet, so `tasks` must be
 * empty and exporting a state with tasks is refused, as distribution does for its records.
 */
export interface FlGenesis {
  params: FlParams;
}

export function parseFlGenesis(v: unknown): FlGenesis {
  const g = obj(v ?? {}, "fl");
  for (const k of Object.keys(g))
    if (k !== "params" && k !== "tasks") throw new Error(`fl.${k}: unknown field`);
  if (g.tasks !== undefined && arr(g.tasks, "fl.tasks").length > 0)
    throw new Error("fl.tasks: importing tasks is not supported; leave it empty");
  return { params: flParamsFromJson(g.params) };
}

export async function initFlGenesis(ctx: Context, k: FlKeeper, g: FlGenesis): Promise<void> {
  k.store.setParams(ctx, g.params);
  // The module account must start empty: it holds only escrow and deposits of tasks.
  const held = await k.bank.getBalance(ctx, k.moduleAddress, await k.staking.bondDenom(ctx));
  if (held !== 0n) throw new Error(`fl: the module account holds ${held} but there are no tasks`);
}

export async function exportFlGenesis(ctx: Context, k: FlKeeper): Promise<JsonObject> {
  for await (const _ of k.store.tasks(ctx)) throw new Error("exporting fl tasks is not supported yet");
  return { params: flParamsToJson(await k.params(ctx)), tasks: [] };
}
