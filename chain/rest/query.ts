import type { FastifyReply } from "fastify";
import type { RpcBackend } from "../rpc/backend.ts";
import { internal, queryError } from "./errors.ts";
import { sendJson } from "./reply.ts";
import { cosmjsJson } from "./types.ts";

/** A cosmjs-types message class as a gRPC request or response codec. */
export interface GrpcCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
  fromPartial(object: never): T;
}

export interface Answer<T> {
  value: T;
  /** The height of the state that answered (the SDK's x-cosmos-block-height). */
  height: bigint;
}

/**
 * One gRPC query through the same path as JSON-RPC's abci_query (RpcBackend.abciQuery at the latest
 * height), so REST and JSON-RPC answer from the same state. A failed query throws its RestError.
 */
export async function grpcQueryBytes(
  backend: RpcBackend,
  path: string,
  request: Uint8Array,
): Promise<Answer<Uint8Array>> {
  const ans = await backend.abciQuery(path, request, 0n, false);
  if (ans.code !== 0) throw queryError(ans);
  return { value: ans.value, height: ans.height };
}

export async function grpcQuery<Req, Res>(
  backend: RpcBackend,
  path: string,
  req: GrpcCodec<Req>,
  request: Req,
  res: GrpcCodec<Res>,
): Promise<Answer<Res>> {
  const { value, height } = await grpcQueryBytes(backend, path, req.encode(request).finish());
  try {
    return { value: res.decode(value), height };
  } catch (e) {
    throw internal(`cannot decode the answer of ${path}: ${(e as Error).message}`);
  }
}

/** Runs a query and answers its JSON as the SDK's gateway does, with the height of the state it read. */
export async function grpcAnswer<Req, Res extends object>(
  reply: FastifyReply,
  backend: RpcBackend,
  path: string,
  req: GrpcCodec<Req>,
  request: Req,
  res: GrpcCodec<Res> & { toJSON(m: Res): unknown },
): Promise<FastifyReply> {
  const { value, height } = await grpcQuery(backend, path, req, request, res);
  return sendJson(reply, 200, cosmjsJson(res, value), height);
}
