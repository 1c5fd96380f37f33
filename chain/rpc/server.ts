import type { AddressInfo } from "node:net";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from "fastify";
import type { RpcBackend } from "./backend.ts";
import {
  failure,
  invalidRequest,
  methodNotFound,
  parseError,
  RpcError,
  type RpcErrorBody,
  serverError,
  toRpcError,
} from "./errors.ts";
import type { JsonValue } from "./json.ts";
import { findMethod, METHODS, type MethodContext, WEBSOCKET_ONLY } from "./methods.ts";
import { type RpcObserver, routeLabel } from "./observer.ts";
import type { RawParams } from "./params.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { EventHub, type SubscriptionLimits } from "./subscriptions.ts";
import { DEFAULT_WEBSOCKET_LIMITS, type WebsocketLimits, websocketRoutes } from "./websocket.ts";

/**
 * The node's RPC server: CometBFT 0.38's JSON-RPC over HTTP, both as JSON-RPC 2.0 POST on `/`
 * (single requests, batches, notifications) and as GET `/<method>?arg=value` (id -1). Every
 * JSON-RPC error is answered with HTTP 200; only the rate limiter answers otherwise (429). GET
 * `/websocket` upgrades to CometBFT's websocket JSON-RPC with event subscriptions (websocket.ts).
 */
export interface RpcServerOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Largest request body accepted; default 1_000_000 bytes. */
  maxBodyBytes?: number;
  /** Most requests in one JSON-RPC batch; default 10. */
  maxBatchRequests?: number;
  /** How long broadcast_tx_commit waits for the tx to be committed; default 10_000 ms. */
  timeoutBroadcastTxCommitMs?: number;
  /** Origins allowed by CORS ("*" for any); default none (no CORS headers). */
  corsAllowedOrigins?: string[];
  /** Methods and headers a CORS preflight allows; defaults in DEFAULT_CORS. */
  corsAllowedMethods?: string[];
  corsAllowedHeaders?: string[];
  /**
   * Token bucket per client IP; default 500 requests/s with bursts of 1000, at most 100_000 IPs
   * tracked (least recently seen evicted). false disables it.
   */
  rateLimit?: { requestsPerSecond: number; burst: number; maxKeys?: number } | false;
  /** Open TCP connections; more are closed at once (CometBFT's max_open_connections); 0 = no limit. Default 900. */
  maxOpenConnections?: number;
  /** Time for a client to send a whole request (headers and body); default 120_000 ms. */
  requestTimeoutMs?: number;
  /** Largest request line plus headers (so also the URL); default 1 MiB (CometBFT's max_header_bytes). */
  maxHeaderBytes?: number;
  /** Serve JSON-RPC (POST /, GET /<method>); default true. false leaves only `routes` (and /websocket unless disabled). */
  jsonRpc?: boolean;
  /** Fastify/pino logger configuration; default false (silent). */
  logger?: FastifyServerOptions["logger"];
  /** A logger instance instead (the node's, see chain/node/fastify-logger.ts); wins over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** Told about every request answered and every rate-limited one (the node's metrics). */
  observer?: RpcObserver;
  /**
   * More HTTP routes served next to JSON-RPC (the blob API), each registered as an encapsulated
   * Fastify plugin: it may use its own body parsers, limits and error handler, and the rate limiter
   * and CORS hooks above apply to it as to every request.
   */
  routes?: RpcRoutes[];
  /**
   * The `/websocket` endpoint (JSON-RPC and event subscriptions) and its limits; defaults in
   * websocket.ts and DEFAULT_SUBSCRIPTION_LIMITS. false disables it.
   */
  websocket?: (Partial<WebsocketLimits> & Partial<SubscriptionLimits>) | false;
}

/** A Fastify plugin adding routes to the RPC server. */
export type RpcRoutes = (app: FastifyInstance) => Promise<void>;

export interface RpcServer {
  close(): Promise<void>;
  /** The bound address, as "http://host:port". */
  address: string;
  port: number;
}

/** CometBFT's defaults: max_subscription_clients 100, max_subscriptions_per_client 5. */
export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = {
  maxClients: 100,
  maxSubscriptionsPerClient: 5,
};

