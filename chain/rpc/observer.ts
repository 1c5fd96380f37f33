import type { FastifyRequest } from "fastify";
import { METHODS } from "./methods.ts";

/**
 * What the RPC server reports about its traffic (the node's metrics implement it). Called on the
 * request path, so implementations must be cheap and must not throw.
 */
export interface RpcObserver {
  /** A request was answered: its route label, HTTP status and duration in seconds. */
  request(route: string, status: number, seconds: number): void;
  /** A request (or a websocket message) was refused by the rate limiter. */
  rateLimited(route: string): void;
  /** The number of open websocket connections changed. */
  websocketConnections(open: number): void;
}

/**
 * A bounded label for a request: the registered route pattern, the method name for CometBFT's
 * `/<method>` GETs (only known methods, so a scanner's random paths do not grow the label set), or
 * "not_found".
 */
export function routeLabel(request: FastifyRequest): string {
  const url = request.routeOptions.url;
  if (url === undefined) return "not_found";
  if (url === "/:method") {
    const m = (request.params as { method?: string } | undefined)?.method;
    return m !== undefined && Object.hasOwn(METHODS, m) ? `/${m}` : "/:method";
  }
  return url;
}
