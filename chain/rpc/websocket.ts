/**
 * CometBFT's `/websocket` endpoint: JSON-RPC 2.0 over WebSocket text frames. `subscribe`,
 * `unsubscribe` and `unsubscribe_all` manage event subscriptions (events are sent with the id of the
 * subscribe request, as CometBFT does); every other method is the HTTP method table's.
 *
 * Limits: open connections in total and per client IP (over the limit the socket is closed with 1013
 * "try again later"), subscriptions (subscriptions.ts), frame size (ws closes with 1009), requests in
 * flight per connection, the rate limiter per message, and outgoing bytes buffered per connection: a
 * client that does not read its events is disconnected with 1008 and a reason naming the limit, so
 * a slow client cannot grow the node's memory. A ping every pingIntervalMs; a client that has not
 * answered the previous one is dropped.
 */
import fastifyWebsocket from "@fastify/websocket";
import type { FastifyInstance } from "fastify";
import type { WebSocket } from "ws";
import { EventQueryError } from "./event-query.ts";
import {
  failure,
  internalError,
  invalidParams,
  invalidRequest,
  parseError,
  serverError,
  toRpcError,
} from "./errors.ts";
import type { PublishedEvent } from "./events.ts";
import { WEBSOCKET_ONLY } from "./methods.ts";
import type { RpcObserver } from "./observer.ts";
import { clientKey, type RateLimiter } from "./rate-limiter.ts";
import { type EventHub, SubscriptionError } from "./subscriptions.ts";

export interface WebsocketLimits {
  /** Open websocket connections in total; default 100. */
  maxConnections: number;
  /** Open websocket connections from one IP; default 10. */
  maxConnectionsPerIp: number;
  /** Largest incoming frame (message); default 1_000_000 bytes. */
  maxFrameBytes: number;
  /** Outgoing bytes a client may leave unread before it is disconnected; default 8 MiB. */
  maxBufferedBytes: number;
  /** Requests of one connection being answered at once; default 16. */
  maxInFlight: number;
  /** Ping period (and pong deadline); default 30_000 ms. */
  pingIntervalMs: number;
}

export const DEFAULT_WEBSOCKET_LIMITS: WebsocketLimits = {
  maxConnections: 100,
  maxConnectionsPerIp: 10,
  maxFrameBytes: 1_000_000,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxInFlight: 16,
  pingIntervalMs: 30_000,
};

export interface WebsocketDeps {
  hub: EventHub;
  /** Answers one regular JSON-RPC request object (undefined for a notification). */
  handleRequest(req: unknown): Promise<object | undefined>;
  limiter?: RateLimiter;
  limits: WebsocketLimits;
  /** Told of open connections and rate-limited messages (the node's metrics). */
  observer?: RpcObserver;
}

/** Close codes (RFC 6455). */
export const CLOSE_POLICY = 1008;
export const CLOSE_TRY_AGAIN_LATER = 1013;

type Id = string | number;

export function websocketRoutes(deps: WebsocketDeps) {
  const { limits } = deps;
  let open = 0;
  const perIp = new Map<string, number>();

  return async (app: FastifyInstance): Promise<void> => {
    await app.register(fastifyWebsocket, {
      options: { maxPayload: limits.maxFrameBytes },
      errorHandler: (err, socket) => {
        app.log.debug({ err }, "websocket error");
        socket.terminate();
      },
    });

    app.get("/websocket", { websocket: true }, (socket, request) => {
      const ip = request.ip;
      // One host holds a whole IPv6 /64: its addresses share the per-address bound.
      const host = clientKey(ip);
      if (open >= limits.maxConnections) {
        socket.close(
          CLOSE_TRY_AGAIN_LATER,
          `too many websocket connections (limit ${limits.maxConnections})`,
        );
        return;
      }
      if ((perIp.get(host) ?? 0) >= limits.maxConnectionsPerIp) {
        socket.close(
          CLOSE_TRY_AGAIN_LATER,
          `too many websocket connections from this address (limit ${limits.maxConnectionsPerIp})`,
        );
        return;
      }
      open++;
      deps.observer?.websocketConnections(open);
      perIp.set(host, (perIp.get(host) ?? 0) + 1);
      new Connection(socket, ip, deps, app).start(() => {
        open--;
        deps.observer?.websocketConnections(open);
        const n = (perIp.get(host) ?? 1) - 1;
        if (n <= 0) perIp.delete(host);
        else perIp.set(host, n);
      });
    });
  };
}

