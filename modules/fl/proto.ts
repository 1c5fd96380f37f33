import type { FlParams } from "./params.ts";
import { type ProtoCodec, protoCodecs } from "../../proto/codec.ts";

// cifer.fl.v1 (proto/cifer/fl/v1/*.proto), encoded with protobufjs through the shared reflection
// codec (proto/codec.ts). The node, the client Registry and the tests share these codecs, as Cosmos
// chains and clients share generated types.

/** A cifer.fl.v1 codec. */
export type FlCodec<T> = ProtoCodec<T>;

const codec = protoCodecs("cifer.fl.v1", [
  "cifer/fl/v1/types.proto",
  "cifer/fl/v1/tx.proto",
  "cifer/fl/v1/query.proto",
]);

export { encode } from "../../proto/codec.ts";

// ---- enums ------------------------------------------------------------------------------------

export enum Rule {
  Unspecified = 0,
  FedAvg = 1,
  Median = 2,
  TrimmedMean = 3,
  Krum = 4,
  MultiKrum = 5,
  Bulyan = 6,
  Trust = 7,
}

export const RULE_NAMES: Record<Rule, string> = {
  [Rule.Unspecified]: "unspecified",
  [Rule.FedAvg]: "fedavg",
  [Rule.Median]: "median",
  [Rule.TrimmedMean]: "trimmed_mean",
  [Rule.Krum]: "krum",
  [Rule.MultiKrum]: "multikrum",
  [Rule.Bulyan]: "bulyan",
  [Rule.Trust]: "trust",
};

export enum TaskStatus {
  Unspecified = 0,
  Open = 1,
  Running = 2,
  Finished = 3,
  Failed = 4,
  Cancelled = 5,
}

export const TASK_STATUS_NAMES: Record<TaskStatus, string> = {
  [TaskStatus.Unspecified]: "unspecified",
  [TaskStatus.Open]: "open",
  [TaskStatus.Running]: "running",
  [TaskStatus.Finished]: "finished",
  [TaskStatus.Failed]: "failed",
  [TaskStatus.Cancelled]: "cancelled",
};

export enum RoundStatus {
  Unspecified = 0,
  Collecting = 1,
  Aggregating = 2,
  Final = 3,
  Paid = 4,
  Failed = 5,
  Cancelled = 6,
}

export enum StageStatus {
  Unspecified = 0,
  Waiting = 1,
  Aggregating = 2,
  Final = 3,
  Failed = 4,
  Committing = 5,
  Revealing = 6,
}

export enum DisputeStatus {
  None = 0,
  Open = 1,
  Upheld = 2,
  Rejected = 3,
  Inconclusive = 4,
}

export enum Privacy {
  Plain = 0,
  Ckks = 1,
}

export const PRIVACY_NAMES: Record<Privacy, string> = { [Privacy.Plain]: "plain", [Privacy.Ckks]: "ckks" };

export enum Payout {
  Samples = 0,
  Contribution = 1,
}

export const PAYOUT_NAMES: Record<Payout, string> = {
  [Payout.Samples]: "samples",
  [Payout.Contribution]: "contribution",
};

// ---- state ------------------------------------------------------------------------------------

export interface KeyWrap {
  validator: string;
  wrap: Uint8Array;
}

export interface EvalSet {
  cid: string;
  records: number;
  wraps: KeyWrap[];
}

export interface Coin {
  denom: string;
  amount: string;
}

export interface RuleParams {
  f: number;
  m: number;
  betaPpm: number;
}

/** Params on the wire: the same fields, the deposit as a Cosmos Int string. */
export type FlParamsWire = Omit<FlParams, "disputeDeposit"> & { disputeDeposit: string };

export interface Task {
  id: bigint;
  owner: string;
  genesisWeightsCid: string;
  rewardPool: Coin | undefined;
  rounds: number;
  roundBlocks: bigint;
  minParticipants: number;
  maxParticipants: number;
  rule: Rule;
  ruleParams: RuleParams | undefined;
  committeeSize: number;
  subgroupSize: number;
  paramCount: bigint;
  updateBytes: bigint;
  status: TaskStatus;
  currentRound: number;
  participantCount: number;
  escrow: string;
  paid: string;
  refunded: string;
  heldDeposits: string;
  globalModelCid: string;
  createdHeight: bigint;
  endedHeight: bigint;
  nextWake: bigint;
  privacy: Privacy;
  payout: Payout;
  evalSet: EvalSet | undefined;
  joinBond: string;
  heldBonds: string;
  ckksPublicKeyCid: string;
}

