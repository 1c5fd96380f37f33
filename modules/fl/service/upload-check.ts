import { BlobError, BlobErrorCode } from "../../../chain/blobs/errors.ts";
import { invalidContent, type UploadCheck } from "../../../chain/blobs/upload-check.ts";
import type { ServiceQuery } from "../../../chain/node/services.ts";
import { TaskStatus, TASK_STATUS_NAMES } from "../proto.ts";
import { WeightsError, WeightsStreamCheck } from "../weights.ts";
import { FlQueries } from "./queries.ts";

const NAME = "fl-update";
const TASK_ID = /^[1-9][0-9]{0,19}$/;

const badRequest = (message: string) => new BlobError({ code: BlobErrorCode.BAD_REQUEST }, message);

/**
 * `PUT /blobs?task=<id>`: the upload claims to be a weights blob of FL task <id> (an update, or an
 * aggregate), so the node checks it as the committee will (modules/fl/weights.ts): exactly the
 * task's update_bytes, every float32 finite. 400 for a task id that is malformed or names no open
 * or running task; 422 for bytes that do not fit (checked as they stream, so a bad upload is never
 * stored). Uploads without `?task=` are not checked: the committee still excludes bad updates.
 */
export function flUploadCheck(query: ServiceQuery): UploadCheck {
  const fl = new FlQueries(query);
  return {
    name: NAME,
    async begin(u) {
      const raw = u.query.task;
      if (raw === undefined) return null;
      if (!TASK_ID.test(raw) || BigInt(raw) > 0xffff_ffff_ffff_ffffn)
        throw badRequest(
          `task: expected a task id (a positive integer), got ${JSON.stringify(raw.slice(0, 40))}`,
        );
      const found = await fl.task(BigInt(raw));
      if (!found) throw badRequest(`task ${raw} does not exist`);
      const t = found.task;
      if (t.status !== TaskStatus.Open && t.status !== TaskStatus.Running)
        throw badRequest(
          `task ${raw} is ${TASK_STATUS_NAMES[t.status] ?? t.status}: it takes no more models`,
        );
      const size = Number(t.updateBytes);
      const stream = new WeightsStreamCheck(size);
      const refuse = (e: unknown): never => {
        if (e instanceof WeightsError)
          throw invalidContent(
            NAME,
            `not a model of task ${raw} (${size} bytes of finite float32): ${e.message}`,
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