const DEFAULTS = {
  host: "127.0.0.1",
  maxBodyBytes: 1_000_000,
  maxBatchRequests: 10,
  timeoutBroadcastTxCommitMs: 10_000,
  rateLimit: { requestsPerSecond: 500, burst: 1000 },
  maxOpenConnections: 900,
  // Long enough for a 64 MiB blob upload on a slow link; max_open_connections bounds slow clients.
  requestTimeoutMs: 120_000,
  maxHeaderBytes: 1_048_576,
};

/** CORS preflight answers (CometBFT's defaults plus PUT, which the blob upload uses). */
export const DEFAULT_CORS = {
  methods: ["HEAD", "GET", "POST", "PUT", "OPTIONS"],
  headers: ["Origin", "Accept", "Content-Type", "X-Requested-With", "X-Server-Time"],
};

/** Id used for GET requests, as CometBFT's URI handler does. */
const URI_REQUEST_ID = -1;

type JsonRpcId = string | number | null;
type JsonRpcResponse =
  | { jsonrpc: "2.0"; id: JsonRpcId; result: JsonValue }
  | { jsonrpc: "2.0"; id: JsonRpcId; error: RpcErrorBody };

const success = (id: JsonRpcId, result: JsonValue): JsonRpcResponse => ({ jsonrpc: "2.0", id, result });

