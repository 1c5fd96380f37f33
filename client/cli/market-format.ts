/**
 * How the market commands print assets, listings, grants, escrows, reviews and params. Text:
 * readable fields and tables, amounts in ucif and CIF, fractions exact ("0.25"). JSON: the records as
 * the chain returns them (camelCase fields, 64-bit integers as strings) with enums by name ("data",
 * "linear", "passed") instead of numbers.
 */
import {
  ASSET_KIND_NAMES,
  type Asset,
  type AssetKind,
  CURVE_KIND_NAMES,
  type Curve,
  CurveKind,
  ESCROW_STATUS_NAMES,
  type Escrow,
  type EscrowStatus,
  type Grant,
  type Listing,
  type MarketParamsWire,
  type Review,
  type ReviewerStats,
} from "../../modules/market/proto.ts";
import { evaluatorsText, percentOfPpm } from "./fl-format.ts";
import { formatTokens } from "./format.ts";

export const assetKindName = (k: AssetKind) => ASSET_KIND_NAMES[k] ?? String(k);
export const curveKindName = (k: CurveKind) => CURVE_KIND_NAMES[k] ?? String(k);
export const escrowStatusName = (s: EscrowStatus) => ESCROW_STATUS_NAMES[s] ?? String(s);

/** Millionths as the shortest exact decimal: 250000 -> "0.25", 1000000 -> "1", 0 -> "0". */
export function fractionText(ppm: number | bigint): string {
  const v = BigInt(ppm);
  const whole = v / 1_000_000n;
  const frac = (v % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole.toString();
}

/** "0.25 (25%)". */
export const shareText = (ppm: number) => `${fractionText(ppm)} (${percentOfPpm(ppm)})`;

/** "linear: P(s) = 1000*s + 5000 ucif", "power: P(s) = 1000*s^(3/2) + 0 ucif" (s = sales so far). */
export function curveText(c: Curve | undefined): string {
  if (!c) return "-";
  if (c.kind === CurveKind.Linear) return `linear: P(s) = ${c.m}*s + ${c.b} ucif`;
  if (c.kind === CurveKind.Power)
    return `power: P(s) = ${c.m}*s^(${c.exponentNum}/${c.exponentDen}) + ${c.b} ucif`;
  return curveKindName(c.kind);
}

/** How long a grant lasts: "forever", "1000 blocks". */
export const accessBlocksText = (n: bigint) => (n === 0n ? "forever" : `${n} blocks`);

/** A grant's expiry: "never", "height 1234". */
export const expiresText = (h: bigint) => (h === 0n ? "never" : `height ${h}`);

// ----- JSON -------------------------------------------------------------------------------------------

const curveJson = (c: Curve | undefined) => (c ? { ...c, kind: curveKindName(c.kind) } : undefined);
const listingJson = (l: Listing | undefined) => (l ? { ...l, curve: curveJson(l.curve) } : undefined);

export const assetJson = (a: Asset) => ({
  ...a,
  kind: assetKindName(a.kind),
  listing: listingJson(a.listing),
});

export const escrowJson = (e: Escrow) => ({ ...e, status: escrowStatusName(e.status) });

// ----- assets -----------------------------------------------------------------------------------------

/** The asset's body in one line: what a table shows of it. */
export function assetSummary(a: Asset): string {
  if (a.data) return `${a.data.schema}, ${a.data.sizeBytes} bytes, sha256 ${a.data.dataHash.slice(0, 12)}...`;
  if (a.portfolio) return a.portfolio.items.map((i) => `${i.dataId}:${fractionText(i.weightPpm)}`).join(" ");
  if (a.model)
    return `${a.model.modelCid}${a.model.provenance ? ` (task ${a.model.provenance.taskId})` : ""}`;
  return "-";
}

export const ASSET_HEADERS = ["ID", "KIND", "OWNER", "LISTED", "SALES", "USES", "CONTENT"];

export const assetRow = (a: Asset): string[] => [
  a.id.toString(),
  assetKindName(a.kind),
  a.owner,
  a.listing?.active ? curveKindName(a.listing.curve?.kind ?? CurveKind.Unspecified) : "no",
  a.listing ? a.listing.sales.toString() : "0",
  a.uses.toString(),
  assetSummary(a),
];

export function assetFields(a: Asset): Record<string, string | undefined> {
  const f: Record<string, string | undefined> = {
    asset: a.id.toString(),
    kind: assetKindName(a.kind),
    owner: a.owner,
    creator: a.creator,
    created_height: a.createdHeight.toString(),
    uses: a.uses.toString(),
  };
  if (a.data) {
    const d = a.data;
    Object.assign(f, {
      data_hash: d.dataHash,
      schema: d.schema,
      size: `${d.sizeBytes} bytes`,
      license: d.license,
      abstract: d.disclosure?.abstract || undefined,
      sample_cid: d.disclosure?.sampleCid || undefined,
      statistics: d.disclosure?.statistics || undefined,
    });
  }
  if (a.portfolio) {
    Object.assign(f, {
      items: a.portfolio.items.map((i) => `${i.dataId}:${fractionText(i.weightPpm)}`).join(", "),
      curator_share: shareText(a.portfolio.curatorSharePpm),
    });
  }
  if (a.model) {
    const m = a.model;
    const p = m.provenance;
    Object.assign(f, {
      model_cid: m.modelCid,
      model_hash: m.modelHash,
      model_spec: `${m.modelSpec.length} bytes`,
      provenance: p
        ? `task ${p.taskId}, ${p.rounds} rounds, ${p.contributors.length} contributors`
        : "none (not minted from an FL task)",
      trained_on: m.trainedOn.length > 0 ? m.trainedOn.join(", ") : undefined,
    });
  }
  const l = a.listing;
  if (l) {
    Object.assign(f, {
      listed: l.active ? "yes" : "no (delisted)",
      curve: curveText(l.curve),
      sales: l.sales.toString(),
      access: accessBlocksText(l.accessBlocks),
      licence: l.licence || undefined,
      revenue: formatTokens(l.revenue || "0"),
    });
  } else f.listed = "no";
  return f;
}

// ----- grants -----------------------------------------------------------------------------------------

export const GRANT_HEADERS = ["ID", "ASSET", "HOLDER", "PRICE", "HEIGHT", "EXPIRES", "ESCROW"];

export const grantRow = (g: Grant): string[] => [
  g.id.toString(),
  g.assetId.toString(),
  g.holder,
  `${g.price || "0"}ucif`,
  g.height.toString(),
  expiresText(g.expires),
  g.escrowId > 0n ? g.escrowId.toString() : "-",
];

export const grantFields = (g: Grant): Record<string, string | undefined> => ({
  grant: g.id.toString(),
  asset: g.assetId.toString(),
  holder: g.holder,
  price: formatTokens(g.price || "0"),
  height: g.height.toString(),
  expires: expiresText(g.expires),
  licence: g.licence || undefined,
  escrow: g.escrowId > 0n ? g.escrowId.toString() : undefined,
});

// ----- escrows ----------------------------------------------------------------------------------------

export const ESCROW_HEADERS = ["ID", "STATUS", "ASSET", "MODEL", "THRESHOLD", "MEDIAN", "MAX PRICE", "BUYER"];

/** The median accuracy once the committee revealed, "-" before. */
const medianText = (e: Escrow) => (e.reveals.length > 0 ? percentOfPpm(e.medianAccuracyPpm) : "-");

export const escrowRow = (e: Escrow): string[] => [
  e.id.toString(),
  escrowStatusName(e.status),
  e.assetId.toString(),
  e.modelId.toString(),
  percentOfPpm(e.thresholdPpm),
  medianText(e),
  `${e.maxPrice || "0"}ucif`,
  e.buyer,
];

export function escrowFields(e: Escrow): Record<string, string | undefined> {
  return {
    escrow: e.id.toString(),
    status: escrowStatusName(e.status),
    buyer: e.buyer,
    asset: e.assetId.toString(),
    model: e.modelId.toString(),
    max_price: formatTokens(e.maxPrice || "0"),
    threshold: `${percentOfPpm(e.thresholdPpm)} accuracy`,
    test_set: e.evalSet ? `${e.evalSet.cid} (${e.evalSet.records} records)` : undefined,
    evaluators: e.evalSet ? evaluatorsText(e.evalSet) : undefined,
    opened_height: e.openedHeight.toString(),
    phase_end: e.phaseEnd > 0n ? e.phaseEnd.toString() : undefined,
    deadline: e.deadline.toString(),
    committee: e.committee.length > 0 ? e.committee.join(", ") : "-",
    commits: `${e.commits.length} of ${e.committee.length}`,
    reveals: `${e.reveals.length} of ${e.committee.length}`,
    median_accuracy: e.reveals.length > 0 ? percentOfPpm(e.medianAccuracyPpm) : undefined,
    paid: BigInt(e.paid || "0") > 0n ? formatTokens(e.paid) : undefined,
    refunded: BigInt(e.refunded || "0") > 0n ? formatTokens(e.refunded) : undefined,
    grant: e.grantId > 0n ? e.grantId.toString() : undefined,
    reason: e.reason || undefined,
  };
}

// ----- reviews ----------------------------------------------------------------------------------------

export const REVIEW_HEADERS = [
  "ID",
  "RATING",
  "REVIEWER",
  "HELPFUL",
  "UNHELPFUL",
  "DEPOSIT",
  "EXAMPLES",
  "TEXT",
];

/** A deposit's state: held until `matures`, returned, or forfeited. */
function depositText(r: Review): string {
  if (!r.settled) return `${r.deposit || "0"}ucif held`;
  return r.forfeited ? "forfeited" : "returned";
}

const MAX_TEXT_CELL = 60;

export const reviewRow = (r: Review): string[] => [
  r.id.toString(),
  `${r.rating}/5`,
  r.reviewer,
  String(r.helpful),
  String(r.unhelpful),
  depositText(r),
  r.examplesCid || "-",
  r.text.length > MAX_TEXT_CELL ? `${r.text.slice(0, MAX_TEXT_CELL - 1)}…` : r.text.replace(/\s+/g, " "),
];

export const reviewerFields = (s: ReviewerStats): Record<string, string> => ({
  reviewer: s.reviewer,
  reviews: String(s.reviews),
  helpful: String(s.helpful),
  unhelpful: String(s.unhelpful),
  forfeited: String(s.forfeited),
  score: shareText(s.scorePpm),
});

// ----- params -----------------------------------------------------------------------------------------

export const paramsFields = (p: MarketParamsWire): Record<string, string> => ({
  protocol_fee: shareText(p.protocolFeePpm),
  max_curator_share: shareText(p.maxCuratorSharePpm),
  max_portfolio_items: String(p.maxPortfolioItems),
  max_text_bytes: String(p.maxTextBytes),
  max_model_spec_bytes: p.maxModelSpecBytes.toString(),
  max_price: formatTokens(p.maxPrice || "0"),
  max_exponent: `${p.maxExponent} (denominator at most ${p.maxExponentDen})`,
  escrow_committee_size: String(p.escrowCommitteeSize),
  escrow_commit_blocks: p.escrowCommitBlocks.toString(),
  escrow_reveal_blocks: p.escrowRevealBlocks.toString(),
  escrow_blocks: `${p.minEscrowBlocks} to ${p.maxEscrowBlocks}`,
  max_key_wraps: String(p.maxKeyWraps),
  review_deposit: formatTokens(p.reviewDeposit || "0"),
  review_lock_blocks: p.reviewLockBlocks.toString(),
  max_review_votes: String(p.maxReviewVotes),
  reward_epoch_blocks: p.rewardEpochBlocks.toString(),
  data_base_reward: formatTokens(p.dataBaseReward || "0"),
  max_epoch_rewards: formatTokens(p.maxEpochRewards || "0"),
  data_use_bonus: formatTokens(p.dataUseBonus || "0"),
  curator_use_bonus: formatTokens(p.curatorUseBonus || "0"),
  reward_min_revenue: formatTokens(p.rewardMinRevenue || "0"),
});
