import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { grpcInvalidArgument, grpcNotFound, SdkCode, sdkError } from "../../chain/app/errors.ts";
import { GrpcCode, httpStatusOf, queryError, RestError, toRestError } from "../../chain/rest/errors.ts";
import { heightParam, parseBase64, QueryArgs, txHashParam } from "../../chain/rest/params.ts";
import { parseBroadcast } from "../../chain/rest/tx.ts";
import { BroadcastMode } from "cosmjs-types/cosmos/tx/v1beta1/service";

// Errors as the SDK's gateway answers them ({code, message, details} with grpc-gateway's HTTP
// status) and the validation of every REST parameter (InvalidArgument, 400).

const asQuery = (e: ReturnType<typeof sdkError>) => ({ code: e.code, codespace: e.codespace, log: e.log });

function rejects(f: () => unknown, code: GrpcCode, message: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof RestError, `expected a RestError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

describe("rest errors", () => {
  it("maps gRPC codes to grpc-gateway's HTTP statuses", () => {
    assert.equal(httpStatusOf(GrpcCode.InvalidArgument), 400);
    assert.equal(httpStatusOf(GrpcCode.NotFound), 404);
    assert.equal(httpStatusOf(GrpcCode.Unimplemented), 501);
    assert.equal(httpStatusOf(GrpcCode.Internal), 500);
    assert.equal(httpStatusOf(GrpcCode.ResourceExhausted), 429);
    assert.equal(httpStatusOf(GrpcCode.Unauthenticated), 401);
    assert.deepEqual(new RestError(GrpcCode.NotFound, "x").toJson(), { code: 5, message: "x", details: [] });
  });

  it("keeps the code and message of a query's gRPC error", () => {
    const nf = queryError(asQuery(grpcNotFound("account cif1x not found")));
    assert.equal(nf.code, GrpcCode.NotFound);
    assert.equal(nf.message, "account cif1x not found");
    assert.equal(nf.status, 404);
    const bad = queryError(asQuery(grpcInvalidArgument("invalid validator status FOO")));
    assert.equal(bad.code, GrpcCode.InvalidArgument);
    assert.equal(bad.message, "invalid validator status FOO");
  });

  it("maps registered SDK errors, and others to Unknown (500)", () => {
    assert.equal(
      queryError(asQuery(sdkError(SdkCode.UnknownRequest, "unknown query path: /x"))).code,
      GrpcCode.Unimplemented,
    );
    assert.equal(queryError(asQuery(sdkError(SdkCode.InvalidAddress, "bad"))).code, GrpcCode.InvalidArgument);
    assert.equal(queryError(asQuery(sdkError(SdkCode.InvalidHeight, "no block yet"))).status, 400);
    const other = queryError({ code: 7, codespace: "fl", log: "task 1 does not exist" });
    assert.equal(other.code, GrpcCode.Unknown);
    assert.equal(other.message, "task 1 does not exist");
    assert.equal(toRestError(new Error("boom")).code, GrpcCode.Internal);
  });
});

describe("rest params", () => {
  it("checks heights and hashes", () => {
    assert.equal(heightParam("12"), 12n);
    rejects(() => heightParam("0"), GrpcCode.InvalidArgument, /greater than 0/);
    rejects(() => heightParam("-1"), GrpcCode.InvalidArgument, /positive integer/);
    rejects(() => heightParam("1e3"), GrpcCode.InvalidArgument, /positive integer/);
    rejects(() => heightParam("9223372036854775808"), GrpcCode.InvalidArgument, /int64/);
    rejects(() => heightParam("99999999999999999999999"), GrpcCode.InvalidArgument, /int64/);
    assert.equal(txHashParam("ab".repeat(32)).length, 32);
    rejects(() => txHashParam("ab".repeat(31)), GrpcCode.InvalidArgument, /64 hex/);
    rejects(() => txHashParam("zz".repeat(32)), GrpcCode.InvalidArgument, /64 hex/);
  });

  it("reads pagination, capping the limit, refusing unknown and repeated parameters", () => {
    const page = new QueryArgs(
      { "pagination.limit": "5000", "pagination.offset": "2", "pagination.count_total": "true" },
      ["pagination.limit", "pagination.offset", "pagination.count_total", "pagination.key"],
    ).pagination();
    assert.equal(page?.limit, 1000n);
    assert.equal(page?.offset, 2n);
    assert.equal(page?.countTotal, true);
    assert.equal(new QueryArgs({}, ["pagination.limit"]).pagination(), undefined);
    rejects(
      () => new QueryArgs({ foo: "1" }, ["pagination.limit"]),
      GrpcCode.InvalidArgument,
      /unknown query parameter "foo"/,
    );
    rejects(
      () => new QueryArgs({ a: ["1", "2"] }, ["a"]).string("a"),
      GrpcCode.InvalidArgument,
      /more than once/,
    );
    rejects(() => new QueryArgs({ a: "x".repeat(2000) }, ["a"]), GrpcCode.InvalidArgument, /longer than/);
    rejects(
      () => new QueryArgs({ "pagination.limit": "-1" }, ["pagination.limit"]).pagination(),
      GrpcCode.InvalidArgument,
      /unsigned integer/,
    );
    rejects(
      () =>
        new QueryArgs({ "pagination.key": "AA==", "pagination.offset": "1" }, [
          "pagination.key",
          "pagination.offset",
        ]).pagination(),
      GrpcCode.InvalidArgument,
      /both/,
    );
    rejects(() => new QueryArgs({ b: "maybe" }, ["b"]).bool("b"), GrpcCode.InvalidArgument, /true or false/);
    assert.deepEqual([...parseBase64("AQID", "k")], [1, 2, 3]);
    rejects(() => parseBase64("A", "k"), GrpcCode.InvalidArgument, /base64/);
  });

  it("parses broadcast bodies", () => {
    const body = (o: unknown) => new Uint8Array(Buffer.from(JSON.stringify(o)));
    const ok = parseBroadcast(body({ tx_bytes: "AQID", mode: "BROADCAST_MODE_ASYNC" }));
    assert.deepEqual([...ok.tx], [1, 2, 3]);
    assert.equal(ok.mode, BroadcastMode.BROADCAST_MODE_ASYNC);
    assert.equal(parseBroadcast(body({ txBytes: "AQID" })).mode, BroadcastMode.BROADCAST_MODE_SYNC);
    rejects(() => parseBroadcast(new Uint8Array(Buffer.from("{"))), GrpcCode.InvalidArgument, /JSON/);
    rejects(
      () => parseBroadcast(body({ mode: "BROADCAST_MODE_SYNC" })),
      GrpcCode.InvalidArgument,
      /tx_bytes/,
    );
    rejects(
      () => parseBroadcast(body({ tx_bytes: "AQID", mode: "BROADCAST_MODE_BLOCK" })),
      GrpcCode.InvalidArgument,
      /not supported/,
    );
    rejects(
      () => parseBroadcast(body({ tx_bytes: "AQID", mode: "FAST" })),
      GrpcCode.InvalidArgument,
      /invalid broadcast mode/,
    );
  });
});

describe("rest config", () => {
  it("rest.laddr: empty serves REST on the RPC port, tcp://HOST:PORT on its own listener", async () => {
    const { parseConfig } = await import("../../chain/node/config.ts");
    assert.equal(parseConfig({ moniker: "m" }).rest.addr, null);
    assert.equal(parseConfig({ moniker: "m", rest: { laddr: "" } }).rest.addr, null);
    assert.deepEqual(parseConfig({ moniker: "m", rest: { laddr: "tcp://0.0.0.0:1317" } }).rest.addr, {
      host: "0.0.0.0",
      port: 1317,
    });
    assert.throws(
      () => parseConfig({ moniker: "m", rest: { laddr: "1317" } }),
      /rest\.laddr: expected tcp:\/\/HOST:PORT/,
    );
    assert.throws(() => parseConfig({ moniker: "m", rest: { laddr: 1317 } }), /rest\.laddr/);
  });
});