export async function startRpcServer(backend: RpcBackend, opts: RpcServerOptions): Promise<RpcServer> {
  const host = opts.host ?? DEFAULTS.host;
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const maxBatch = opts.maxBatchRequests ?? DEFAULTS.maxBatchRequests;
  const cors = opts.corsAllowedOrigins ?? [];
  const corsMethods = (opts.corsAllowedMethods ?? DEFAULT_CORS.methods).join(", ");
  const corsHeaders = (opts.corsAllowedHeaders ?? DEFAULT_CORS.headers).join(", ");
  const limiter =
    opts.rateLimit === false ? undefined : new RateLimiter(opts.rateLimit ?? DEFAULTS.rateLimit);
  const observer = opts.observer;
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;

  const app = Fastify({
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? false }),
    bodyLimit: maxBodyBytes,
    requestTimeout: requestTimeoutMs,
    http: {
      maxHeaderSize: opts.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes,
      // Node checks the timeouts only this often (30 s by default): a tenth of the timeout, 250 ms to 5 s.
      connectionsCheckingInterval: Math.max(250, Math.min(5_000, Math.floor(requestTimeoutMs / 10))),
    },
  });
  // Node's headers timeout must not exceed the request timeout; slow-header clients go first.
  app.server.headersTimeout = Math.min(requestTimeoutMs, 30_000);
  const maxOpen = opts.maxOpenConnections ?? DEFAULTS.maxOpenConnections;
  if (maxOpen > 0) app.server.maxConnections = maxOpen;

  const ctx: MethodContext = {
    backend,
    timeoutBroadcastTxCommitMs: opts.timeoutBroadcastTxCommitMs ?? DEFAULTS.timeoutBroadcastTxCommitMs,
    onBackgroundError: (e) => app.log.warn({ err: e }, "broadcast_tx_async: CheckTx failed"),
  };

  async function runMethod(name: string, params: RawParams): Promise<JsonValue> {
    const m = WEBSOCKET_ONLY.has(name) ? undefined : findMethod(name);
    if (!m) throw methodNotFound();
    try {
      return await m.call(ctx, params);
    } catch (e) {
      if (!(e instanceof RpcError)) app.log.debug({ err: e, method: name }, "rpc method failed");
      throw toRpcError(e);
    }
  }

  /** One element of a JSON-RPC POST; undefined for a notification (no answer). */
  async function handleOne(req: unknown): Promise<JsonRpcResponse | undefined> {
    if (req === null || typeof req !== "object" || Array.isArray(req)) {
      return failure(null, invalidRequest("request must be an object"));
    }
    const r = req as Record<string, unknown>;
    const id = r.id;
    if (id !== undefined && id !== null && typeof id !== "string" && typeof id !== "number") {
      return failure(null, invalidRequest(`json-rpc ID (${JSON.stringify(id)}) is of unknown type`));
    }
    const notification = id === undefined || id === null;
    const rid: JsonRpcId = notification ? null : (id as string | number);
    let res: JsonRpcResponse;
    if (r.jsonrpc !== undefined && r.jsonrpc !== "2.0") {
      res = failure(rid, invalidRequest(`jsonrpc must be "2.0", got ${JSON.stringify(r.jsonrpc)}`));
    } else if (typeof r.method !== "string") {
      res = failure(rid, invalidRequest("method must be a string"));
    } else {
      try {
        res = success(rid, await runMethod(r.method, { from: "json", values: r.params }));
      } catch (e) {
        res = failure(rid, toRpcError(e));
      }
    }
    return notification ? undefined : res;
  }

  /** A JSON-RPC POST body: the response to send, or undefined when there is nothing to answer. */
  async function handleBody(
    text: string,
    ip: string,
  ): Promise<{ status: number; body: JsonRpcResponse | JsonRpcResponse[] | undefined }> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return {
        status: 200,
        body: failure(null, parseError(`error unmarshaling request: ${(e as Error).message}`)),
      };
    }
    if (!Array.isArray(parsed)) return { status: 200, body: await handleOne(parsed) };
    if (parsed.length === 0) return { status: 200, body: failure(null, invalidRequest("empty batch")) };
    if (parsed.length > maxBatch) {
      return {
        status: 200,
        body: failure(
          null,
          invalidRequest(`batch of ${parsed.length} requests exceeds the limit of ${maxBatch}`),
        ),
      };
    }
    if (limiter && !limiter.take(ip, parsed.length - 1)) {
      observer?.rateLimited("/");
      return { status: 429, body: rateLimited(null) };
    }
    const out: JsonRpcResponse[] = [];
    for (const req of parsed) {
      const res = await handleOne(req);
      if (res) out.push(res);
    }
    return { status: 200, body: out.length > 0 ? out : undefined };
  }

  const sendJson = (reply: FastifyReply, status: number, body: unknown) =>
    reply.code(status).header("content-type", "application/json").send(JSON.stringify(body));

  // ------------------------------------------------------------ hooks: rate limit and CORS

  app.addHook("onRequest", async (request, reply) => {
    const origin = request.headers.origin;
    if (origin !== undefined && cors.length > 0 && (cors.includes("*") || cors.includes(origin))) {
      reply.header("access-control-allow-origin", cors.includes("*") ? "*" : origin);
      reply.header("vary", "Origin");
    }
    if (limiter && !limiter.take(request.ip, 1)) {
      observer?.rateLimited(routeLabel(request));
      reply.header("retry-after", "1");
      return sendJson(reply, 429, rateLimited(request.method === "GET" ? URI_REQUEST_ID : null));
    }
  });

  if (observer) {
    app.addHook("onResponse", async (request, reply) => {
      observer.request(routeLabel(request), reply.statusCode, reply.elapsedTime / 1000);
    });
  }

  app.options("*", async (request, reply) => {
    if (cors.length > 0 && request.headers.origin !== undefined) {
      reply.header("access-control-allow-methods", corsMethods);
      reply.header("access-control-allow-headers", corsHeaders);
      reply.header("access-control-max-age", "600");
    }
    return reply.code(204).send();
  });

  // ------------------------------------------------------------ body handling and errors

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: maxBodyBytes }, (_req, body, done) => {
    done(null, body);
  });

  app.setErrorHandler(async (err: Error & { code?: string; statusCode?: number }, request, reply) => {
    const id = request.method === "GET" ? URI_REQUEST_ID : null;
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      reply.header("connection", "close");
      return sendJson(
        reply,
        200,
        failure(id, invalidRequest(`request body too large (limit ${maxBodyBytes} bytes)`)),
      );
    }
    if (err.code?.startsWith("FST_ERR_CTP") || (err.statusCode !== undefined && err.statusCode < 500)) {
      return sendJson(reply, 200, failure(id, invalidRequest(`error reading request body: ${err.message}`)));
    }
    app.log.error({ err }, "rpc request failed");
    return sendJson(reply, 200, failure(id, toRpcError(err)));
  });

  app.setNotFoundHandler(async (_request, reply) =>
    sendJson(reply, 404, failure(URI_REQUEST_ID, methodNotFound())),
  );

  // ------------------------------------------------------------ routes

  const endpointList = (request: FastifyRequest, reply: FastifyReply) => {
    const hostHeader = request.headers.host ?? `${host}`;
    const names = Object.keys(METHODS).sort();
    const noArgs = names.filter((n) => METHODS[n]!.argNames.length === 0);
    const withArgs = names.filter((n) => METHODS[n]!.argNames.length > 0);
    let html = "<html><body><br>Available endpoints:<br>";
    for (const n of noArgs) html += `<a href="//${hostHeader}/${n}">//${hostHeader}/${n}</a></br>`;
    html += "<br>Endpoints that require arguments:<br>";
    for (const n of withArgs) {
      const link = `//${hostHeader}/${n}?${METHODS[n]!.argNames.map((a) => `${a}=_`).join("&")}`;
      html += `<a href="${link}">${link}</a></br>`;
    }
    html += "</body></html>";
    return reply.code(200).header("content-type", "text/html").send(html);
  };

  // A REST-only server (the node's rest.laddr) serves just its `routes` under the same hooks.
  if (opts.jsonRpc !== false) {
    app.get("/", async (request, reply) => endpointList(request, reply));

    app.post("/", async (request, reply) => {
      const body = request.body as Buffer | undefined;
      if (!body || body.length === 0) return endpointList(request, reply);
      const { status, body: out } = await handleBody(body.toString("utf8"), request.ip);
      if (out === undefined) return reply.code(200).send();
      return sendJson(reply, status, out);
    });

    // CometBFT's URI handler serves /<method> whatever the HTTP verb; arguments come from the query.
    const uriHandler = async (
      request: FastifyRequest<{ Params: { method: string } }>,
      reply: FastifyReply,
    ) => {
      const query = (request.query ?? {}) as Record<string, string | string[] | undefined>;
      try {
        const result = await runMethod(request.params.method, { from: "uri", values: query });
        return sendJson(reply, 200, success(URI_REQUEST_ID, result));
      } catch (e) {
        return sendJson(reply, 200, failure(URI_REQUEST_ID, toRpcError(e)));
      }
    };
    app.get("/:method", uriHandler);
    app.post("/:method", uriHandler);
  }

  let hub: EventHub | undefined;
  if (opts.websocket !== false) {
    const ws = opts.websocket ?? {};
    hub = new EventHub(
      (listener) => backend.onCommit(listener),
      {
        maxClients: ws.maxClients ?? DEFAULT_SUBSCRIPTION_LIMITS.maxClients,
        maxSubscriptionsPerClient:
          ws.maxSubscriptionsPerClient ?? DEFAULT_SUBSCRIPTION_LIMITS.maxSubscriptionsPerClient,
      },
      (e) => app.log.warn({ err: e }, "websocket event delivery failed"),
    );
    const limits: WebsocketLimits = { ...DEFAULT_WEBSOCKET_LIMITS, maxFrameBytes: maxBodyBytes };
    for (const k of Object.keys(DEFAULT_WEBSOCKET_LIMITS) as (keyof WebsocketLimits)[]) {
      if (ws[k] !== undefined) limits[k] = ws[k];
    }
    await app.register(websocketRoutes({ hub, handleRequest: handleOne, limiter, limits, observer }));
  }

  for (const routes of opts.routes ?? []) await app.register(routes);

  await app.listen({ host, port: opts.port });
  const addr = app.server.address() as AddressInfo;
  const shownHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    address: `http://${shownHost}:${addr.port}`,
    port: addr.port,
    close: async () => {
      hub?.close();
      await app.close();
    },
  };
}

function rateLimited(id: JsonRpcId): JsonRpcResponse {
  return failure(id, serverError("too many requests: rate limit exceeded"));
}
