import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import { parseAddress, toAddress } from "../../chain/crypto/address.ts";
import { bytesEqual, sha256, utf8 } from "../../chain/crypto/hash.ts";
import { checkEvalSetShape } from "../fl/evalset/check.ts";
import { lastBlockHash } from "../fl/rounds.ts";
import { SeededRng, weightedSample } from "../fl/sampling.ts";
import { medianInt } from "../fl/scoring/median.ts";
import { VALOPER_PREFIX } from "../staking/store.ts";
import { ESCROW_SALT_BYTES, escrowCommitment } from "./escrow-commit.ts";
import { MarketCode, marketError } from "./errors.ts";
import { amount, type MarketKeeper } from "./keeper.ts";
import { u64, WakeKind } from "./keys.ts";
import { PPM } from "./params.ts";
import {
  AssetKind,
  type Escrow,
  EscrowStatus,
  ESCROW_STATUS_NAMES,
  type MsgCommitEscrowScore,
  type MsgOpenEscrow,
  type MsgRevealEscrowScore,
} from "./proto.ts";
import { currentPrice, sell } from "./sales.ts";

// Accuracy-threshold purchases (issue #7). The buyer escrows up to a max price with an encrypted
// test set whose key is wrapped for validators; a committee drawn from them (stake x reputation, as
// fl's) commits, then reveals, the accuracy of the $Model on it. More than 2/3 of the committee
// revealing decides: median >= threshold passes (the seller side is paid at the then current price,
// the curve steps, the rest returns), else the escrow fails and is refunded. Nothing stays locked:
// the deadline settles whatever is left.

const SETTLED = new Set([EscrowStatus.Released, EscrowStatus.Refunded]);

const escrowEvent = (type: string, e: Escrow, extra: Array<[string, string]> = []) =>
  event(type, [
    ["escrow_id", e.id.toString()],
    ["asset_id", e.assetId.toString()],
    ["buyer", e.buyer],
    ["status", ESCROW_STATUS_NAMES[e.status]],
    ...extra,
  ]);

/** Moves the escrow to a new status, keeping the status index and the wake-up queue in step. */
function setStatus(ctx: Context, k: MarketKeeper, e: Escrow, status: EscrowStatus, phaseEnd: bigint): void {
  const before = e.status;
  // A phase that ends at the deadline shares its queue entry: the deadline keeps it.
  if (e.phaseEnd > 0n && e.phaseEnd !== e.deadline) k.store.unwake(ctx, e.phaseEnd, WakeKind.Escrow, e.id);
  e.status = status;
  e.phaseEnd = phaseEnd;
  if (phaseEnd > 0n) k.store.wakeAt(ctx, phaseEnd, WakeKind.Escrow, e.id);
  k.store.setEscrow(ctx, e, before);
}

