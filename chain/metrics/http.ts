import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { RateLimiter } from "../rpc/rate-limiter.ts";

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

export interface MetricsServerOptions {
  host: string;
  port: number;
  /** Connections beyond this are closed at once (CometBFT's instrumentation.max_open_connections). */
  maxOpenConnections: number;
}

/** Scrapes a second or so apart are the norm; this only keeps a runaway client from spinning the node. */
const SCRAPE_LIMIT = { requestsPerSecond: 10, burst: 20, maxKeys: 1000 };

/**
 * A listener of its own for /metrics (CometBFT's instrumentation.prometheus_listen_addr), for
 * operators who keep scrapes off the public RPC port. Tiny bodies only, rate limited per IP.
 */
export async function startMetricsServer(
  source: MetricsSource,
  o: MetricsServerOptions,
): Promise<{ close(): Promise<void>; port: number }> {
  const app = Fastify({ logger: false, bodyLimit: 1024, requestTimeout: 10_000 });
  const limiter = new RateLimiter(SCRAPE_LIMIT);
  app.addHook("onRequest", async (request, reply) => {
    if (!limiter.take(request.ip, 1))
      return reply.code(429).header("retry-after", "1").send("too many requests\n");
  });
  await app.register(metricsRoutes(source));
  await app.listen({ host: o.host, port: o.port });
  if (o.maxOpenConnections > 0) app.server.maxConnections = o.maxOpenConnections;
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}
