import type { QueryAnswer } from "../rpc/backend.ts";

/**
 * Errors of the Cosmos REST layer, answered as the Cosmos SDK's gRPC-gateway does: a body
 * {"code": <gRPC code>, "message", "details": []} with the HTTP status grpc-gateway maps that code to.
 */
export enum GrpcCode {
  Ok = 0,
  Cancelled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
}

/** grpc-gateway's HTTPStatusFromCode. */
const HTTP_STATUS: Record<GrpcCode, number> = {
  [GrpcCode.Ok]: 200,
  [GrpcCode.Cancelled]: 499,
  [GrpcCode.Unknown]: 500,
  [GrpcCode.InvalidArgument]: 400,
  [GrpcCode.DeadlineExceeded]: 504,
  [GrpcCode.NotFound]: 404,
  [GrpcCode.AlreadyExists]: 409,
  [GrpcCode.PermissionDenied]: 403,
  [GrpcCode.ResourceExhausted]: 429,
  [GrpcCode.FailedPrecondition]: 400,
  [GrpcCode.Aborted]: 409,
  [GrpcCode.OutOfRange]: 400,
  [GrpcCode.Unimplemented]: 501,
  [GrpcCode.Internal]: 500,
  [GrpcCode.Unavailable]: 503,
  [GrpcCode.DataLoss]: 500,
  [GrpcCode.Unauthenticated]: 401,
};

export const httpStatusOf = (code: GrpcCode): number => HTTP_STATUS[code] ?? 500;

export interface RestErrorBody {
  code: number;
  message: string;
  details: unknown[];
}

export class RestError extends Error {
  constructor(
    readonly code: GrpcCode,
    message: string,
  ) {
    super(message);
    this.name = "RestError";
  }

  get status(): number {
    return httpStatusOf(this.code);
  }

  toJson(): RestErrorBody {
    return { code: this.code, message: this.message, details: [] };
  }
}

export const invalidArgument = (message: string) => new RestError(GrpcCode.InvalidArgument, message);
export const notFound = (message: string) => new RestError(GrpcCode.NotFound, message);
export const internal = (message: string) => new RestError(GrpcCode.Internal, message);

/** gRPC code names as Go's status errors print them (Go spells Cancelled "Canceled"). */
const GRPC_NAMES: Record<string, GrpcCode> = {
  ...(Object.fromEntries(Object.entries(GrpcCode).filter(([, v]) => typeof v === "number")) as Record<
    string,
    GrpcCode
  >),
  Canceled: GrpcCode.Cancelled,
};

/**
 * SDK codes (codespace "sdk") as the SDK's gRPC server reports them when a query handler returns a
 * registered error instead of a gRPC status (errors.ToGRPCStatus / grpc_gateway's mapping).
 */
const SDK_TO_GRPC: Partial<Record<number, GrpcCode>> = {
  4: GrpcCode.Unauthenticated,
  6: GrpcCode.Unimplemented,
  7: GrpcCode.InvalidArgument,
  9: GrpcCode.NotFound,
  18: GrpcCode.InvalidArgument,
  22: GrpcCode.NotFound,
  26: GrpcCode.InvalidArgument,
  38: GrpcCode.NotFound,
};

/** Registered descriptions ChainError appends to a log ("...: key not found"); not part of the message. */
const DESCRIPTION_SUFFIX = /: (key not found|invalid request|not found|invalid address|invalid height)$/;

/**
 * A failed ABCI query as the gRPC error the SDK's gateway would answer: a "rpc error: code = X desc
 * = msg" log keeps its code and message, a registered SDK error gets its gRPC equivalent.
 */
export function queryError(ans: Pick<QueryAnswer, "code" | "codespace" | "log">): RestError {
  const m = /^rpc error: code = (\w+) desc = ([\s\S]*)$/.exec(ans.log);
  if (m && GRPC_NAMES[m[1]!] !== undefined) {
    return new RestError(GRPC_NAMES[m[1]!]!, m[2]!.replace(DESCRIPTION_SUFFIX, ""));
  }
  const code = ans.codespace === "sdk" ? (SDK_TO_GRPC[ans.code] ?? GrpcCode.Unknown) : GrpcCode.Unknown;
  return new RestError(code, ans.log === "" ? `query failed with code ${ans.code}` : ans.log);
}

/** Anything thrown by a REST handler as a RestError (unexpected errors are Internal). */
export function toRestError(e: unknown): RestError {
  if (e instanceof RestError) return e;
  return internal(e instanceof Error ? e.message : String(e));
}