export interface Round {
  taskId: bigint;
  round: number;
  status: RoundStatus;
  startHeight: bigint;
  deadline: bigint;
  extensions: number;
  updateCount: number;
  totalSamples: bigint;
  subgroupCount: number;
  finalHeight: bigint;
  disputeEnd: bigint;
  aggregateCid: string;
  aggregateHash: string;
  budget: string;
  paidTrainers: string;
  paidCommittee: string;
  evaluated: boolean;
  globalAccuracyPpm: number;
  modelCid: string;
  modelHash: string;
  publishDeadline: bigint;
  evalSeed: Uint8Array;
}

export interface CommitteeMember {
  validator: string;
  power: bigint;
}

export interface Report {
  validator: string;
  cid: string;
  hash: string;
  excluded: string[];
  height: bigint;
}

export interface Dispute {
  status: DisputeStatus;
  opener: string;
  deposit: string;
  openedHeight: bigint;
  deadline: bigint;
  committee: CommitteeMember[];
  reports: Report[];
  resultHash: string;
}

export interface Score {
  participant: string;
  trustPpm: number;
  accuracyPpm: number;
}

export interface ScoreSheet {
  scores: Score[];
  referenceNormNano: bigint;
  globalAccuracyPpm: number;
}

export interface ScoreCommitment {
  taskId: bigint;
  round: number;
  subgroup: number;
  attempt: number;
  validator: string;
  sheet: ScoreSheet | undefined;
  salt: Uint8Array;
}

export interface ScoreCommit {
  validator: string;
  commitment: Uint8Array;
  height: bigint;
}

export interface ScoreReveal {
  validator: string;
  sheet: ScoreSheet | undefined;
  height: bigint;
}

export interface EvaluatorResult {
  validator: string;
  agreementPpm: number;
  withinTolerance: boolean;
}

export interface Evaluation {
  medians: Score[];
  referenceNormNano: bigint;
  globalAccuracyPpm: number;
  evaluators: EvaluatorResult[];
  contributionPpm: number[];
}

export interface Stage {
  taskId: bigint;
  round: number;
  index: number;
  status: StageStatus;
  attempt: number;
  committee: CommitteeMember[];
  aggregateDeadline: bigint;
  reports: Report[];
  updateCount: number;
  samples: bigint;
  aggregateCid: string;
  aggregateHash: string;
  excluded: string[];
  acceptedSamples: bigint;
  agreed: string[];
  finalHeight: bigint;
  dispute: Dispute | undefined;
  commitDeadline: bigint;
  revealDeadline: bigint;
  commits: ScoreCommit[];
  reveals: ScoreReveal[];
  evaluation: Evaluation | undefined;
}

export interface Update {
  taskId: bigint;
  round: number;
  participant: string;
  cid: string;
  sizeBytes: bigint;
  samples: bigint;
  height: bigint;
  subgroup: number;
  evaluated: boolean;
  trustPpm: number;
  accuracyPpm: number;
  contributionPpm: number;
}

export interface Participant {
  taskId: bigint;
  address: string;
  joinedHeight: bigint;
  updates: number;
  earned: string;
  bond: string;
  contributionTotalPpm: bigint;
}

export interface PageRequest {
  key: Uint8Array;
  offset: bigint;
  limit: bigint;
  countTotal: boolean;
  reverse: boolean;
}

export interface PageResponse {
  nextKey: Uint8Array;
  total: bigint;
}

export const ParamsCodec = codec<FlParamsWire>("Params");
export const TaskCodec = codec<Task>("Task");
export const RoundCodec = codec<Round>("Round");
export const StageCodec = codec<Stage>("Stage");
export const UpdateCodec = codec<Update>("Update");
export const ParticipantCodec = codec<Participant>("Participant");
export const ScoreCommitmentCodec = codec<ScoreCommitment>("ScoreCommitment");

// ---- messages ---------------------------------------------------------------------------------

export interface MsgCreateTask {
  owner: string;
  modelSpec: string;
  genesisWeightsCid: string;
  rewardPool: Coin | undefined;
  rounds: number;
  roundBlocks: bigint;
  minParticipants: number;
  maxParticipants: number;
  rule: Rule;
  ruleParams: RuleParams | undefined;
  committeeSize: number;
  subgroupSize: number;
  // #6's fields; absent in #5's clients, read as their proto3 defaults.
  privacy?: Privacy;
  payout?: Payout;
  evalSet?: EvalSet | undefined;
  joinBond?: string;
  ckksPublicKeyCid?: string;
}

export interface MsgJoinTask {
  participant: string;
  taskId: bigint;
}

export interface MsgSubmitUpdate {
  participant: string;
  taskId: bigint;
  round: number;
  cid: string;
  sizeBytes: bigint;
  samples: bigint;
}

export interface MsgSubmitAggregate {
  validator: string;
  taskId: bigint;
  round: number;
  subgroup: number;
  attempt: number;
  cid: string;
  hash: string;
  excluded: string[];
  dispute: boolean;
}

