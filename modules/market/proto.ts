import { type ProtoCodec, protoCodecs } from "../../proto/codec.ts";
import type { Coin, EvalSet, PageRequest, PageResponse } from "../fl/proto.ts";

// cifer.market.v1 (proto/cifer/market/v1/*.proto), through the shared reflection codec
// (proto/codec.ts): the node, the client Registry and the tests share these codecs.

export type MarketCodec<T> = ProtoCodec<T>;

const codec = protoCodecs("cifer.market.v1", [
  "cifer/market/v1/types.proto",
  "cifer/market/v1/tx.proto",
  "cifer/market/v1/query.proto",
]);

export { encode } from "../../proto/codec.ts";

// ---- enums ------------------------------------------------------------------------------------

export enum AssetKind {
  Unspecified = 0,
  Data = 1,
  Portfolio = 2,
  Model = 3,
}

export const ASSET_KIND_NAMES: Record<AssetKind, string> = {
  [AssetKind.Unspecified]: "unspecified",
  [AssetKind.Data]: "data",
  [AssetKind.Portfolio]: "portfolio",
  [AssetKind.Model]: "model",
};

export enum CurveKind {
  Unspecified = 0,
  Linear = 1,
  Power = 2,
}

export const CURVE_KIND_NAMES: Record<CurveKind, string> = {
  [CurveKind.Unspecified]: "unspecified",
  [CurveKind.Linear]: "linear",
  [CurveKind.Power]: "power",
};

export enum EscrowStatus {
  Unspecified = 0,
  Committing = 1,
  Revealing = 2,
  Passed = 3,
  Failed = 4,
  Released = 5,
  Refunded = 6,
}

export const ESCROW_STATUS_NAMES: Record<EscrowStatus, string> = {
  [EscrowStatus.Unspecified]: "unspecified",
  [EscrowStatus.Committing]: "committing",
  [EscrowStatus.Revealing]: "revealing",
  [EscrowStatus.Passed]: "passed",
  [EscrowStatus.Failed]: "failed",
  [EscrowStatus.Released]: "released",
  [EscrowStatus.Refunded]: "refunded",
};

// ---- types ------------------------------------------------------------------------------------

export interface Disclosure {
  abstract: string;
  sampleCid: string;
  statistics: string;
}

export interface DataBody {
  dataHash: string;
  schema: string;
  sizeBytes: bigint;
  license: string;
  disclosure: Disclosure | undefined;
}

export interface PortfolioItem {
  dataId: bigint;
  weightPpm: number;
}

export interface PortfolioBody {
  items: PortfolioItem[];
  curatorSharePpm: number;
}

export interface Provenance {
  taskId: bigint;
  rounds: number;
  globalModelHashes: string[];
  contributors: string[];
}

export interface ModelBody {
  modelCid: string;
  modelHash: string;
  modelSpec: string;
  provenance: Provenance | undefined;
  trainedOn: bigint[];
}

export interface Curve {
  kind: CurveKind;
  /** ucif, decimal strings. */
  m: string;
  b: string;
  exponentNum: number;
  exponentDen: number;
}

export interface Listing {
  curve: Curve | undefined;
  sales: bigint;
  active: boolean;
  accessBlocks: bigint;
  licence: string;
  revenue: string;
}

export interface Asset {
  id: bigint;
  kind: AssetKind;
  owner: string;
  creator: string;
  createdHeight: bigint;
  data: DataBody | undefined;
  portfolio: PortfolioBody | undefined;
  model: ModelBody | undefined;
  listing: Listing | undefined;
  uses: bigint;
  /** ucif its owners earned from sales (see types.proto). */
  earned: string;
}

export interface Grant {
  id: bigint;
  assetId: bigint;
  holder: string;
  price: string;
  height: bigint;
  /** Last height of validity; 0 = forever. */
  expires: bigint;
  licence: string;
  escrowId: bigint;
}

export interface EscrowCommit {
  validator: string;
  commitment: Uint8Array;
  height: bigint;
}

export interface EscrowReveal {
  validator: string;
  accuracyPpm: number;
  height: bigint;
}

export interface EscrowScoreCommitment {
  escrowId: bigint;
  validator: string;
  accuracyPpm: number;
  salt: Uint8Array;
}

export interface Escrow {
  id: bigint;
  buyer: string;
  assetId: bigint;
  modelId: bigint;
  maxPrice: string;
  thresholdPpm: number;
  evalSet: EvalSet | undefined;
  status: EscrowStatus;
  openedHeight: bigint;
  deadline: bigint;
  phaseEnd: bigint;
  committee: string[];
  commits: EscrowCommit[];
  reveals: EscrowReveal[];
  medianAccuracyPpm: number;
  paid: string;
  refunded: string;
  grantId: bigint;
  reason: string;
}

export interface Review {
  id: bigint;
  assetId: bigint;
  reviewer: string;
  rating: number;
  examplesCid: string;
  text: string;
  deposit: string;
  height: bigint;
  matures: bigint;
  helpful: number;
  unhelpful: number;
  settled: boolean;
  forfeited: boolean;
}

