/**
 * Builders of the cifer.market.v1 messages, typed for `signAndBroadcast` (the codecs are the node's
 * own, registered in client/registry.ts), and readers of what a delivered tx created (its msg
 * responses). They take already validated values (client/cli/commands/market-options.ts parses what
 * people type); prices are ucif as bigint.
 */
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { DeliverTxResponse } from "@cosmjs/stargate";
import type { EvalSet } from "../../modules/fl/proto.ts";
import {
  type Curve,
  type Disclosure,
  type EscrowStatus,
  MsgBuyAccess,
  MsgBuyAccessResponse,
  MsgCommitEscrowScore,
  MsgCreatePortfolio,
  MsgCreatePortfolioResponse,
  MsgDelistAsset,
  MsgListAsset,
  MsgMintData,
  MsgMintDataResponse,
  MsgMintModel,
  MsgMintModelResponse,
  MsgOpenEscrow,
  MsgOpenEscrowResponse,
  MsgRateReview,
  MsgReview,
  MsgReviewResponse,
  MsgRevealEscrowScore,
  MsgSettleEscrow,
  MsgSettleEscrowResponse,
  MsgTransferAsset,
  MsgUpdateDisclosure,
  type MarketCodec,
  type PortfolioItem,
  type Provenance,
} from "../../modules/market/proto.ts";
import { BASE_DENOM } from "../amounts.ts";

const encodeObject = <T>(codec: MarketCodec<T>, value: Partial<T>): EncodeObject => ({
  typeUrl: codec.typeUrl,
  value: codec.fromPartial(value),
});

const ucif = (amount: bigint) => ({ denom: BASE_DENOM, amount: amount.toString() });

/** A $Data NFT of a dataset's sha256 (lower-case hex); the data itself never leaves its owner. */
export const msgMintData = (m: {
  owner: string;
  dataHash: string;
  schema: string;
  sizeBytes: bigint;
  license: string;
  disclosure?: Disclosure;
}): EncodeObject => encodeObject(MsgMintData, m);

export const msgTransferAsset = (owner: string, assetId: bigint, recipient: string): EncodeObject =>
  encodeObject(MsgTransferAsset, { owner, assetId, recipient });

/** Replaces the whole disclosure of a $Data asset (fields left empty are cleared). */
export const msgUpdateDisclosure = (owner: string, assetId: bigint, disclosure: Disclosure): EncodeObject =>
  encodeObject(MsgUpdateDisclosure, { owner, assetId, disclosure });

/** Items sorted by data id, weights in millionths summing to 1000000 (the chain checks both). */
export const msgCreatePortfolio = (m: {
  curator: string;
  items: PortfolioItem[];
  curatorSharePpm: number;
}): EncodeObject => encodeObject(MsgCreatePortfolio, m);

/** With `provenance` (from taskModelOf, provenance.ts) the chain checks it against the FL task. */
export const msgMintModel = (m: {
  owner: string;
  modelCid: string;
  modelHash: string;
  modelSpec?: string;
  provenance?: Provenance;
  trainedOn?: bigint[];
}): EncodeObject => encodeObject(MsgMintModel, m);

export const msgListAsset = (m: {
  owner: string;
  assetId: bigint;
  curve: Curve;
  /** How long a grant lasts, in blocks; 0 = forever. */
  accessBlocks: bigint;
  licence: string;
}): EncodeObject => encodeObject(MsgListAsset, m);

export const msgDelistAsset = (owner: string, assetId: bigint): EncodeObject =>
  encodeObject(MsgDelistAsset, { owner, assetId });

/** Pays the asset's current price, refused by the chain if it exceeds `maxPrice` ucif. */
export const msgBuyAccess = (buyer: string, assetId: bigint, maxPrice: bigint): EncodeObject =>
  encodeObject(MsgBuyAccess, { buyer, assetId, maxPrice: ucif(maxPrice) });

/** `evalSet` from prepareEvalSet (client/fl/eval-set.ts) with the buyer as its owner. */
export const msgOpenEscrow = (m: {
  buyer: string;
  assetId: bigint;
  modelId: bigint;
  maxPrice: bigint;
  thresholdPpm: number;
  evalSet: EvalSet;
  deadlineBlocks: bigint;
}): EncodeObject => encodeObject(MsgOpenEscrow, { ...m, maxPrice: ucif(m.maxPrice) });

/** A committee member's commitment (modules/market/escrow-commit.ts); the validators' service sends it. */
export const msgCommitEscrowScore = (
  validator: string,
  escrowId: bigint,
  commitment: Uint8Array,
): EncodeObject => encodeObject(MsgCommitEscrowScore, { validator, escrowId, commitment });

export const msgRevealEscrowScore = (m: {
  validator: string;
  escrowId: bigint;
  accuracyPpm: number;
  salt: Uint8Array;
}): EncodeObject => encodeObject(MsgRevealEscrowScore, m);

export const msgSettleEscrow = (sender: string, escrowId: bigint): EncodeObject =>
  encodeObject(MsgSettleEscrow, { sender, escrowId });

export const msgReview = (m: {
  reviewer: string;
  assetId: bigint;
  rating: number;
  examplesCid?: string;
  text?: string;
}): EncodeObject => encodeObject(MsgReview, m);

export const msgRateReview = (rater: string, reviewId: bigint, helpful: boolean): EncodeObject =>
  encodeObject(MsgRateReview, { rater, reviewId, helpful });

// ----- what a delivered tx created --------------------------------------------------------------------

/** The first msg response of type `codec` in a delivered tx, decoded. */
function responseOf<T>(res: DeliverTxResponse, codec: MarketCodec<T>): T | undefined {
  const r = res.msgResponses.find((m) => m.typeUrl === codec.typeUrl);
  return r ? codec.decode(r.value) : undefined;
}

/** The id of the asset a MsgMintData, MsgCreatePortfolio or MsgMintModel created. */
export function createdAssetId(res: DeliverTxResponse): bigint | undefined {
  for (const codec of [MsgMintDataResponse, MsgCreatePortfolioResponse, MsgMintModelResponse]) {
    const r = responseOf(res, codec);
    if (r) return r.assetId;
  }
  return undefined;
}

/** The grant a MsgBuyAccess minted and the price paid (ucif). */
export const boughtAccess = (res: DeliverTxResponse): { grantId: bigint; price: string } | undefined =>
  responseOf(res, MsgBuyAccessResponse);

export const openedEscrowId = (res: DeliverTxResponse): bigint | undefined =>
  responseOf(res, MsgOpenEscrowResponse)?.escrowId;

/** How a MsgSettleEscrow ended the escrow (released or refunded), and the grant it minted if paid. */
export const settledEscrow = (
  res: DeliverTxResponse,
): { status: EscrowStatus; grantId: bigint } | undefined => responseOf(res, MsgSettleEscrowResponse);

export const createdReviewId = (res: DeliverTxResponse): bigint | undefined =>
  responseOf(res, MsgReviewResponse)?.reviewId;
