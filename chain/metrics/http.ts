import type { FastifyInstance } from "fastify";
import type { RpcServerOptions } from "../rpc/server.ts";

/** What serves the exposition text (NodeMetrics). */
export interface MetricsSource {
  render(): Promise<{ contentType: string; body: string }>;
}

/** `GET /metrics` as a Fastify plugin: added to the RPC server's routes, or to its own listener. */
export function metricsRoutes(source: MetricsSource) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/metrics", async (_request, reply) => {
      try {
        const { contentType, body } = await source.render();
        return reply.code(200).header("content-type", contentType).send(body);
      } catch (e) {
        app.log.warn({ err: e }, "metrics collection failed");
        return reply
          .code(500)
          .header("content-type", "text/plain")
          .send(`metrics collection failed: ${(e as Error).message}\n`);
      }
    });
  };
}

/** Scrapes a second or so apart are the norm; this only keeps a runaway client from spinning the node. */
const SCRAPE_LIMIT = { requestsPerSecond: 10, burst: 20, maxKeys: 1000 };

/**
 * startRpcServer's options for a listener of its own serving only /metrics (CometBFT's
 * instrumentation.prometheus_listen_addr), for operators who keep scrapes off the public RPC port:
 * no JSON-RPC or websocket, tiny bodies only, rate limited per IP.
 */
export function metricsListenerOptions(
  source: MetricsSource,
  o: {
    host: string;
    port: number;
    /** Connections beyond this are closed at once (CometBFT's instrumentation.max_open_connections). */
    maxOpenConnections: number;
  },
): RpcServerOptions {
  return {
    host: o.host,
    port: o.port,
    maxOpenConnections: o.maxOpenConnections,
    maxBodyBytes: 1024,
    requestTimeoutMs: 10_000,
    rateLimit: SCRAPE_LIMIT,
    jsonRpc: false,
    websocket: false,
    routes: [metricsRoutes(source)],
  };
}
