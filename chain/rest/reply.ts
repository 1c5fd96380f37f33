import type { FastifyInstance, FastifyReply } from "fastify";
import { invalidArgument, notFound, RestError, toRestError } from "./errors.ts";
import type { Json } from "./json.ts";

/** The SDK gateway's header naming the height of the state that answered a query. */
export const HEIGHT_HEADER = "x-cosmos-block-height";

export function sendJson(reply: FastifyReply, status: number, body: Json, height?: bigint): FastifyReply {
  if (height !== undefined) reply.header(HEIGHT_HEADER, height.toString());
  return reply.code(status).header("content-type", "application/json").send(JSON.stringify(body));
}

export function sendError(reply: FastifyReply, e: RestError): FastifyReply {
  return sendJson(reply, e.status, e.toJson() as unknown as Json);
}

/**
 * The error and not-found handlers of a REST plugin (each prefix has its own): handler errors become
 * gRPC-gateway error bodies; malformed or oversized bodies are InvalidArgument.
 */
export function restErrorHandlers(app: FastifyInstance, what: string, ownsPrefix = true): void {
  app.setErrorHandler(async (err: Error & { code?: string; statusCode?: number }, _request, reply) => {
    if (err instanceof RestError) return sendError(reply, err);
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      reply.header("connection", "close");
      return sendJson(
        reply,
        413,
        invalidArgument(`request body too large: ${err.message}`).toJson() as unknown as Json,
      );
    }
    if (err.code?.startsWith("FST_ERR") || (err.statusCode !== undefined && err.statusCode < 500)) {
      return sendError(reply, invalidArgument(err.message));
    }
    app.log.error({ err }, `${what} request failed`);
    return sendError(reply, toRestError(err));
  });
  // Only a plugin with a prefix of its own may answer its unknown paths (the root's are the server's).
  if (!ownsPrefix) return;
  app.setNotFoundHandler(async (request, reply) =>
    sendError(
      reply,
      notFound(`no ${what} route ${request.method} ${request.url.split("?")[0]!.slice(0, 200)}`),
    ),
  );
}