export interface ReviewVote {
  reviewId: bigint;
  rater: string;
  helpful: boolean;
}

export interface ReviewerStats {
  reviewer: string;
  reviews: number;
  helpful: number;
  unhelpful: number;
  forfeited: number;
  scorePpm: number;
}

/** Params as on the wire (amounts as decimal strings); modules/market/params.ts has the typed form. */
export interface MarketParamsWire {
  protocolFeePpm: number;
  maxCuratorSharePpm: number;
  maxPortfolioItems: number;
  maxTextBytes: number;
  maxModelSpecBytes: bigint;
  maxPrice: string;
  maxExponentDen: number;
  maxExponent: number;
  escrowCommitteeSize: number;
  escrowCommitBlocks: bigint;
  escrowRevealBlocks: bigint;
  minEscrowBlocks: bigint;
  maxEscrowBlocks: bigint;
  reviewDeposit: string;
  reviewLockBlocks: bigint;
  maxReviewVotes: number;
  rewardEpochBlocks: bigint;
  dataBaseReward: string;
  maxEpochRewards: string;
  dataUseBonus: string;
  curatorUseBonus: string;
  maxKeyWraps: number;
  rewardMinRevenue: string;
}

export const ParamsCodec = codec<MarketParamsWire>("Params");
export const AssetCodec = codec<Asset>("Asset");
export const GrantCodec = codec<Grant>("Grant");
export const EscrowCodec = codec<Escrow>("Escrow");
export const EscrowScoreCommitmentCodec = codec<EscrowScoreCommitment>("EscrowScoreCommitment");
export const ReviewCodec = codec<Review>("Review");
export const ReviewerStatsCodec = codec<ReviewerStats>("ReviewerStats");

// ---- messages ---------------------------------------------------------------------------------

export interface MsgMintData {
  owner: string;
  dataHash: string;
  schema: string;
  sizeBytes: bigint;
  license: string;
  disclosure: Disclosure | undefined;
}

export interface MsgTransferAsset {
  owner: string;
  assetId: bigint;
  recipient: string;
}

export interface MsgUpdateDisclosure {
  owner: string;
  assetId: bigint;
  disclosure: Disclosure | undefined;
}

export interface MsgCreatePortfolio {
  curator: string;
  items: PortfolioItem[];
  curatorSharePpm: number;
}

export interface MsgMintModel {
  owner: string;
  modelCid: string;
  modelHash: string;
  modelSpec: string;
  provenance: Provenance | undefined;
  trainedOn: bigint[];
}

export interface MsgListAsset {
  owner: string;
  assetId: bigint;
  curve: Curve | undefined;
  accessBlocks: bigint;
  licence: string;
}

export interface MsgDelistAsset {
  owner: string;
  assetId: bigint;
}

export interface MsgBuyAccess {
  buyer: string;
  assetId: bigint;
  maxPrice: Coin | undefined;
}

export interface MsgOpenEscrow {
  buyer: string;
  assetId: bigint;
  modelId: bigint;
  maxPrice: Coin | undefined;
  thresholdPpm: number;
  evalSet: EvalSet | undefined;
  deadlineBlocks: bigint;
}

export interface MsgCommitEscrowScore {
  validator: string;
  escrowId: bigint;
  commitment: Uint8Array;
}

export interface MsgRevealEscrowScore {
  validator: string;
  escrowId: bigint;
  accuracyPpm: number;
  salt: Uint8Array;
}

export interface MsgSettleEscrow {
  sender: string;
  escrowId: bigint;
}

export interface MsgReview {
  reviewer: string;
  assetId: bigint;
  rating: number;
  examplesCid: string;
  text: string;
}

export interface MsgRateReview {
  rater: string;
  reviewId: bigint;
  helpful: boolean;
}

type Empty = Record<string, never>;

