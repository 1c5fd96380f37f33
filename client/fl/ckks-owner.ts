/**
 * The owner's side of a CKKS task (privacy mode `ckks`, issue #6): the key pair (the public key goes
 * to the blob store and its CID into MsgCreateTask; the secret key stays with the owner), and, after
 * each paid round, the decryption of the committee's ciphertext sum into the round's model, its
 * upload and MsgPublishModel. Nobody else can decrypt: participants can check the published model
 * against its on-chain hash, not against the sum (README, privacy mode ckks).
 */
import { toHex } from "@cosmjs/encoding";
import { sha256 } from "../../chain/crypto/hash.ts";
import { decryptSum } from "../../modules/fl/ckks/ops.ts";
import { ROOT_STAGE, RoundStatus } from "../../modules/fl/proto.ts";
import type { CiferClient } from "../cifer-client.ts";
import { getBlob, putBlob } from "./blobs.ts";
import { msgPublishModel } from "./msgs.ts";

export { generateCkksKeys } from "../../modules/fl/ckks/ops.ts";

export class CkksOwnerError extends Error {}

/**
 * Decrypts round `round`'s agreed sum with `secretKey`, divides it by the samples the committees
 * accepted (FedAvg), uploads the model and publishes its CID and hash. Returns the model and tx.
 */
export async function publishCkksModel(o: {
  client: CiferClient;
  owner: string;
  nodeUrl: string;
  taskId: bigint;
  round: number;
  secretKey: Uint8Array;
  signal?: AbortSignal;
}): Promise<{ cid: string; weights: Float32Array; txHash: string }> {
  const { task } = await o.client.query.fl.task(o.taskId);
  const { round, stages } = await o.client.query.fl.round(o.taskId, o.round);
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
  const cid = await putBlob(o.nodeUrl, bytes, o.signal ? { signal: o.signal } : {});
  const res = await o.client.signAndBroadcast(
    o.owner,
    [msgPublishModel({ owner: o.owner, taskId: o.taskId, round: o.round, cid, hash: toHex(sha256(bytes)) })],
    "auto",
  );
  if (res.code !== 0)
    throw new CkksOwnerError(`MsgPublishModel failed (code ${res.code}): ${res.rawLog ?? ""}`);
  return { cid, weights, txHash: res.transactionHash };
}