export async function openEscrow(ctx: Context, k: MarketKeeper, m: MsgOpenEscrow): Promise<bigint> {
  const p = await k.params(ctx);
  const denom = await k.bondDenom(ctx);
  if (m.maxPrice?.denom !== denom)
    throw marketError(MarketCode.InvalidPrice, `max price must be in ${denom}`);
  const maxPrice = amount(m.maxPrice.amount);
  if (m.thresholdPpm <= 0 || BigInt(m.thresholdPpm) > PPM)
    throw marketError(
      MarketCode.InvalidEscrow,
      `threshold must be within (0, 1000000] ppm, got ${m.thresholdPpm}`,
    );
  if (m.deadlineBlocks < p.minEscrowBlocks || m.deadlineBlocks > p.maxEscrowBlocks)
    throw marketError(
      MarketCode.InvalidEscrow,
      `deadline must be ${p.minEscrowBlocks}..${p.maxEscrowBlocks} blocks away, got ${m.deadlineBlocks}`,
    );
  if (!m.evalSet)
    throw marketError(MarketCode.InvalidEscrow, "an escrow needs the buyer's encrypted test set");
  let evalSet: Escrow["evalSet"];
  try {
    evalSet = checkEvalSetShape(m.evalSet, p.maxKeyWraps);
  } catch (e) {
    throw marketError(MarketCode.InvalidEscrow, (e as Error).message);
  }
  const a = await k.assetOr404(ctx, m.assetId);
  if (a.owner === m.buyer)
    throw marketError(MarketCode.OwnAsset, `${m.buyer} owns asset ${a.id}: nothing to buy`);
  const modelId = m.modelId === 0n ? a.id : m.modelId;
  const model = await k.assetOfKind(ctx, modelId, AssetKind.Model, "evaluated model");
  if (model.id !== a.id && !model.model!.trainedOn.includes(a.id))
    throw marketError(MarketCode.InvalidEscrow, `model ${model.id} was not trained on asset ${a.id}`);
  const price = currentPrice(a, p);
  if (price > maxPrice)
    throw marketError(
      MarketCode.PriceAboveMax,
      `asset ${a.id} costs ${price} ucif now, above your maximum of ${maxPrice}`,
    );
  // The committee: validators fl would draw, that hold a wrap of the key, by weight.
  const holders = new Set(evalSet!.wraps.map((w) => w.validator));
  const eligible = (await k.fl.eligibleValidators(ctx)).filter((v) => holders.has(v.id));
  const id = await k.store.takeId(ctx, "escrow");
  const seed = sha256(lastBlockHash(ctx), u64(id), utf8("market-escrow"));
  const committee = weightedSample(eligible, p.escrowCommitteeSize, new SeededRng(seed)).map((c) => c.id);
  if (committee.length === 0)
    throw marketError(
      MarketCode.InvalidEscrow,
      "no active validator holding a key wrap can evaluate the model",
    );
  await k.send(ctx, m.buyer, k.moduleAddress, maxPrice);
  const h = ctx.block.height;
  const e: Escrow = {
    id,
    buyer: m.buyer,
    assetId: a.id,
    modelId,
    maxPrice: maxPrice.toString(),
    thresholdPpm: m.thresholdPpm,
    evalSet,
    status: EscrowStatus.Unspecified,
    openedHeight: h,
    deadline: h + m.deadlineBlocks,
    phaseEnd: 0n,
    committee,
    commits: [],
    reveals: [],
    medianAccuracyPpm: 0,
    paid: "0",
    refunded: "0",
    grantId: 0n,
    reason: "",
  };
  k.store.wakeAt(ctx, e.deadline, WakeKind.Escrow, e.id);
  setStatus(ctx, k, e, EscrowStatus.Committing, h + p.escrowCommitBlocks);
  ctx.events.emit(
    escrowEvent("market_escrow_opened", e, [
      ["model_id", modelId.toString()],
      ["max_price", e.maxPrice],
      ["threshold_ppm", e.thresholdPpm.toString()],
      ["committee", committee.join(",")],
      ["deadline", e.deadline.toString()],
    ]),
  );
  return id;
}

/** The escrow in `status` with the sender (an operator account) on its committee, within the phase. */
async function memberOf(ctx: Context, k: MarketKeeper, id: bigint, sender: string, status: EscrowStatus) {
  const e = await k.escrowOr404(ctx, id);
  if (e.status !== status || ctx.block.height >= e.phaseEnd)
    throw marketError(
      MarketCode.WrongEscrowStatus,
      `escrow ${id} is ${ESCROW_STATUS_NAMES[e.status]}, not taking ${status === EscrowStatus.Committing ? "commitments" : "reveals"}`,
    );
  const validator = toAddress(parseAddress(sender), VALOPER_PREFIX);
  if (!e.committee.includes(validator))
    throw marketError(MarketCode.NotCommitteeMember, `${validator} is not on escrow ${id}'s committee`);
  return { e, validator };
}