export const MsgMintData = codec<MsgMintData>("MsgMintData");
export const MsgMintDataResponse = codec<{ assetId: bigint }>("MsgMintDataResponse");
export const MsgTransferAsset = codec<MsgTransferAsset>("MsgTransferAsset");
export const MsgTransferAssetResponse = codec<Empty>("MsgTransferAssetResponse");
export const MsgUpdateDisclosure = codec<MsgUpdateDisclosure>("MsgUpdateDisclosure");
export const MsgUpdateDisclosureResponse = codec<Empty>("MsgUpdateDisclosureResponse");
export const MsgCreatePortfolio = codec<MsgCreatePortfolio>("MsgCreatePortfolio");
export const MsgCreatePortfolioResponse = codec<{ assetId: bigint }>("MsgCreatePortfolioResponse");
export const MsgMintModel = codec<MsgMintModel>("MsgMintModel");
export const MsgMintModelResponse = codec<{ assetId: bigint }>("MsgMintModelResponse");
export const MsgListAsset = codec<MsgListAsset>("MsgListAsset");
export const MsgListAssetResponse = codec<Empty>("MsgListAssetResponse");
export const MsgDelistAsset = codec<MsgDelistAsset>("MsgDelistAsset");
export const MsgDelistAssetResponse = codec<Empty>("MsgDelistAssetResponse");
export const MsgBuyAccess = codec<MsgBuyAccess>("MsgBuyAccess");
export const MsgBuyAccessResponse = codec<{ grantId: bigint; price: string }>("MsgBuyAccessResponse");
export const MsgOpenEscrow = codec<MsgOpenEscrow>("MsgOpenEscrow");
export const MsgOpenEscrowResponse = codec<{ escrowId: bigint }>("MsgOpenEscrowResponse");
export const MsgCommitEscrowScore = codec<MsgCommitEscrowScore>("MsgCommitEscrowScore");
export const MsgCommitEscrowScoreResponse = codec<Empty>("MsgCommitEscrowScoreResponse");
export const MsgRevealEscrowScore = codec<MsgRevealEscrowScore>("MsgRevealEscrowScore");
export const MsgRevealEscrowScoreResponse = codec<Empty>("MsgRevealEscrowScoreResponse");
export const MsgSettleEscrow = codec<MsgSettleEscrow>("MsgSettleEscrow");
export const MsgSettleEscrowResponse = codec<{ status: EscrowStatus; grantId: bigint }>(
  "MsgSettleEscrowResponse",
);
export const MsgReview = codec<MsgReview>("MsgReview");
export const MsgReviewResponse = codec<{ reviewId: bigint }>("MsgReviewResponse");
export const MsgRateReview = codec<MsgRateReview>("MsgRateReview");
export const MsgRateReviewResponse = codec<Empty>("MsgRateReviewResponse");

/** Every cifer.market.v1 message, [type URL, codec], for the client Registry. */
export const MARKET_MSG_TYPES = [
  MsgMintData,
  MsgTransferAsset,
  MsgUpdateDisclosure,
  MsgCreatePortfolio,
  MsgMintModel,
  MsgListAsset,
  MsgDelistAsset,
  MsgBuyAccess,
  MsgOpenEscrow,
  MsgCommitEscrowScore,
  MsgRevealEscrowScore,
  MsgSettleEscrow,
  MsgReview,
  MsgRateReview,
].map((c) => [c.typeUrl, c] as const);

// ---- queries ----------------------------------------------------------------------------------

export const QueryParamsRequest = codec<Empty>("QueryParamsRequest");
export const QueryParamsResponse = codec<{ params: MarketParamsWire | undefined }>("QueryParamsResponse");
export const QueryAssetRequest = codec<{ assetId: bigint }>("QueryAssetRequest");
export const QueryAssetResponse = codec<{ asset: Asset | undefined }>("QueryAssetResponse");
export const QueryAssetsRequest = codec<{
  kind: AssetKind;
  owner: string;
  pagination: PageRequest | undefined;
}>("QueryAssetsRequest");
export const QueryAssetsResponse = codec<{ assets: Asset[]; pagination: PageResponse | undefined }>(
  "QueryAssetsResponse",
);
export const QueryPriceRequest = codec<{ assetId: bigint }>("QueryPriceRequest");
export const QueryPriceResponse = codec<{ price: string; sales: bigint; nextPrice: string }>(
  "QueryPriceResponse",
);
export const QueryAccessRequest = codec<{ assetId: bigint; address: string }>("QueryAccessRequest");
export const QueryAccessResponse = codec<{ granted: boolean; grant: Grant | undefined; height: bigint }>(
  "QueryAccessResponse",
);
export const QueryGrantsRequest = codec<{
  holder: string;
  assetId: bigint;
  pagination: PageRequest | undefined;
}>("QueryGrantsRequest");
export const QueryGrantsResponse = codec<{ grants: Grant[]; pagination: PageResponse | undefined }>(
  "QueryGrantsResponse",
);
export const QueryEscrowRequest = codec<{ escrowId: bigint }>("QueryEscrowRequest");
export const QueryEscrowResponse = codec<{ escrow: Escrow | undefined }>("QueryEscrowResponse");
export const QueryEscrowsRequest = codec<{ status: EscrowStatus; pagination: PageRequest | undefined }>(
  "QueryEscrowsRequest",
);
export const QueryEscrowsResponse = codec<{ escrows: Escrow[]; pagination: PageResponse | undefined }>(
  "QueryEscrowsResponse",
);
export const QueryReviewsRequest = codec<{ assetId: bigint; pagination: PageRequest | undefined }>(
  "QueryReviewsRequest",
);
export const QueryReviewsResponse = codec<{ reviews: Review[]; pagination: PageResponse | undefined }>(
  "QueryReviewsResponse",
);
export const QueryReviewerRequest = codec<{ reviewer: string }>("QueryReviewerRequest");
export const QueryReviewerResponse = codec<{ stats: ReviewerStats | undefined }>("QueryReviewerResponse");
export const QueryModelOfTaskRequest = codec<{ taskId: bigint }>("QueryModelOfTaskRequest");
export const QueryModelOfTaskResponse = codec<{ asset: Asset | undefined }>("QueryModelOfTaskResponse");
