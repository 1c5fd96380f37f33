import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type protobuf from "protobufjs";
import { ciferQueryModules, methodPath, queryService, requestFromQuery } from "../../chain/rest/cifer.ts";
import { GrpcCode, RestError } from "../../chain/rest/errors.ts";

// The generic /cifer/<module>/v1/<method> gateway: services found in the proto definitions, request
// messages built from query parameters by proto name, every value checked.

const requestOf = (module: string, method: string): protobuf.Type => {
  const m = queryService(module)!.methodsArray.find((x) => methodPath(x.name) === method)!;
  m.resolve();
  return m.resolvedRequestType!;
};

const decoded = (t: protobuf.Type, query: Record<string, string | string[]>) =>
  t.toObject(t.decode(requestFromQuery(t, query)), { longs: String, enums: String, defaults: true });

function refused(f: () => unknown, message: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof RestError);
    assert.equal(e.code, GrpcCode.InvalidArgument);
    assert.match(e.message, message);
    return true;
  });
}

describe("rest cifer gateway", () => {
  it("finds every cifer module's Query service and names methods in snake_case", () => {
    assert.deepEqual(ciferQueryModules(), ["fl", "market", "reputation"]);
    assert.equal(methodPath("ModelOfTask"), "model_of_task");
    assert.equal(methodPath("Params"), "params");
    assert.equal(queryService("Fl"), undefined);
    assert.equal(queryService("../x"), undefined);
    assert.equal(queryService("nope"), undefined);
  });

  it("builds requests from query parameters: integers, enums by name or number, nested pagination", () => {
    assert.deepEqual(decoded(requestOf("fl", "round"), { task_id: "1", round: "2" }), {
      taskId: "1",
      round: 2,
    });
    const tasks = decoded(requestOf("fl", "tasks"), {
      status: "TASK_STATUS_RUNNING",
      "pagination.limit": "5000",
      "pagination.count_total": "true",
    });
    assert.equal(tasks.status, "TASK_STATUS_RUNNING");
    assert.equal(tasks.pagination.limit, "1000");
    assert.equal(tasks.pagination.countTotal, true);
    assert.equal(decoded(requestOf("fl", "tasks"), { status: "3" }).status, "TASK_STATUS_FINISHED");
    assert.deepEqual(decoded(requestOf("market", "price"), { asset_id: "18446744073709551615" }), {
      assetId: "18446744073709551615",
    });
    assert.deepEqual(decoded(requestOf("fl", "params"), {}), {});
  });

  it("refuses unknown parameters and bad values", () => {
    const round = requestOf("fl", "round");
    refused(
      () => requestFromQuery(round, { task: "1" }),
      /unknown query parameter "task"; expected one of task_id, round/,
    );
    refused(() => requestFromQuery(round, { task_id: "-1" }), /task_id must be an unsigned integer/);
    refused(() => requestFromQuery(round, { task_id: "18446744073709551616" }), /task_id must be at most/);
    refused(() => requestFromQuery(round, { round: "4294967296" }), /round must be at most 4294967295/);
    refused(() => requestFromQuery(round, { round: ["1", "2"] }), /more than once/);
    refused(
      () => requestFromQuery(requestOf("fl", "tasks"), { status: "DONE" }),
      /status must be one of TASK_STATUS_UNSPECIFIED/,
    );
    refused(
      () => requestFromQuery(requestOf("fl", "tasks"), { "pagination.reverse": "yes" }),
      /true or false/,
    );
    refused(() => requestFromQuery(requestOf("fl", "params"), { x: "1" }), /this path takes none/);
  });
});