export async function commitEscrowScore(
  ctx: Context,
  k: MarketKeeper,
  m: MsgCommitEscrowScore,
): Promise<void> {
  const { e, validator } = await memberOf(ctx, k, m.escrowId, m.validator, EscrowStatus.Committing);
  if (m.commitment.length !== 32)
    throw marketError(
      MarketCode.CommitmentMismatch,
      `a commitment is a 32-byte sha256, got ${m.commitment.length} bytes`,
    );
  if (e.commits.some((c) => c.validator === validator))
    throw marketError(MarketCode.CommitmentMismatch, `${validator} already committed to escrow ${e.id}`);
  e.commits.push({ validator, commitment: m.commitment, height: ctx.block.height });
  ctx.events.emit(escrowEvent("market_escrow_committed", e, [["validator", validator]]));
  if (e.commits.length === e.committee.length) await closeCommits(ctx, k, e);
  else k.store.setEscrow(ctx, e);
}

export async function revealEscrowScore(
  ctx: Context,
  k: MarketKeeper,
  m: MsgRevealEscrowScore,
): Promise<void> {
  const { e, validator } = await memberOf(ctx, k, m.escrowId, m.validator, EscrowStatus.Revealing);
  const commit = e.commits.find((c) => c.validator === validator);
  if (!commit)
    throw marketError(MarketCode.CommitmentMismatch, `${validator} committed nothing to escrow ${e.id}`);
  if (e.reveals.some((r) => r.validator === validator))
    throw marketError(MarketCode.CommitmentMismatch, `${validator} already revealed for escrow ${e.id}`);
  if (BigInt(m.accuracyPpm) > PPM || m.salt.length !== ESCROW_SALT_BYTES)
    throw marketError(
      MarketCode.CommitmentMismatch,
      "accuracy must be at most 1000000 ppm and the salt 32 bytes",
    );
  const expected = escrowCommitment({ escrowId: e.id, validator, accuracyPpm: m.accuracyPpm, salt: m.salt });
  if (!bytesEqual(expected, commit.commitment))
    throw marketError(MarketCode.CommitmentMismatch, `the reveal does not match ${validator}'s commitment`);
  e.reveals.push({ validator, accuracyPpm: m.accuracyPpm, height: ctx.block.height });
  ctx.events.emit(escrowEvent("market_escrow_revealed", e, [["validator", validator]]));
  if (e.reveals.length === e.commits.length) await closeReveals(ctx, k, e);
  else k.store.setEscrow(ctx, e);
}

/** More than 2/3 of the committee (by members): the quorum of a commit or reveal phase. */
const quorum = (n: number, size: number) => 3 * n > 2 * size;

async function fail(ctx: Context, k: MarketKeeper, e: Escrow, reason: string): Promise<void> {
  e.reason = reason;
  setStatus(ctx, k, e, EscrowStatus.Failed, 0n);
  ctx.events.emit(escrowEvent("market_escrow_failed", e, [["reason", reason]]));
}

async function closeCommits(ctx: Context, k: MarketKeeper, e: Escrow): Promise<void> {
  if (!quorum(e.commits.length, e.committee.length))
    return fail(ctx, k, e, `${e.commits.length} of ${e.committee.length} committee members committed`);
  const p = await k.params(ctx);
  setStatus(ctx, k, e, EscrowStatus.Revealing, ctx.block.height + p.escrowRevealBlocks);
  ctx.events.emit(escrowEvent("market_escrow_revealing", e));
}

