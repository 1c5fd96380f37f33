// The consensus engine's public surface, for the node and the simulator.
export { buildCommit } from "./commit.ts";
export { ConsensusEngine, PROPOSAL_ROUND_WINDOW } from "./engine.ts";
export { EngineError, EngineErrorCode } from "./errors.ts";
export { duplicateVoteEvidence } from "./evidence.ts";
export {
  decodeConsensusMessage,
  encodeConsensusMessage,
  MAX_VOTE_MESSAGE_BYTES,
  PROPOSAL_OVERHEAD_BYTES,
} from "./messages.ts";
export { RoundProposers, ValidatorSet } from "./proposer.ts";
export { DEFAULT_ENGINE_TIMEOUTS, timeoutMs } from "./timeouts.ts";
export * from "./types.ts";
export { VoteSet } from "./vote-set.ts";
export { ConsensusWal, type WalOptions } from "./wal.ts";
