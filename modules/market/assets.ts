import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import { parseModelSpec } from "../fl/model-spec.ts";
import { checkCid, checkDisclosure, checkHash, checkText } from "./checks.ts";
import { checkCurve, curveText } from "./curve.ts";
import { MarketCode, marketError } from "./errors.ts";
import type { MarketKeeper } from "./keeper.ts";
import { PPM } from "./params.ts";
import {
  type Asset,
  AssetKind,
  ASSET_KIND_NAMES,
  type MsgCreatePortfolio,
  type MsgListAsset,
  type MsgMintData,
  type MsgMintModel,
  type PortfolioItem,
} from "./proto.ts";
import { checkProvenance } from "./provenance.ts";

// Minting, transferring and listing the market's NFTs ($Data, $Portfolio, $Model). Every check runs
// before the first write, so a refused message changes nothing.

function newAsset(ctx: Context, id: bigint, kind: AssetKind, owner: string): Asset {
  return {
    id,
    kind,
    owner,
    creator: owner,
    createdHeight: ctx.block.height,
    data: undefined,
    portfolio: undefined,
    model: undefined,
    listing: undefined,
    uses: 0n,
    earned: "0",
  };
}

function minted(ctx: Context, a: Asset, extra: Array<[string, string]> = []): void {
  ctx.events.emit(
    event("market_asset_minted", [
      ["asset_id", a.id.toString()],
      ["kind", ASSET_KIND_NAMES[a.kind]],
      ["owner", a.owner],
      ...extra,
    ]),
  );
}

export async function mintData(ctx: Context, k: MarketKeeper, m: MsgMintData): Promise<bigint> {
  const p = await k.params(ctx);
  checkHash(m.dataHash, "data hash");
  checkText(m.schema, p, "schema", true);
  checkText(m.license, p, "license", true);
  const disclosure = checkDisclosure(m.disclosure, p);
  const a = newAsset(ctx, await k.store.takeId(ctx, "asset"), AssetKind.Data, m.owner);
  a.data = { dataHash: m.dataHash, schema: m.schema, sizeBytes: m.sizeBytes, license: m.license, disclosure };
  k.store.setAsset(ctx, a);
  minted(ctx, a, [["data_hash", m.dataHash]]);
  return a.id;
}

export async function transferAsset(
  ctx: Context,
  k: MarketKeeper,
  owner: string,
  id: bigint,
  to: string,
): Promise<void> {
  const a = await k.ownedAsset(ctx, id, owner);
  if (to === owner) throw marketError(MarketCode.InvalidRecipient, `asset ${id} already belongs to ${to}`);
  a.owner = to;
  k.store.setAsset(ctx, a, owner);
  ctx.events.emit(
    event("market_asset_transferred", [
      ["asset_id", id.toString()],
      ["from", owner],
      ["to", to],
    ]),
  );
}

export async function updateDisclosure(
  ctx: Context,
  k: MarketKeeper,
  owner: string,
  id: bigint,
  d: MsgMintData["disclosure"],
): Promise<void> {
  const p = await k.params(ctx);
  const a = await k.ownedAsset(ctx, id, owner);
  if (a.kind !== AssetKind.Data || !a.data)
    throw marketError(
      MarketCode.WrongAssetKind,
      `asset ${id} is not a $Data asset: only data has a disclosure`,
    );
  a.data.disclosure = checkDisclosure(d, p);
  k.store.setAsset(ctx, a);
  ctx.events.emit(event("market_disclosure_updated", [["asset_id", id.toString()]]));
}

/**
 * A portfolio's items (pure): 1..max items, data ids ascending without repeats, weights positive
 * and summing to exactly 1,000,000 ppm.
 */
export function checkItems(items: readonly PortfolioItem[], maxItems: number): void {
  const bad = (why: string) => marketError(MarketCode.InvalidPortfolio, why);
  if (items.length === 0) throw bad("a portfolio needs at least one $Data item");
  if (items.length > maxItems) throw bad(`${items.length} items, the limit is ${maxItems}`);
  let sum = 0n;
  for (const [i, it] of items.entries()) {
    if (it.weightPpm <= 0) throw bad(`item ${it.dataId} has weight 0`);
    if (i > 0 && it.dataId <= items[i - 1]!.dataId) throw bad("items must be sorted by data id, each once");
    sum += BigInt(it.weightPpm);
  }
  if (sum !== PPM) throw bad(`weights sum to ${sum} ppm, not 1000000 (1.0)`);
}

export async function createPortfolio(ctx: Context, k: MarketKeeper, m: MsgCreatePortfolio): Promise<bigint> {
  const p = await k.params(ctx);
  checkItems(m.items, p.maxPortfolioItems);
  if (m.curatorSharePpm > p.maxCuratorSharePpm)
    throw marketError(
      MarketCode.InvalidPortfolio,
      `curator share ${m.curatorSharePpm} ppm is above the limit of ${p.maxCuratorSharePpm}`,
    );
  for (const it of m.items) await k.assetOfKind(ctx, it.dataId, AssetKind.Data, "portfolio item");
  const a = newAsset(ctx, await k.store.takeId(ctx, "asset"), AssetKind.Portfolio, m.curator);
  a.portfolio = { items: m.items.map((i) => ({ ...i })), curatorSharePpm: m.curatorSharePpm };
  k.store.setAsset(ctx, a);
  minted(ctx, a, [["items", m.items.map((i) => `${i.dataId}:${i.weightPpm}`).join(",")]]);
  return a.id;
}

