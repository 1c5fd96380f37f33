/**
 * JSON-RPC 2.0 error codes and messages exactly as CometBFT's rpc/jsonrpc/types writes them. The
 * `message` is fixed per code; what went wrong goes into `data` (a string, omitted when empty).
 */
export enum RpcErrorCode {
  /** Invalid JSON was received. */
  ParseError = -32700,
  /** The JSON sent is not a valid request object (or the body could not be read). */
  InvalidRequest = -32600,
  /** The method does not exist or is not available over this transport. */
  MethodNotFound = -32601,
  /** The parameters could not be converted to the method's arguments. */
  InvalidParams = -32602,
  /** The method failed: CometBFT reports every handler error with this code. */
  InternalError = -32603,
  /** Server-side refusal that is not the method's fault (rate limit). */
  ServerError = -32000,
}

export const RPC_ERROR_MESSAGES: Record<RpcErrorCode, string> = {
  [RpcErrorCode.ParseError]: "Parse error. Invalid JSON",
  [RpcErrorCode.InvalidRequest]: "Invalid Request",
  [RpcErrorCode.MethodNotFound]: "Method not found",
  [RpcErrorCode.InvalidParams]: "Invalid params",
  [RpcErrorCode.InternalError]: "Internal error",
  [RpcErrorCode.ServerError]: "Server error",
};

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: string;
}

/** A failure that is answered as a JSON-RPC error object. */
export class RpcError extends Error {
  constructor(
    readonly code: RpcErrorCode,
    readonly data = "",
  ) {
    super(data === "" ? RPC_ERROR_MESSAGES[code] : `${RPC_ERROR_MESSAGES[code]}: ${data}`);
    this.name = "RpcError";
  }

  toJson(): RpcErrorBody {
    const body: RpcErrorBody = { code: this.code, message: RPC_ERROR_MESSAGES[this.code] };
    if (this.data !== "") body.data = this.data;
    return body;
  }
}

/** A JSON-RPC error response, as the HTTP handler and /websocket both answer. */
export const failure = (id: string | number | null, e: RpcError) => ({
  jsonrpc: "2.0" as const,
  id,
  error: e.toJson(),
});

export const parseError = (data: string) => new RpcError(RpcErrorCode.ParseError, data);
export const invalidRequest = (data: string) => new RpcError(RpcErrorCode.InvalidRequest, data);
export const methodNotFound = () => new RpcError(RpcErrorCode.MethodNotFound);
export const invalidParams = (data: string) => new RpcError(RpcErrorCode.InvalidParams, data);
/** What a method handler reports: CometBFT answers every error a handler returns as -32603. */
export const internalError = (data: string) => new RpcError(RpcErrorCode.InternalError, data);
export const serverError = (data: string) => new RpcError(RpcErrorCode.ServerError, data);

/** Any error thrown while running a method (by the backend included) as an RpcError. */
export function toRpcError(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  if (e instanceof Error) return internalError(e.message);
  return internalError(String(e));
}
