/**
 * Builders of the cifer.fl.v1 messages owners and trainers send, typed for `signAndBroadcast` (the
 * codecs are the node's own, registered in client/registry.ts), and the task id of a MsgCreateTask's
 * response. They take already validated values (client/cli/fl-options.ts parses what people type).
 */
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { DeliverTxResponse } from "@cosmjs/stargate";
import {
  MsgCancelTask,
  MsgCreateTask,
  MsgCreateTaskResponse,
  MsgJoinTask,
  MsgPublishModel,
  MsgSubmitUpdate,
  type MsgCreateTask as MsgCreateTaskFields,
  type MsgSubmitUpdate as MsgSubmitUpdateFields,
} from "../../modules/fl/proto.ts";

export type { MsgCreateTaskFields, MsgSubmitUpdateFields };

/**
 * #6's options (`privacy`, `payout`, `evalSet` from prepareEvalSet in eval-set.ts, `joinBond` in
 * ucif, `ckksPublicKeyCid`) are optional: left out, they keep #5's meaning (plain, paid by samples,
 * no evaluation, no bond).
 */
export const msgCreateTask = (m: MsgCreateTaskFields): EncodeObject => ({
  typeUrl: MsgCreateTask.typeUrl,
  value: MsgCreateTask.fromPartial(m),
});

export const msgJoinTask = (participant: string, taskId: bigint): EncodeObject => ({
  typeUrl: MsgJoinTask.typeUrl,
  value: MsgJoinTask.fromPartial({ participant, taskId }),
});

export const msgSubmitUpdate = (m: MsgSubmitUpdateFields): EncodeObject => ({
  typeUrl: MsgSubmitUpdate.typeUrl,
  value: MsgSubmitUpdate.fromPartial(m),
});

export const msgCancelTask = (owner: string, taskId: bigint): EncodeObject => ({
  typeUrl: MsgCancelTask.typeUrl,
  value: MsgCancelTask.fromPartial({ owner, taskId }),
});

/** The id of the task a successful MsgCreateTask tx created (its msg response), if it has one. */
export function createdTaskId(res: DeliverTxResponse): bigint | undefined {
  const r = res.msgResponses.find((m) => m.typeUrl === MsgCreateTaskResponse.typeUrl);
  return r ? MsgCreateTaskResponse.decode(r.value).taskId : undefined;
}

export const msgPublishModel = (m: {
  owner: string;
  taskId: bigint;
  round: number;
  cid: string;
  hash: string;
}): EncodeObject => ({
  typeUrl: MsgPublishModel.typeUrl,
  value: MsgPublishModel.fromPartial(m),
});