export interface MsgOpenDispute {
  opener: string;
  taskId: bigint;
  round: number;
  subgroup: number;
}

export interface MsgCommitScores {
  validator: string;
  taskId: bigint;
  round: number;
  subgroup: number;
  attempt: number;
  commitment: Uint8Array;
}

export interface MsgRevealScores {
  validator: string;
  taskId: bigint;
  round: number;
  subgroup: number;
  attempt: number;
  sheet: ScoreSheet | undefined;
  salt: Uint8Array;
}

export interface MsgPublishModel {
  owner: string;
  taskId: bigint;
  round: number;
  cid: string;
  hash: string;
}

export interface MsgCancelTask {
  owner: string;
  taskId: bigint;
}

// biome-ignore lint/complexity/noBannedTypes: empty protobuf responses
type Empty = {};

export const MsgCreateTask = codec<MsgCreateTask>("MsgCreateTask");
export const MsgCreateTaskResponse = codec<{ taskId: bigint }>("MsgCreateTaskResponse");
export const MsgJoinTask = codec<MsgJoinTask>("MsgJoinTask");
export const MsgJoinTaskResponse = codec<Empty>("MsgJoinTaskResponse");
export const MsgSubmitUpdate = codec<MsgSubmitUpdate>("MsgSubmitUpdate");
export const MsgSubmitUpdateResponse = codec<Empty>("MsgSubmitUpdateResponse");
export const MsgSubmitAggregate = codec<MsgSubmitAggregate>("MsgSubmitAggregate");
export const MsgSubmitAggregateResponse = codec<Empty>("MsgSubmitAggregateResponse");
export const MsgOpenDispute = codec<MsgOpenDispute>("MsgOpenDispute");
export const MsgOpenDisputeResponse = codec<Empty>("MsgOpenDisputeResponse");
export const MsgCancelTask = codec<MsgCancelTask>("MsgCancelTask");
export const MsgCancelTaskResponse = codec<Empty>("MsgCancelTaskResponse");
export const MsgCommitScores = codec<MsgCommitScores>("MsgCommitScores");
export const MsgCommitScoresResponse = codec<Empty>("MsgCommitScoresResponse");
export const MsgRevealScores = codec<MsgRevealScores>("MsgRevealScores");
export const MsgRevealScoresResponse = codec<Empty>("MsgRevealScoresResponse");
export const MsgPublishModel = codec<MsgPublishModel>("MsgPublishModel");
export const MsgPublishModelResponse = codec<Empty>("MsgPublishModelResponse");

/** Every cifer.fl.v1 message, [type URL, codec], for the client Registry. */
export const FL_MSG_TYPES = [
  MsgCreateTask,
  MsgJoinTask,
  MsgSubmitUpdate,
  MsgSubmitAggregate,
  MsgOpenDispute,
  MsgCancelTask,
  MsgCommitScores,
  MsgRevealScores,
  MsgPublishModel,
].map((c) => [c.typeUrl, c] as const);

// ---- queries ----------------------------------------------------------------------------------

export const QueryParamsRequest = codec<Empty>("QueryParamsRequest");
export const QueryParamsResponse = codec<{ params: FlParamsWire | undefined }>("QueryParamsResponse");
export const QueryTaskRequest = codec<{ taskId: bigint }>("QueryTaskRequest");
export const QueryTaskResponse = codec<{ task: Task | undefined; modelSpec: string }>("QueryTaskResponse");
export const QueryTasksRequest = codec<{ status: TaskStatus; pagination: PageRequest | undefined }>(
  "QueryTasksRequest",
);
export const QueryTasksResponse = codec<{ tasks: Task[]; pagination: PageResponse | undefined }>(
  "QueryTasksResponse",
);
export const QueryRoundRequest = codec<{ taskId: bigint; round: number }>("QueryRoundRequest");
export const QueryRoundResponse = codec<{ round: Round | undefined; stages: Stage[] }>("QueryRoundResponse");
export const QueryUpdatesRequest = codec<{
  taskId: bigint;
  round: number;
  pagination: PageRequest | undefined;
}>("QueryUpdatesRequest");
export const QueryUpdatesResponse = codec<{ updates: Update[]; pagination: PageResponse | undefined }>(
  "QueryUpdatesResponse",
);
export const QueryParticipantsRequest = codec<{ taskId: bigint; pagination: PageRequest | undefined }>(
  "QueryParticipantsRequest",
);
export const QueryParticipantsResponse = codec<{
  participants: Participant[];
  pagination: PageResponse | undefined;
}>("QueryParticipantsResponse");

/** The index of a round's root stage, which aggregates its subgroups' aggregates (sorts last). */
export const ROOT_STAGE = 0xffff_ffff;
