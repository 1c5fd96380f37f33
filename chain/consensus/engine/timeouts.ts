import { type TimeoutConfig, TimeoutStep } from "./types.ts";

/** CometBFT's defaults (config.DefaultConsensusConfig) plus a 1 s re-broadcast period. */
export const DEFAULT_ENGINE_TIMEOUTS: TimeoutConfig = {
  proposeMs: 3000,
  proposeDeltaMs: 500,
  prevoteMs: 1000,
  prevoteDeltaMs: 500,
  precommitMs: 1000,
  precommitDeltaMs: 500,
  commitMs: 1000,
  gossipMs: 1000,
};

/** How long a step of `round` waits: base + delta * round, in whole milliseconds. */
export function timeoutMs(cfg: TimeoutConfig, step: TimeoutStep, round: number): number {
  switch (step) {
    case TimeoutStep.NewHeight:
      return cfg.commitMs;
    case TimeoutStep.Propose:
      return cfg.proposeMs + cfg.proposeDeltaMs * round;
    case TimeoutStep.Prevote:
      return cfg.prevoteMs + cfg.prevoteDeltaMs * round;
    case TimeoutStep.Precommit:
      return cfg.precommitMs + cfg.precommitDeltaMs * round;
    case TimeoutStep.Gossip:
      return cfg.gossipMs;
  }
}

export function resolveTimeouts(partial: Partial<TimeoutConfig> | undefined): TimeoutConfig {
  const cfg = { ...DEFAULT_ENGINE_TIMEOUTS, ...partial };
  for (const [k, v] of Object.entries(cfg))
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`timeout ${k} must be a non-negative integer`);
  return cfg;
}
