/**
 * The owner's side of a CKKS task (privacy mode `ckks`, issue #6): the key pair (the public key goes
 * to the blob store and its CID into MsgCreateTask; the secret key stays with the owner), and, after
 * each paid round, the decryption of the committee's ciphertext sum into the round's model, its
 * upload and MsgPublishModel. Nobody else can decrypt: participants can check the published model
 * against its on-chain hash, not against the sum (README, privacy mode ckks).
 */
import { toHex } from "@cosmjs/encoding";
import { cidFromDigest } from "../../chain/blobs/cid.ts";
import { sha256 } from "../../chain/crypto/hash.ts";
import { decryptSum } from "../../modules/fl/ckks/ops.ts";
import { Privacy, ROOT_STAGE, RoundStatus } from "../../modules/fl/proto.ts";
import type { CiferClient } from "../cifer-client.ts";
import { getBlob, putBlob } from "./blobs.ts";
import { msgPublishModel } from "./msgs.ts";

export { generateCkksKeys } from "../../modules/fl/ckks/ops.ts";

export class CkksOwnerError extends Error {}

/** A round's model as the owner decrypts it: FedAvg of the round's accepted updates. */
export interface DecryptedModel {
  weights: Float32Array;
  /** The weights' bytes (float32 little-endian), their CID and sha256 (hex), as MsgPublishModel takes them. */
  bytes: Uint8Array;
  cid: string;
  hash: string;
}

/**
 * Decrypts round `round`'s agreed sum with `secretKey` and divides it by the samples the
 * committees accepted (FedAvg). Refuses a task `owner` does not own, a round that is not paid (its
 * sum may still be disputed) or whose model is already published.
 */
export async function decryptRoundModel(o: {
  query: CiferClient["query"];
  owner: string;
  nodeUrl: string;
  taskId: bigint;
  round: number;
  secretKey: Uint8Array;
  signal?: AbortSignal;
}): Promise<DecryptedModel> {
  const { task } = await o.query.fl.task(o.taskId);
  if (task.privacy !== Privacy.Ckks) throw new CkksOwnerError(`task ${o.taskId} is not a ckks task`);
  if (task.owner !== o.owner)
    throw new CkksOwnerError(`${o.owner} is not the owner of task ${o.taskId} (${task.owner} is)`);
  const { round, stages } = await o.query.fl.round(o.taskId, o.round);
  if (round.status !== RoundStatus.Paid)
    throw new CkksOwnerError(
      `round ${o.round} of task ${o.taskId} is not paid yet (its sum may still be disputed)`,
    );
  if (round.modelCid !== "")
    throw new CkksOwnerError(`round ${o.round}'s model is already published: ${round.modelCid}`);
  const accepted = stages.filter((s) => s.index !== ROOT_STAGE).reduce((n, s) => n + s.acceptedSamples, 0n);
  if (accepted === 0n) throw new CkksOwnerError(`round ${o.round} accepted no samples`);
  const sum = await getBlob(o.nodeUrl, round.aggregateCid, {
    maxBytes: Number(task.updateBytes),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const weights = await decryptSum(sum, o.secretKey, Number(accepted), Number(task.paramCount));
  const bytes = new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
  const digest = sha256(bytes);
  return { weights, bytes, cid: cidFromDigest(digest), hash: toHex(digest) };
}

/** decryptRoundModel, then the model's upload and MsgPublishModel. Returns the model and tx. */
export async function publishCkksModel(o: {
  client: CiferClient;
  owner: string;
  nodeUrl: string;
  taskId: bigint;
  round: number;
  secretKey: Uint8Array;
  signal?: AbortSignal;
}): Promise<{ cid: string; weights: Float32Array; txHash: string }> {
  const model = await decryptRoundModel({ ...o, query: o.client.query });
  const cid = await putBlob(o.nodeUrl, model.bytes, o.signal ? { signal: o.signal } : {});
  const res = await o.client.signAndBroadcast(
    o.owner,
    [msgPublishModel({ owner: o.owner, taskId: o.taskId, round: o.round, cid, hash: model.hash })],
    "auto",
  );
  if (res.code !== 0)
    throw new CkksOwnerError(`MsgPublishModel failed (code ${res.code}): ${res.rawLog ?? ""}`);
  return { cid, weights: model.weights, txHash: res.transactionHash };
}
