import { concatBytes } from "../../chain/crypto/hash.ts";
import { readU64, u32, u64 } from "../fl/keys.ts";

// Store layout of market. Ids and heights are big-endian, so iteration runs in numeric order: assets,
// grants, escrows and reviews by id, indexes by their leading field then id, the wake-up queue by
// height. Addresses are length-prefixed bytes.
const PARAMS = Uint8Array.of(0x00);
const NEXT_ID = Uint8Array.of(0x01);
const ASSET = Uint8Array.of(0x02);
const ASSET_BY_OWNER = Uint8Array.of(0x03);
const ASSET_BY_KIND = Uint8Array.of(0x04);
const MODEL_OF_TASK = Uint8Array.of(0x05);
const GRANT = Uint8Array.of(0x06);
const GRANT_BY_HOLDER = Uint8Array.of(0x07);
const GRANT_BY_ASSET = Uint8Array.of(0x08);
const ESCROW = Uint8Array.of(0x09);
const ESCROW_BY_STATUS = Uint8Array.of(0x0a);
const REVIEW = Uint8Array.of(0x0b);
const REVIEW_BY_ASSET = Uint8Array.of(0x0c);
const REVIEW_BY_AUTHOR = Uint8Array.of(0x0d);
const VOTE = Uint8Array.of(0x0e);
const REVIEWER = Uint8Array.of(0x0f);
const EPOCH_EARNED = Uint8Array.of(0x10);
const WAKE = Uint8Array.of(0x11);

export { readU64, u64 };

const lp = (a: Uint8Array) => concatBytes(Uint8Array.of(a.length), a);

/** Id sequences, one per record kind. */
export type Sequence = "asset" | "grant" | "escrow" | "review";
const SEQ: Record<Sequence, number> = { asset: 1, grant: 2, escrow: 3, review: 4 };

/** What the wake-up queue wakes: an escrow's phase or deadline, a review's maturity. */
export enum WakeKind {
  Escrow = 1,
  Review = 2,
}

export const paramsKey = PARAMS;
export const nextIdKey = (s: Sequence) => concatBytes(NEXT_ID, Uint8Array.of(SEQ[s]));
export const assetPrefix = ASSET;
export const assetKey = (id: bigint) => concatBytes(ASSET, u64(id));
export const ownerPrefix = (owner: Uint8Array) => concatBytes(ASSET_BY_OWNER, lp(owner));
export const ownerKey = (owner: Uint8Array, id: bigint) => concatBytes(ownerPrefix(owner), u64(id));
export const kindPrefix = (kind: number) => concatBytes(ASSET_BY_KIND, u32(kind));
export const kindKey = (kind: number, id: bigint) => concatBytes(kindPrefix(kind), u64(id));
export const modelOfTaskKey = (taskId: bigint) => concatBytes(MODEL_OF_TASK, u64(taskId));
export const grantKey = (id: bigint) => concatBytes(GRANT, u64(id));
export const holderPrefix = (holder: Uint8Array) => concatBytes(GRANT_BY_HOLDER, lp(holder));
export const holderAssetPrefix = (holder: Uint8Array, asset: bigint) =>
  concatBytes(holderPrefix(holder), u64(asset));
export const holderKey = (holder: Uint8Array, asset: bigint, grant: bigint) =>
  concatBytes(holderAssetPrefix(holder, asset), u64(grant));
export const assetGrantsPrefix = (asset: bigint) => concatBytes(GRANT_BY_ASSET, u64(asset));
export const assetGrantKey = (asset: bigint, grant: bigint) =>
  concatBytes(assetGrantsPrefix(asset), u64(grant));
export const escrowPrefix = ESCROW;
export const escrowKey = (id: bigint) => concatBytes(ESCROW, u64(id));
export const escrowStatusPrefix = (status: number) => concatBytes(ESCROW_BY_STATUS, u32(status));
export const escrowStatusKey = (status: number, id: bigint) =>
  concatBytes(escrowStatusPrefix(status), u64(id));
export const reviewPrefix = REVIEW;
export const reviewKey = (id: bigint) => concatBytes(REVIEW, u64(id));
export const assetReviewsPrefix = (asset: bigint) => concatBytes(REVIEW_BY_ASSET, u64(asset));
export const assetReviewKey = (asset: bigint, review: bigint) =>
  concatBytes(assetReviewsPrefix(asset), u64(review));
export const authorKey = (reviewer: Uint8Array, asset: bigint) =>
  concatBytes(REVIEW_BY_AUTHOR, lp(reviewer), u64(asset));
export const voteKey = (review: bigint, rater: Uint8Array) => concatBytes(VOTE, u64(review), lp(rater));
export const reviewerKey = (reviewer: Uint8Array) => concatBytes(REVIEWER, lp(reviewer));
export const epochEarnedPrefix = (epoch: bigint) => concatBytes(EPOCH_EARNED, u64(epoch));
export const epochEarnedKey = (epoch: bigint, dataId: bigint) =>
  concatBytes(epochEarnedPrefix(epoch), u64(dataId));
export const wakePrefix = WAKE;
export const wakeKey = (height: bigint, kind: WakeKind, id: bigint) =>
  concatBytes(WAKE, u64(height), Uint8Array.of(kind), u64(id));
/** Offsets in a wake key (after its one-byte prefix): height 1..9, kind 9, id 10..18. */
export const WAKE_KIND_AT = 9;
export const WAKE_ID_AT = 10;
