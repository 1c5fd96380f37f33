import { BlobError, BlobErrorCode } from "../../../chain/blobs/errors.ts";
import { parseCid } from "../../../chain/blobs/cid.ts";
import { invalidContent, type UploadCheck } from "../../../chain/blobs/upload-check.ts";
import { secp256k1AddressBytes, toAddress } from "../../../chain/crypto/address.ts";
import { verifySecp256k1 } from "../../../chain/crypto/secp256k1.ts";
import type { UploadCheckContext } from "../../../chain/node/services.ts";
import { Privacy, RoundStatus, TaskStatus, TASK_STATUS_NAMES } from "../proto.ts";
import { parseUploadAuth, UPLOAD_AUTH_HEADER, UploadAuthError, uploadSignBytes } from "../upload-auth.ts";
import { WeightsError, WeightsStreamCheck } from "../weights.ts";
import { CkksStreamCheck } from "../ckks/blob.ts";
import { CkksError } from "../ckks/errors.ts";
import { FlQueries } from "./queries.ts";

const NAME = "fl-update";
const TASK_ID = /^[1-9][0-9]{0,19}$/;
const ROUND = /^[1-9][0-9]{0,9}$/;
/**
 * Distinct updates one account may upload to this node per task and round. The chain accepts one
 * per round; three leave room to retrain after a failed submission, and bound what an account can
 * make a node store to 3 x update_bytes a round.
 */
export const UPLOADS_PER_ROUND = 3;
/** Accounts x rounds remembered (oldest forgotten first): bounds the counter's memory. */
const MAX_TRACKED = 20_000;

const badRequest = (message: string) => new BlobError({ code: BlobErrorCode.BAD_REQUEST }, message);
const unauthorized = (message: string) => new BlobError({ code: BlobErrorCode.UNAUTHORIZED }, message);

/** CIDs uploaded per (task, round, account): the per-account, per-round limit. */
class UploadCounter {
  private readonly seen = new Map<string, Set<string>>();

  /** Counts `cid` for the key unless it is already counted; false if that would pass `max`. */
  admit(key: string, cid: string, max: number): boolean {
    const cids = this.seen.get(key) ?? new Set<string>();
    if (cids.has(cid)) return true;
    if (cids.size >= max) return false;
    cids.add(cid);
    this.seen.delete(key);
    this.seen.set(key, cids);
    if (this.seen.size > MAX_TRACKED) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }
}

/**
 * `PUT /blobs?task=<id>&round=<r>&cid=<cid>`: a participant's update for round r of FL task <id>,
 * signed (upload-auth.ts). Before the body is read: 400 for a malformed query or a task or round
 * that takes no updates now, 401 for a missing or wrong signature, 403 for an account that did not
 * join the task, 429 past UPLOADS_PER_ROUND distinct updates of that account in that round. Then the
 * bytes are checked as the committee will (modules/fl/weights.ts) while they stream, so a bad upload
 * is never stored: exactly the task's update_bytes, every float32 finite (422 otherwise).
 * Uploads without `?task=` are not checked here (per-IP quota and size bounds only), and the
 * committee still excludes bad updates whatever way they arrived.
 */
export function flUploadCheck(ctx: UploadCheckContext): UploadCheck {
  const fl = new FlQueries(ctx.query);
  const counter = new UploadCounter();
  return {
    name: NAME,
    async begin(u) {
      const raw = u.query.task;
      if (raw === undefined) return null;
      if (!TASK_ID.test(raw) || BigInt(raw) > 0xffff_ffff_ffff_ffffn)
        throw badRequest(
          `task: expected a task id (a positive integer), got ${JSON.stringify(raw.slice(0, 40))}`,
        );
      const roundRaw = u.query.round;
      if (roundRaw === undefined || !ROUND.test(roundRaw) || Number(roundRaw) > 0xffff_ffff)
        throw badRequest(
          `round: expected the round the update is for (a positive integer), got ${JSON.stringify((roundRaw ?? "").slice(0, 40))}`,
        );
      if (u.query.cid === undefined) throw badRequest("cid: an update upload must name its CID (?cid=)");
      const claim = { taskId: BigInt(raw), round: Number(roundRaw), cid: parseCid(u.query.cid).text };
      const header = u.headers[UPLOAD_AUTH_HEADER];
      let account: string;
      try {
        const { pubkey, signature } = parseUploadAuth(Array.isArray(header) ? header.join(",") : header);
        if (!verifySecp256k1(pubkey, uploadSignBytes(ctx.chainId, claim), signature))
          throw new UploadAuthError(
            `${UPLOAD_AUTH_HEADER}: the signature does not sign this upload (task ${raw}, round ${roundRaw}, ${claim.cid}) on chain ${ctx.chainId}`,
          );
        account = toAddress(secp256k1AddressBytes(pubkey));
      } catch (e) {
        if (e instanceof UploadAuthError) throw unauthorized(e.message);
        throw e;
      }
      const found = await fl.task(claim.taskId);
      if (!found) throw badRequest(`task ${raw} does not exist`);
      const t = found.task;
      if (t.status !== TaskStatus.Open && t.status !== TaskStatus.Running)
        throw badRequest(
          `task ${raw} is ${TASK_STATUS_NAMES[t.status] ?? t.status}: it takes no more models`,
        );
      if (t.status !== TaskStatus.Running || t.currentRound !== claim.round)
        throw badRequest(
          `task ${raw} is not collecting updates for round ${roundRaw} (current round ${t.currentRound})`,
        );
      const { round } = await fl.round(claim.taskId, claim.round);
      if (round.status !== RoundStatus.Collecting)
        throw badRequest(`round ${roundRaw} of task ${raw} no longer collects updates`);
      if (!(await fl.participant(claim.taskId, account)))
        throw new BlobError(
          { code: BlobErrorCode.FORBIDDEN, account },
          `${account} is not a participant of task ${raw}`,
        );
      if (!counter.admit(`${raw}/${roundRaw}/${account}`, claim.cid, UPLOADS_PER_ROUND))
        throw new BlobError(
          { code: BlobErrorCode.QUOTA_EXCEEDED, account, bytes: Number(t.updateBytes) },
          `${account} already uploaded ${UPLOADS_PER_ROUND} updates for round ${roundRaw} of task ${raw} to this node`,
        );
      const size = Number(t.updateBytes);
      // A CKKS task's updates are ciphertexts (modules/fl/ckks); the others float32 weights.
      const ckks = t.privacy === Privacy.Ckks;
      const stream = ckks ? new CkksStreamCheck(size, Number(t.paramCount)) : new WeightsStreamCheck(size);
      const refuse = (e: unknown): never => {
        if (e instanceof WeightsError || e instanceof CkksError)
          throw invalidContent(
            NAME,
            ckks
              ? `not a CKKS update of task ${raw} (${size} bytes): ${e.message}`
              : `not a model of task ${raw} (${size} bytes of finite float32): ${e.message}`,
          );
        throw e;
      };
      return {
        size,
        write: (chunk) => {
          try {
            stream.write(chunk);
          } catch (e) {
            refuse(e);
          }
        },
        end: () => {
          try {
            stream.end();
          } catch (e) {
            refuse(e);
          }
        },
      };
    },
  };
}
