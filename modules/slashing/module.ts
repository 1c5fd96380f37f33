import type { Context } from "../../chain/app/context.ts";
import type { AppModule } from "../../chain/app/module.ts";
import { Dec } from "../../chain/types/dec.ts";
import { arr, obj, optional, str, uint } from "../../chain/types/json.ts";
import type { StakingKeeper } from "../staking/keeper.ts";
import { SlashingKeeper } from "./keeper.ts";
import { slashingMsgs } from "./msg-server.ts";
import { DEFAULT_SLASHING_PARAMS, type SlashingParams, validateSlashingParams } from "./params.ts";
import { slashingQueries } from "./query-server.ts";

function seconds(v: unknown, path: string): bigint {
  const m = /^(\d{1,12})s$/.exec(str(v, path));
  if (!m) throw new Error(`${path}: expected a duration in whole seconds like "600s"`);
  return BigInt(m[1]!);
}

function parseSlashingGenesis(v: unknown): SlashingParams {
  const g = obj(v ?? {}, "slashing");
  const p = obj(g.params ?? {}, "slashing.params");
  const d = DEFAULT_SLASHING_PARAMS;
  const dec = (k: string, fallback: Dec) =>
    optional(p[k], (x) => Dec.parse(str(x, `slashing.params.${k}`)), fallback);
  const params: SlashingParams = {
    signedBlocksWindow: optional(
      p.signed_blocks_window,
      (x) => uint(x, "slashing.params.signed_blocks_window"),
      d.signedBlocksWindow,
    ),
    minSignedPerWindow: dec("min_signed_per_window", d.minSignedPerWindow),
    downtimeJailSeconds: optional(
      p.downtime_jail_duration,
      (x) => seconds(x, "slashing.params.downtime_jail_duration"),
      d.downtimeJailSeconds,
    ),
    slashFractionDoubleSign: dec("slash_fraction_double_sign", d.slashFractionDoubleSign),
    slashFractionDowntime: dec("slash_fraction_downtime", d.slashFractionDowntime),
  };
  try {
    validateSlashingParams(params);
  } catch (e) {
    throw new Error(`slashing.params: ${(e as Error).message}`);
  }
  for (const field of ["signing_infos", "missed_blocks"])
    if (arr(g[field] ?? [], `slashing.${field}`).length > 0)
      throw new Error(`slashing.${field}: importing an exported slashing state is not supported`);
  return params;
}

/**
 * x/slashing, with x/evidence's handling of double signing: BeginBlock reads the last commit's
 * votes (liveness) and the block's misbehaviour (equivocation).
 */
export class SlashingModule implements AppModule {
  readonly name = "slashing";
  readonly storeKey = "slashing";
  readonly keeper: SlashingKeeper;

  constructor(staking: StakingKeeper) {
    const k = new SlashingKeeper(staking);
    this.keeper = k;
    staking.hooks.add({ afterValidatorBonded: (ctx, cons) => k.bonded(ctx, cons) });
  }

  msgs() {
    return slashingMsgs(this.keeper);
  }

  queries() {
    return slashingQueries(this.keeper);
  }

  async beginBlock(ctx: Context): Promise<void> {
    for (const vote of ctx.block.lastCommit ?? []) await this.keeper.handleSignature(ctx, vote);
    for (const m of ctx.block.misbehavior ?? [])
      if (m.type === "duplicate_vote") await this.keeper.handleDoubleSign(ctx, m);
  }

  validateGenesis(state: unknown): void {
    parseSlashingGenesis(state);
  }

  async initGenesis(ctx: Context, state: unknown): Promise<void> {
    this.keeper.setParams(ctx, parseSlashingGenesis(state));
  }

  async exportGenesis(ctx: Context): Promise<unknown> {
    for await (const _ of this.keeper.signingInfos(ctx))
      throw new Error("exporting slashing signing infos is not supported yet");
    const p = await this.keeper.params(ctx);
    return {
      params: {
        signed_blocks_window: p.signedBlocksWindow.toString(),
        min_signed_per_window: p.minSignedPerWindow.toString(),
        downtime_jail_duration: `${p.downtimeJailSeconds}s`,
        slash_fraction_double_sign: p.slashFractionDoubleSign.toString(),
        slash_fraction_downtime: p.slashFractionDowntime.toString(),
      },
      signing_infos: [],
      missed_blocks: [],
    };
  }
}