async function closeReveals(ctx: Context, k: MarketKeeper, e: Escrow): Promise<void> {
  if (!quorum(e.reveals.length, e.committee.length))
    return fail(ctx, k, e, `${e.reveals.length} of ${e.committee.length} committee members revealed`);
  e.medianAccuracyPpm = medianInt(e.reveals.map((r) => r.accuracyPpm));
  if (e.medianAccuracyPpm < e.thresholdPpm)
    return fail(
      ctx,
      k,
      e,
      `median accuracy ${e.medianAccuracyPpm} ppm is below the threshold of ${e.thresholdPpm}`,
    );
  setStatus(ctx, k, e, EscrowStatus.Passed, 0n);
  ctx.events.emit(
    escrowEvent("market_escrow_passed", e, [["median_accuracy_ppm", e.medianAccuracyPpm.toString()]]),
  );
}

/**
 * MsgSettleEscrow (anyone) and the deadline: a passed escrow pays the current price to the seller
 * side (if still within the buyer's maximum; else it fails) and returns the rest; a failed one, or
 * one still undecided at its deadline, returns everything. Settling twice is refused.
 */
export async function settleEscrow(ctx: Context, k: MarketKeeper, id: bigint, auto = false): Promise<Escrow> {
  const e = await k.escrowOr404(ctx, id);
  if (SETTLED.has(e.status))
    throw marketError(MarketCode.AlreadySettled, `escrow ${id} was already ${ESCROW_STATUS_NAMES[e.status]}`);
  const deciding = e.status === EscrowStatus.Committing || e.status === EscrowStatus.Revealing;
  if (deciding && ctx.block.height < e.deadline)
    throw marketError(MarketCode.WrongEscrowStatus, `escrow ${id} is still ${ESCROW_STATUS_NAMES[e.status]}`);
  if (deciding) await fail(ctx, k, e, "no verdict by the deadline");
  const held = amount(e.maxPrice);
  if (e.status === EscrowStatus.Passed) {
    const p = await k.params(ctx);
    const a = await k.assetOr404(ctx, e.assetId);
    let price: bigint | undefined;
    try {
      price = currentPrice(a, p);
    } catch (err) {
      await fail(ctx, k, e, (err as Error).message);
    }
    if (price !== undefined && price > held)
      await fail(ctx, k, e, `the price rose to ${price} ucif, above the escrowed maximum of ${held}`);
    if (price !== undefined && e.status === EscrowStatus.Passed) {
      const grant = await sell(ctx, k, a, e.buyer, k.moduleAddress, price, e.id);
      await k.send(ctx, k.moduleAddress, e.buyer, held - price);
      e.paid = price.toString();
      e.refunded = (held - price).toString();
      e.grantId = grant.id;
      k.store.unwake(ctx, e.deadline, WakeKind.Escrow, e.id);
      setStatus(ctx, k, e, EscrowStatus.Released, 0n);
      ctx.events.emit(
        escrowEvent("market_escrow_settled", e, [
          ["paid", e.paid],
          ["refunded", e.refunded],
          ["auto", String(auto)],
        ]),
      );
      return e;
    }
  }
  await k.send(ctx, k.moduleAddress, e.buyer, held);
  e.refunded = held.toString();
  k.store.unwake(ctx, e.deadline, WakeKind.Escrow, e.id);
  setStatus(ctx, k, e, EscrowStatus.Refunded, 0n);
  ctx.events.emit(
    escrowEvent("market_escrow_settled", e, [
      ["paid", "0"],
      ["refunded", e.refunded],
      ["auto", String(auto)],
    ]),
  );
  return e;
}

/** BeginBlock: a phase that ran out closes with the votes it has; a deadline settles what is left. */
export async function tickEscrow(ctx: Context, k: MarketKeeper, id: bigint): Promise<void> {
  const e = await k.store.escrow(ctx, id);
  if (!e || SETTLED.has(e.status)) return;
  const h = ctx.block.height;
  if (h >= e.deadline) {
    await settleEscrow(ctx, k, id, true);
    return;
  }
  if (e.status === EscrowStatus.Committing && h >= e.phaseEnd) await closeCommits(ctx, k, e);
  else if (e.status === EscrowStatus.Revealing && h >= e.phaseEnd) await closeReveals(ctx, k, e);
}