/**
 * A $Model: with provenance, the task's owner mints the task's final model once, and every field is
 * checked against the fl record (provenance.ts); the spec is the task's. Without, the owner states
 * the spec (parsed as fl parses a task's) and what it was trained on.
 */
export async function mintModel(ctx: Context, k: MarketKeeper, m: MsgMintModel): Promise<bigint> {
  const p = await k.params(ctx);
  const digest = checkCid(m.modelCid, "model cid");
  checkHash(m.modelHash, "model hash");
  if (m.modelHash !== digest)
    throw marketError(MarketCode.InvalidHash, `model hash ${m.modelHash} is not the digest of ${m.modelCid}`);
  for (const id of m.trainedOn) {
    const a = await k.assetOr404(ctx, id);
    if (a.kind === AssetKind.Model)
      throw marketError(
        MarketCode.WrongAssetKind,
        `trained on: asset ${id} is a model, not data or a portfolio`,
      );
  }
  if (new Set(m.trainedOn).size !== m.trainedOn.length)
    throw marketError(MarketCode.InvalidProvenance, "trained on lists an asset twice");
  let spec = m.modelSpec;
  const prov = m.provenance;
  if (prov && prov.taskId !== 0n) {
    const task = await k.fl.task(ctx, prov.taskId);
    if (!task) throw marketError(MarketCode.InvalidProvenance, `task ${prov.taskId} does not exist`);
    if (task.owner !== m.owner)
      throw marketError(
        MarketCode.InvalidProvenance,
        `task ${task.id} belongs to ${task.owner}: only its owner mints its model`,
      );
    const rounds = [];
    for (let r = 1; r <= task.rounds; r++) {
      const round = await k.fl.round(ctx, task.id, r);
      if (round) rounds.push(round);
    }
    checkProvenance(prov, m.modelCid, m.modelHash, {
      task,
      rounds,
      participants: await k.fl.participants(ctx, task.id),
    });
    // After the provenance, so that a false claim is named as such even for a minted task.
    const existing = await k.store.modelOfTask(ctx, task.id);
    if (existing !== undefined)
      throw marketError(MarketCode.AlreadyMinted, `the model of task ${task.id} is asset ${existing}`);
    const taskSpec = await k.fl.modelSpec(ctx, task.id);
    if (spec !== "" && spec !== taskSpec)
      throw marketError(MarketCode.InvalidModelSpec, `the spec differs from task ${task.id}'s`);
    spec = taskSpec;
  } else {
    if (prov && (prov.rounds !== 0 || prov.globalModelHashes.length > 0 || prov.contributors.length > 0))
      throw marketError(MarketCode.InvalidProvenance, "a provenance without a task must be empty");
    if (BigInt(Buffer.byteLength(spec, "utf8")) > p.maxModelSpecBytes)
      throw marketError(MarketCode.InvalidModelSpec, `the model spec is above ${p.maxModelSpecBytes} bytes`);
    try {
      parseModelSpec(spec, await k.fl.maxParamCount(ctx));
    } catch (e) {
      throw marketError(MarketCode.InvalidModelSpec, (e as Error).message);
    }
  }
  const a = newAsset(ctx, await k.store.takeId(ctx, "asset"), AssetKind.Model, m.owner);
  const fromTask = prov && prov.taskId !== 0n ? prov : undefined;
  a.model = {
    modelCid: m.modelCid,
    modelHash: m.modelHash,
    modelSpec: spec,
    provenance: fromTask,
    trainedOn: [...m.trainedOn],
  };
  k.store.setAsset(ctx, a);
  if (fromTask) k.store.setModelOfTask(ctx, fromTask.taskId, a.id);
  minted(ctx, a, [
    ["model_cid", m.modelCid],
    ["task_id", fromTask ? fromTask.taskId.toString() : ""],
  ]);
  return a.id;
}

/** Lists an asset, or changes its listing; the sales count and revenue stay. */
export async function listAsset(ctx: Context, k: MarketKeeper, m: MsgListAsset): Promise<void> {
  const p = await k.params(ctx);
  const a = await k.ownedAsset(ctx, m.assetId, m.owner);
  checkCurve(m.curve, p);
  checkText(m.licence, p, "licence");
  a.listing = {
    curve: m.curve,
    sales: a.listing?.sales ?? 0n,
    active: true,
    accessBlocks: m.accessBlocks,
    licence: m.licence,
    revenue: a.listing?.revenue ?? "0",
  };
  k.store.setAsset(ctx, a);
  ctx.events.emit(
    event("market_asset_listed", [
      ["asset_id", a.id.toString()],
      ["curve", curveText(m.curve!)],
      ["sales", a.listing.sales.toString()],
    ]),
  );
}

export async function delistAsset(ctx: Context, k: MarketKeeper, owner: string, id: bigint): Promise<void> {
  const a = await k.ownedAsset(ctx, id, owner);
  if (!a.listing?.active) throw marketError(MarketCode.NotListed, `asset ${id} is not listed`);
  a.listing.active = false;
  k.store.setAsset(ctx, a);
  ctx.events.emit(event("market_asset_delisted", [["asset_id", id.toString()]]));
}
