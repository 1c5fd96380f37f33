/** Public API of the Cifer client library. */
export {
  CiferClient,
  type ChainStatus,
  type CiferQueryClient,
  DEFAULT_RPC_URL,
  type Fee,
  LOCAL_CHAIN_ID,
  msgSend,
  ReadOnlyClientError,
  type SlashingExtension,
} from "./cifer-client.ts";
export {
  accountFromValoper,
  VALCONS_PREFIX,
  VALOPER_PREFIX,
  valconsFromPubkey,
  valoperFromAccount,
} from "./addresses.ts";
export * from "./msgs.ts";
export {
  REPUTATION_TIER_NAMES,
  type ReputationExtension,
  type ReputationHistoryPage,
  type ReputationParams,
  type ReputationSample,
  ReputationTier,
  setupReputationExtension,
  type ValidatorReputation,
} from "./reputation.ts";
export { ciferRegistryTypes, createCiferRegistry } from "./registry.ts";
export {
  type FlExtension,
  FlPayout,
  FlPrivacy,
  FlRule,
  FlTaskStatus,
  setupFlExtension,
} from "./fl/query.ts";
export {
  FlTrainer,
  type RoundOutcome,
  type TrainerEvent,
  type TrainerOptions,
  type TrainerResult,
  TrainerError,
} from "./fl/trainer.ts";
export { BlobClientError, getBlob, putBlob } from "./fl/blobs.ts";
export {
  type EvalData,
  type EvalDataSource,
  EvaluatorError,
  loadEvalData,
  type PreparedEvalSet,
  type PrepareEvalSetOptions,
  prepareEvalSet,
} from "./fl/eval-set.ts";
export { joinBondOf, joinBondShortfall } from "./fl/join-bond.ts";
export { createdTaskId, msgCancelTask, msgCreateTask, msgJoinTask, msgSubmitUpdate } from "./fl/msgs.ts";
export {
  type GrantsFilter,
  MarketAssetKind,
  type MarketAccess,
  MarketCurveKind,
  MarketEscrowStatus,
  type MarketExtension,
  type MarketPrice,
  setupMarketExtension,
} from "./market/query.ts";
export {
  boughtAccess,
  createdAssetId,
  createdReviewId,
  msgBuyAccess,
  msgCommitEscrowScore,
  msgCreatePortfolio,
  msgDelistAsset,
  msgListAsset,
  msgMintData,
  msgMintModel,
  msgOpenEscrow,
  msgRateReview,
  msgRevealEscrowScore,
  msgReview,
  msgSettleEscrow,
  msgTransferAsset,
  msgUpdateDisclosure,
  openedEscrowId,
  settledEscrow,
} from "./market/msgs.ts";
export { type TaskModel, type TaskRecordQueries, taskModelOf, taskRecordOf } from "./market/provenance.ts";
export { type AccessQueries, adr36SignDoc, verifyAccess, verifyAdr36Signature } from "./market/access.ts";
export {
  BASE_DENOM,
  DEFAULT_GAS_PRICE,
  DISPLAY_DECIMALS,
  DISPLAY_DENOM,
  formatCif,
  formatCoin,
  InvalidAmountError,
  parseCoin,
  parseCoins,
} from "./amounts.ts";
export * from "./keys/index.ts";
export { BECH32_PREFIX, InvalidAddressError, parseAddress } from "../chain/crypto/address.ts";
