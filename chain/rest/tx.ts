import { TxResponse } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import {
  BroadcastMode,
  BroadcastTxResponse,
  broadcastModeFromJSON,
  GetTxsEventResponse,
  OrderBy,
  orderByFromJSON,
  SimulateRequest,
  SimulateResponse,
} from "cosmjs-types/cosmos/tx/v1beta1/service";
import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import type { FastifyInstance } from "fastify";
import { SIMULATE_PATH } from "../app/app.ts";
import { toHexUpper, txHash } from "../crypto/hash.ts";
import type { IndexedTx, RpcBackend } from "../rpc/backend.ts";
import { MAX_PER_PAGE, MAX_QUERY_LENGTH } from "../rpc/methods.ts";
import { TxQueryError } from "../txindex/errors.ts";
import { formatRfc3339 } from "../types/time.ts";
import { invalidArgument, notFound } from "./errors.ts";
import { PAGINATION_PARAMS, parseBase64, QueryArgs, txHashParam } from "./params.ts";
import { grpcAnswer } from "./query.ts";
import { sendJson } from "./reply.ts";
import type { JsonObject } from "./json.ts";
import { cosmjsJson } from "./types.ts";

/** Largest POST /cosmos/tx/v1beta1/txs body: a 1 MiB tx in base64 plus the JSON around it. */
export const MAX_BROADCAST_BODY_BYTES = 1_500_000;

const TX_TYPE_URL = "/cosmos.tx.v1beta1.Tx";

/**
 * The SDK JSON of a committed tx, converted once for both the tx field and tx_response.tx (TxRaw is
 * wire-compatible with Tx); bytes that do not decode answer as an empty Tx in both places.
 */
function txJsonOf(bytes: Uint8Array): JsonObject {
  let tx: Tx;
  try {
    tx = Tx.decode(bytes);
  } catch {
    tx = Tx.fromPartial({});
  }
  return cosmjsJson(Tx, tx) as JsonObject;
}

/**
 * The SDK's TxResponse JSON of a committed tx: the tx as an Any ({"@type", ...its fields}) in the
 * SDK's place, right before timestamp, and the block's time.
 */
function txResponseJson(t: IndexedTx, txJson: JsonObject, blockTime: Timestamp | undefined): JsonObject {
  const r = t.result;
  const res = TxResponse.fromPartial({
    height: t.height,
    txhash: toHexUpper(t.hash),
    codespace: r.codespace,
    code: r.code,
    data: toHexUpper(r.data),
    rawLog: r.log,
    logs: [],
    info: r.info,
    gasWanted: r.gasWanted,
    gasUsed: r.gasUsed,
    timestamp: blockTime ? formatRfc3339(blockTime) : "",
    events: r.events,
  });
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(cosmjsJson(TxResponse, res) as JsonObject)) {
    if (k === "timestamp") out.tx = { "@type": TX_TYPE_URL, ...txJson };
    if (k !== "tx") out[k] = v;
  }
  return out;
}

/** ORDER_BY_* by name or number; "" is unspecified (ascending). */
function orderOf(s: string | undefined): "asc" | "desc" {
  if (s === undefined || s === "") return "asc";
  const o = orderByFromJSON(/^[0-9]+$/.test(s) ? Number(s) : s);
  if (o === OrderBy.UNRECOGNIZED)
    throw invalidArgument(`order_by must be ORDER_BY_ASC or ORDER_BY_DESC, got ${JSON.stringify(s)}`);
  return o === OrderBy.ORDER_BY_DESC ? "desc" : "asc";
}

/**
 * cosmos.tx.v1beta1.Service: a tx by hash, txs by events (over the tx index, as tx_search) and
 * broadcast (through the backend's CheckTx and mempool, as broadcast_tx_sync/async).
 */
