/**
 * The trainer SDK's public types (client/fl/trainer.ts): its options, the progress events it reports
 * (phases waiting, training, uploading, submitted, missed, final, ended) and its result.
 */
import type { Coin, EncodeObject } from "@cosmjs/proto-signing";
import type { Task, TaskStatus } from "../../modules/fl/proto.ts";
import type { CiferClient, Fee } from "../cifer-client.ts";
import type { Attack } from "./attacks.ts";
import type { Tf } from "./backend.ts";
import type { Dataset } from "./dataset.ts";

/** What the trainer cannot get past (the task ended, the data does not fit, the node stalled, ...). */
export class TrainerError extends Error {
  override name = "TrainerError";
}

export interface TrainerOptions {
  /** A client with the trainer's signer (CiferClient.connectWithSigner). */
  client: CiferClient;
  /** The trainer's account (one of the signer's). */
  address: string;
  /** The node whose blob API stores the updates (usually the client's RPC URL). */
  nodeUrl: string;
  taskId: bigint;
  data: Dataset;
  /** TensorFlow.js, initialized; by default initTf() (tfjs-node-gpu, then wasm, then cpu). */
  tf?: Tf;
  /** Submit to this many rounds, then stop (after following the last one to its end). */
  rounds?: number;
  /** Follow the last submitted round to its end (default true); false returns right after it. */
  follow?: boolean;
  /** Overrides of the task's training settings. */
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** For demos and tests only: send a byzantine update instead of an honest one (client/fl/attacks.ts). */
  attack?: Attack;
  /** Seeds the gaussian attack's noise (with the round number). */
  seed?: number;
  /** Chain polling interval, ms (clamped to [100, 60000]; default 1000). */
  pollIntervalMs?: number;
  /** The whole run fails after this long (default 7 days). */
  timeoutMs?: number;
  /** The run fails if the node's height does not move for this long (default 5 minutes). */
  stallTimeoutMs?: number;
  /** The fee of each tx, or how to compute it from its messages (default "auto"). */
  fee?: Fee | ((messages: EncodeObject[]) => Promise<Fee>);
  /** Stops the run between steps (Ctrl-C); a step under way (training, a tx) finishes first. */
  signal?: AbortSignal;
  onProgress?: (event: TrainerEvent) => void;
}

/** What this trainer sent in a round. */
export interface SentUpdate {
  cid: string;
  samples: number;
  /** Mean loss of the last local epoch (undefined when it was not trained here, e.g. resumed). */
  loss: number | undefined;
}

/** How a round this trainer submitted to ended. */
export interface RoundOutcome {
  round: number;
  status: "paid" | "failed" | "cancelled";
  update: SentUpdate;
  /** The round's global model, once its committee agreed on it. */
  globalCid: string | undefined;
  /** The committee left this trainer's update out of the aggregate. */
  excluded: boolean;
  /** ucif paid to this trainer for the round. */
  reward: bigint;
}

export type TrainerEvent =
  | {
      phase: "joined";
      taskId: bigint;
      /** Deposited with the join (amount "0" when the task takes no bond). */
      bond: Coin;
      txHash: string;
      height: number;
    }
  | { phase: "waiting"; round: number; height: number; detail: string }
  | { phase: "training"; round: number; epoch: number; epochs: number; loss: number | undefined }
  | { phase: "uploading"; round: number; bytes: number }
  | {
      phase: "submitted";
      round: number;
      update: SentUpdate;
      txHash: string | undefined;
      height: number | undefined;
    }
  | { phase: "missed"; round: number; reason: string }
  | { phase: "final"; outcome: RoundOutcome }
  | { phase: "ended"; status: TaskStatus; reason: string };

export interface TrainerResult {
  /** Why the run stopped. */
  stop: "task-ended" | "rounds-done" | "aborted";
  task: Task;
  /** Rounds this run submitted to that ended, in order. */
  outcomes: RoundOutcome[];
  /** Rounds this run submitted to (ended or not). */
  submitted: number;
}
