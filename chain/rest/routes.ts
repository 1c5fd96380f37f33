import type { FastifyInstance } from "fastify";
import type { RpcBackend } from "../rpc/backend.ts";
import type { RpcRoutes } from "../rpc/server.ts";
import { type ChainInfoOptions, chainInfoRoutes } from "./chain-info.ts";
import { ciferRoutes } from "./cifer.ts";
import { moduleRoutes } from "./modules.ts";
import { restErrorHandlers } from "./reply.ts";
import { type AppVersion, tendermintRoutes } from "./tendermint.ts";
import { txRoutes } from "./tx.ts";

export interface RestOptions extends ChainInfoOptions {
  backend: RpcBackend;
  /** application_version of node_info. */
  version: AppVersion;
}

/**
 * The Cosmos REST API (the SDK's gRPC-gateway paths under /cosmos, cifer modules under /cifer) and
 * /chain-info.json, as a Fastify plugin for the RPC server (chain/rpc/server.ts) or a REST-only one.
 * Each prefix answers its errors and unknown paths as the gateway does ({code, message, details}).
 */
export function restRoutes(o: RestOptions): RpcRoutes {
  const { backend } = o;
  return async (app: FastifyInstance) => {
    await app.register(
      async (cosmos) => {
        restErrorHandlers(cosmos, "Cosmos REST");
        tendermintRoutes(cosmos, backend, o.version);
        moduleRoutes(cosmos, backend);
        txRoutes(cosmos, backend);
      },
      { prefix: "/cosmos" },
    );
    await app.register(
      async (cifer) => {
        restErrorHandlers(cifer, "cifer REST");
        ciferRoutes(cifer, backend);
      },
      { prefix: "/cifer" },
    );
    await app.register(async (info) => {
      restErrorHandlers(info, "chain info", false);
      chainInfoRoutes(info, backend, o);
    });
  };
}