export function txRoutes(app: FastifyInstance, backend: RpcBackend): void {
  const timeOf = async (h: bigint) => (await backend.blockMeta(h))?.header.time;

  app.get<{ Params: { hash: string } }>("/tx/v1beta1/txs/:hash", async (request, reply) => {
    new QueryArgs(request.query, []);
    const hash = txHashParam(request.params.hash);
    const found = await backend.tx(hash);
    if (!found) throw notFound(`tx not found: ${toHexUpper(hash)}`);
    const tx = txJsonOf(found.tx);
    const txResponse = txResponseJson(found, tx, await timeOf(found.height));
    return sendJson(reply, 200, { tx, tx_response: txResponse });
  });

  app.get("/tx/v1beta1/txs", async (request, reply) => {
    const args = new QueryArgs(request.query, [
      "events",
      "query",
      "page",
      "limit",
      "order_by",
      ...PAGINATION_PARAMS,
    ]);
    const events = args.all("events");
    for (const e of events) {
      if (!e.includes("=") && !/\s(EXISTS|CONTAINS)\b/.test(e))
        throw invalidArgument(
          `invalid event ${JSON.stringify(e)}: expected {eventType}.{eventAttribute}={value}`,
        );
    }
    // As the SDK since 0.50: events (the older form) are joined into one query.
    const query = events.length > 0 ? events.join(" AND ") : (args.string("query") ?? "");
    if (query.trim() === "") throw invalidArgument("query cannot be empty");
    if (query.length > MAX_QUERY_LENGTH)
      throw invalidArgument(`query is longer than ${MAX_QUERY_LENGTH} characters`);
    const order = orderOf(args.string("order_by"));
    // page/limit as the SDK 0.50; the deprecated pagination.offset/limit still map onto them.
    const pagination = args.pagination();
    let limit = args.uint("limit") ?? (pagination && pagination.limit > 0n ? pagination.limit : 0n);
    if (limit === 0n) limit = BigInt(MAX_PER_PAGE);
    if (limit > BigInt(MAX_PER_PAGE)) limit = BigInt(MAX_PER_PAGE);
    const page = args.uint("page") ?? (pagination ? pagination.offset / limit + 1n : 1n);
    if (page === 0n) throw invalidArgument("page must be greater than 0");
    if (page > 1_000_000n) throw invalidArgument("page must be at most 1000000");
    let found: Awaited<ReturnType<RpcBackend["searchTxs"]>>;
    try {
      found = await backend.searchTxs(query, Number(page), Number(limit), order);
    } catch (e) {
      if (e instanceof TxQueryError) throw invalidArgument(e.message);
      throw e;
    }
    // Block times by height, each read once per request.
    const times = new Map<bigint, Timestamp | undefined>();
    const txs: JsonObject[] = [];
    const txResponses: JsonObject[] = [];
    for (const t of found.txs) {
      if (!times.has(t.height)) times.set(t.height, await timeOf(t.height));
      const tx = txJsonOf(t.tx);
      txs.push(tx);
      txResponses.push(txResponseJson(t, tx, times.get(t.height)));
    }
    const res = cosmjsJson(
      GetTxsEventResponse,
      GetTxsEventResponse.fromPartial({ total: BigInt(found.total) }),
    );
    return sendJson(reply, 200, { ...(res as JsonObject), txs, tx_responses: txResponses });
  });

  app.post("/tx/v1beta1/txs", { bodyLimit: MAX_BROADCAST_BODY_BYTES }, async (request, reply) => {
    new QueryArgs(request.query, []);
    const { tx, mode } = parseBroadcast(request.body);
    if (mode === BroadcastMode.BROADCAST_MODE_ASYNC) {
      const hash = txHash(tx);
      // Answers before CheckTx, as the SDK's async mode; the outcome is only logged.
      backend
        .broadcastTx(tx)
        .catch((e: unknown) => app.log.warn({ err: e }, "REST broadcast (async): CheckTx failed"));
      const res = BroadcastTxResponse.fromPartial({ txResponse: { txhash: toHexUpper(hash) } });
      return sendJson(reply, 200, cosmjsJson(BroadcastTxResponse, res));
    }
    const r = await backend.broadcastTx(tx);
    const res = BroadcastTxResponse.fromPartial({
      txResponse: {
        txhash: toHexUpper(r.hash),
        code: r.code,
        codespace: r.codespace,
        rawLog: r.log,
        data: toHexUpper(r.data),
        gasWanted: r.gasWanted,
        gasUsed: r.gasUsed,
      },
    });
    return sendJson(reply, 200, cosmjsJson(BroadcastTxResponse, res));
  });

  // Gas estimation as wallets do it over REST (Keplr's "auto" gas): the same Simulate query CosmJS
  // sends through abci_query, so both estimate alike.
  app.post("/tx/v1beta1/simulate", { bodyLimit: MAX_BROADCAST_BODY_BYTES }, async (request, reply) => {
    new QueryArgs(request.query, []);
    const txBytes = txBytesOf(jsonBody(request.body, SIMULATE_SHAPE), SIMULATE_SHAPE);
    return grpcAnswer(
      reply,
      backend,
      SIMULATE_PATH,
      SimulateRequest,
      SimulateRequest.fromPartial({ txBytes }),
      SimulateResponse,
    );
  });
}

const BROADCAST_SHAPE = '{"tx_bytes": base64, "mode": ...}';
const SIMULATE_SHAPE = '{"tx_bytes": base64}';

/** A POST body as a JSON object, or a 400 naming the expected shape. */
function jsonBody(body: unknown, shape: string): Record<string, unknown> {
  const text = body instanceof Uint8Array ? Buffer.from(body).toString("utf8") : "";
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalidArgument(`body must be JSON ${shape}: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw invalidArgument(`body must be a JSON object ${shape}`);
  return json as Record<string, unknown>;
}

/** The body's tx_bytes (the SDK's field; txBytes accepted too), decoded and non-empty. */
function txBytesOf(o: Record<string, unknown>, shape: string): Uint8Array {
  const b64 = o.tx_bytes ?? o.txBytes;
  if (typeof b64 !== "string" || b64 === "")
    throw invalidArgument(`tx_bytes must be a non-empty base64 string (body ${shape})`);
  const tx = parseBase64(b64, "tx_bytes");
  if (tx.length === 0) throw invalidArgument("tx_bytes is empty");
  return tx;
}

/** The body of POST /cosmos/tx/v1beta1/txs: {"tx_bytes": base64, "mode": "BROADCAST_MODE_SYNC"}. */
export function parseBroadcast(body: unknown): { tx: Uint8Array; mode: BroadcastMode } {
  const o = jsonBody(body, BROADCAST_SHAPE);
  const tx = txBytesOf(o, BROADCAST_SHAPE);
  const m = o.mode ?? "BROADCAST_MODE_SYNC";
  const mode =
    typeof m === "string" || typeof m === "number" ? broadcastModeFromJSON(m) : BroadcastMode.UNRECOGNIZED;
  if (mode === BroadcastMode.BROADCAST_MODE_BLOCK)
    throw invalidArgument(
      "BROADCAST_MODE_BLOCK is not supported (as in the Cosmos SDK since v0.47); use BROADCAST_MODE_SYNC",
    );
  if (mode !== BroadcastMode.BROADCAST_MODE_SYNC && mode !== BroadcastMode.BROADCAST_MODE_ASYNC)
    throw invalidArgument(
      `invalid broadcast mode ${JSON.stringify(m)}; expected BROADCAST_MODE_SYNC or BROADCAST_MODE_ASYNC`,
    );
  return { tx, mode };
}