class Connection {
  private readonly subs;
  private inFlight = 0;
  private alive = true;
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly ip: string,
    private readonly deps: WebsocketDeps,
    private readonly app: FastifyInstance,
  ) {
    this.subs = deps.hub.client();
  }

  start(onClose: () => void): void {
    const { socket } = this;
    const ping = setInterval(() => {
      if (!this.alive) {
        socket.terminate();
        return;
      }
      this.alive = false;
      socket.ping();
    }, this.deps.limits.pingIntervalMs);
    ping.unref();
    socket.on("pong", () => {
      this.alive = true;
    });
    socket.on("message", (data, isBinary) => this.onMessage(data as Buffer | Buffer[], isBinary));
    socket.on("close", () => {
      this.closed = true;
      clearInterval(ping);
      this.subs.unsubscribeAll();
      onClose();
    });
  }

  private onMessage(data: Buffer | Buffer[], isBinary: boolean): void {
    const { limiter, limits } = this.deps;
    if (limiter && !limiter.take(this.ip, 1)) {
      this.deps.observer?.rateLimited("/websocket");
      this.send(failure(null, serverError("too many requests: rate limit exceeded")));
      return;
    }
    if (this.inFlight >= limits.maxInFlight) {
      this.send(failure(null, serverError(`too many requests in flight (limit ${limits.maxInFlight})`)));
      return;
    }
    const text = (Array.isArray(data) ? Buffer.concat(data) : data).toString("utf8");
    this.inFlight++;
    this.handle(text, isBinary)
      .then((res) => res && this.send(res))
      .catch((e: unknown) => {
        this.app.log.error({ err: e }, "websocket request failed");
        this.send(failure(null, toRpcError(e)));
      })
      .finally(() => {
        this.inFlight--;
      });
  }

  private async handle(text: string, isBinary: boolean): Promise<object | undefined> {
    if (isBinary) return failure(null, invalidRequest("binary frames are not accepted: send JSON as text"));
    let req: unknown;
    try {
      req = JSON.parse(text);
    } catch (e) {
      return failure(null, parseError(`error unmarshaling request: ${(e as Error).message}`));
    }
    if (req === null || typeof req !== "object" || Array.isArray(req)) {
      return failure(null, invalidRequest("request must be a JSON-RPC object (no batches over websocket)"));
    }
    const r = req as Record<string, unknown>;
    if (typeof r.method !== "string" || !WEBSOCKET_ONLY.has(r.method)) {
      return this.deps.handleRequest(req);
    }
    if (typeof r.id !== "string" && typeof r.id !== "number") {
      return failure(null, invalidRequest(`${r.method} needs a string or number id`));
    }
    if (r.jsonrpc !== undefined && r.jsonrpc !== "2.0") {
      return failure(r.id, invalidRequest(`jsonrpc must be "2.0", got ${JSON.stringify(r.jsonrpc)}`));
    }
    try {
      this.subscriptionMethod(r.method, r.id, r.params);
      return { jsonrpc: "2.0", id: r.id, result: {} };
    } catch (e) {
      if (e instanceof SubscriptionError || e instanceof EventQueryError) {
        return failure(r.id, internalError(e.message));
      }
      return failure(r.id, toRpcError(e));
    }
  }

  private subscriptionMethod(method: string, id: Id, params: unknown): void {
    if (method === "unsubscribe_all") {
      if (this.subs.count === 0) throw new SubscriptionError("subscription not found");
      this.subs.unsubscribeAll();
      return;
    }
    const query = queryParam(params);
    if (method === "unsubscribe") {
      this.subs.unsubscribe(query);
      return;
    }
    this.subs.subscribe(query, (q, event) => this.send(eventMessage(id, q, event)));
  }

  /** Sends unless the client is too far behind, in which case it is disconnected. */
  private send(msg: object | string): void {
    const { socket } = this;
    if (this.closed || socket.readyState !== socket.OPEN) return;
    const limit = this.deps.limits.maxBufferedBytes;
    if (socket.bufferedAmount > limit) {
      this.closed = true;
      this.subs.unsubscribeAll();
      socket.close(CLOSE_POLICY, `client too slow: more than ${limit} bytes of events unread`);
      // The close frame waits behind the unread bytes; do not wait for it forever.
      setTimeout(() => socket.terminate(), 1000).unref();
      return;
    }
    socket.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  }
}

function queryParam(params: unknown): string {
  const q = Array.isArray(params)
    ? params[0]
    : params !== null && typeof params === "object"
      ? (params as Record<string, unknown>).query
      : undefined;
  if (typeof q !== "string") throw invalidParams("missing required parameter query (a string)");
  return q;
}

/** The bytes JSON.stringify would give {jsonrpc, id, result: {query, data, events}}, reusing the event's serialisation. */
function eventMessage(id: Id, query: string, e: PublishedEvent): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"query":${JSON.stringify(query)},${e.json}}}`;
}
