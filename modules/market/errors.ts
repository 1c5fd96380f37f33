import { ChainError } from "../../chain/app/errors.ts";

/** Codes of the market codespace: every refusal of the module names what was wrong with the input. */
export const MARKET_CODESPACE = "market";

export enum MarketCode {
  InvalidHash = 2,
  InvalidText = 3,
  InvalidCid = 4,
  AssetNotFound = 5,
  NotOwner = 6,
  WrongAssetKind = 7,
  InvalidPortfolio = 8,
  InvalidCurve = 9,
  NotListed = 10,
  PriceAboveMax = 11,
  InvalidPrice = 12,
  InvalidProvenance = 13,
  InvalidModelSpec = 14,
  AlreadyMinted = 15,
  InvalidEscrow = 16,
  EscrowNotFound = 17,
  WrongEscrowStatus = 18,
  NotCommitteeMember = 19,
  CommitmentMismatch = 20,
  AlreadySettled = 21,
  NoAccess = 22,
  DuplicateReview = 23,
  ReviewNotFound = 24,
  DuplicateVote = 25,
  InvalidRating = 26,
  OwnAsset = 27,
  InvalidRecipient = 28,
  TooManyVotes = 29,
}

const DESCRIPTIONS: Record<MarketCode, string> = {
  [MarketCode.InvalidHash]: "invalid hash",
  [MarketCode.InvalidText]: "invalid text field",
  [MarketCode.InvalidCid]: "invalid cid",
  [MarketCode.AssetNotFound]: "asset not found",
  [MarketCode.NotOwner]: "not the asset owner",
  [MarketCode.WrongAssetKind]: "wrong asset kind",
  [MarketCode.InvalidPortfolio]: "invalid portfolio",
  [MarketCode.InvalidCurve]: "invalid bonding curve",
  [MarketCode.NotListed]: "asset not listed",
  [MarketCode.PriceAboveMax]: "price above the buyer's maximum",
  [MarketCode.InvalidPrice]: "invalid price",
  [MarketCode.InvalidProvenance]: "invalid provenance",
  [MarketCode.InvalidModelSpec]: "invalid model spec",
  [MarketCode.AlreadyMinted]: "model already minted",
  [MarketCode.InvalidEscrow]: "invalid escrow",
  [MarketCode.EscrowNotFound]: "escrow not found",
  [MarketCode.WrongEscrowStatus]: "wrong escrow status",
  [MarketCode.NotCommitteeMember]: "not a committee member",
  [MarketCode.CommitmentMismatch]: "reveal does not match the commitment",
  [MarketCode.AlreadySettled]: "escrow already settled",
  [MarketCode.NoAccess]: "no access grant",
  [MarketCode.DuplicateReview]: "duplicate review",
  [MarketCode.ReviewNotFound]: "review not found",
  [MarketCode.DuplicateVote]: "duplicate vote",
  [MarketCode.InvalidRating]: "invalid rating",
  [MarketCode.OwnAsset]: "own asset",
  [MarketCode.InvalidRecipient]: "invalid recipient",
  [MarketCode.TooManyVotes]: "too many votes",
};

export const marketError = (code: MarketCode, message: string) =>
  new ChainError(MARKET_CODESPACE, code, message, DESCRIPTIONS[code]);
