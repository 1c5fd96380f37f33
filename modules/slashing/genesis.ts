import type { ValidatorSigningInfo } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import type { Context } from "../../chain/app/context.ts";
import { parseAddress } from "../../chain/crypto/address.ts";
import { Dec } from "../../chain/types/dec.ts";
import { arr, bool, type JsonObject, obj, optional, str, uint } from "../../chain/types/json.ts";
import { formatRfc3339, parseRfc3339 } from "../../chain/types/time.ts";
import { VALCONS_PREFIX } from "../staking/store.ts";
import { DEFAULT_SLASHING_PARAMS, type SlashingParams, validateSlashingParams } from "./params.ts";
import { consAddressString, type SlashingStore } from "./store.ts";

/** x/slashing's GenesisState: params, signing infos and each validator's missed window indexes. */
export interface SlashingGenesis {
  params: SlashingParams;
  signingInfos: { cons: Uint8Array; info: ValidatorSigningInfo }[];
  missedBlocks: { cons: Uint8Array; indexes: bigint[] }[];
}

/** The proto JSON Duration "600s"; whole seconds only, as the params keep them. */
function wholeSeconds(v: unknown, path: string): bigint {
  const s = str(v, path);
  const m = /^(\d{1,12})s$/.exec(s);
  if (!m) throw new Error(`${path}: expected a duration in whole seconds like "600s", got "${s}"`);
  return BigInt(m[1]!);
}

function consAddress(v: unknown, path: string): Uint8Array {
  try {
    return parseAddress(str(v, path), VALCONS_PREFIX);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

function parseParams(v: unknown): SlashingParams {
  const p = obj(v ?? {}, "slashing.params");
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
      (x) => wholeSeconds(x, "slashing.params.downtime_jail_duration"),
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
  return params;
}

function parseSigningInfo(v: unknown, path: string): { cons: Uint8Array; info: ValidatorSigningInfo } {
  const e = obj(v, path);
  const cons = consAddress(e.address, `${path}.address`);
  const address = consAddressString(cons);
  const i = obj(e.validator_signing_info, `${path}.validator_signing_info`);
  const at = `${path}.validator_signing_info`;
  if (i.address !== undefined && consAddressString(consAddress(i.address, `${at}.address`)) !== address)
    throw new Error(`${at}.address: differs from ${path}.address`);
  const int = (k: string) => optional(i[k], (x) => uint(x, `${at}.${k}`), 0n);
  let jailedUntil = { seconds: 0n, nanos: 0 };
  if (i.jailed_until !== undefined) {
    try {
      jailedUntil = parseRfc3339(str(i.jailed_until, `${at}.jailed_until`));
    } catch (err) {
      throw new Error(`${at}.jailed_until: ${(err as Error).message}`);
    }
  }
  return {
    cons,
    info: {
      address,
      startHeight: int("start_height"),
      indexOffset: int("index_offset"),
      jailedUntil,
      tombstoned: optional(i.tombstoned, (x) => bool(x, `${at}.tombstoned`), false),
      missedBlocksCounter: int("missed_blocks_counter"),
    },
  };
}

function parseMissedBlocks(
  v: unknown,
  path: string,
  window: bigint,
): { cons: Uint8Array; indexes: bigint[] } {
  const e = obj(v, path);
  const cons = consAddress(e.address, `${path}.address`);
  const indexes: bigint[] = [];
  for (const [j, m] of arr(e.missed_blocks ?? [], `${path}.missed_blocks`).entries()) {
    const b = obj(m, `${path}.missed_blocks[${j}]`);
    const index = uint(b.index ?? "0", `${path}.missed_blocks[${j}].index`);
    if (index >= window)
      throw new Error(`${path}.missed_blocks[${j}].index: ${index} is outside the ${window}-block window`);
    if (optional(b.missed, (x) => bool(x, `${path}.missed_blocks[${j}].missed`), false)) indexes.push(index);
  }
  return { cons, indexes };
}

function unique<T extends { cons: Uint8Array }>(list: T[], path: string): T[] {
  const seen = new Set<string>();
  for (const { cons } of list) {
    const key = Buffer.from(cons).toString("hex");
    if (seen.has(key)) throw new Error(`${path}: ${consAddressString(cons)} appears twice`);
    seen.add(key);
  }
  return list;
}

/** Reads (and validates) the slashing section of genesis, in the SDK's proto JSON. */
export function parseSlashingGenesis(v: unknown): SlashingGenesis {
  const g = obj(v ?? {}, "slashing");
  const params = parseParams(g.params);
  const signingInfos = arr(g.signing_infos ?? [], "slashing.signing_infos").map((e, i) =>
    parseSigningInfo(e, `slashing.signing_infos[${i}]`),
  );
  const missedBlocks = arr(g.missed_blocks ?? [], "slashing.missed_blocks").map((e, i) =>
    parseMissedBlocks(e, `slashing.missed_blocks[${i}]`, params.signedBlocksWindow),
  );
  return {
    params,
    signingInfos: unique(signingInfos, "slashing.signing_infos"),
    missedBlocks: unique(missedBlocks, "slashing.missed_blocks"),
  };
}

/** InitGenesis: signing infos, then the missed bits, then params. */
export async function initSlashingGenesis(
  ctx: Context,
  store: SlashingStore,
  g: SlashingGenesis,
): Promise<void> {
  for (const { cons, info } of g.signingInfos) store.setSigningInfo(ctx, cons, info);
  for (const { cons, indexes } of g.missedBlocks)
    for (const index of indexes) await store.setMissed(ctx, cons, index, true);
  store.setParams(ctx, g.params);
}

const paramsToJson = (p: SlashingParams): JsonObject => ({
  signed_blocks_window: p.signedBlocksWindow.toString(),
  min_signed_per_window: p.minSignedPerWindow.toString(),
  downtime_jail_duration: `${p.downtimeJailSeconds}s`,
  slash_fraction_double_sign: p.slashFractionDoubleSign.toString(),
  slash_fraction_downtime: p.slashFractionDowntime.toString(),
});

/** ExportGenesis: every signing info, and for each the indexes it missed (only set bits, as the SDK). */
export async function exportSlashingGenesis(ctx: Context, store: SlashingStore): Promise<JsonObject> {
  const signingInfos: JsonObject[] = [];
  const missedBlocks: JsonObject[] = [];
  for await (const { cons, info } of store.signingInfos(ctx)) {
    const address = consAddressString(cons);
    signingInfos.push({
      address,
      validator_signing_info: {
        address: info.address,
        start_height: info.startHeight.toString(),
        index_offset: info.indexOffset.toString(),
        jailed_until: formatRfc3339(info.jailedUntil!),
        tombstoned: info.tombstoned,
        missed_blocks_counter: info.missedBlocksCounter.toString(),
      },
    });
    const indexes = await store.missedIndexes(ctx, cons);
    missedBlocks.push({
      address,
      missed_blocks: indexes.map((i) => ({ index: i.toString(), missed: true })),
    });
  }
  return {
    params: paramsToJson(await store.params(ctx)),
    signing_infos: signingInfos,
    missed_blocks: missedBlocks,
  };
}
