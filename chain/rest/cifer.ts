import protobuf from "protobufjs";
import type { FastifyInstance } from "fastify";
import { allProtos, LONGS } from "../../proto/codec.ts";
import type { RpcBackend } from "../rpc/backend.ts";
import { invalidArgument, notFound } from "./errors.ts";
import { snakeCase } from "./json.ts";
import { parseBase64, parseBool, parseInt64, parseUint, QueryArgs } from "./params.ts";
import { grpcQueryBytes } from "./query.ts";
import { sendJson } from "./reply.ts";
import { protobufJson } from "./types.ts";
import { MAX_PAGE_LIMIT } from "../app/grpc.ts";

/**
 * cifer.<module>.v1 queries, generically from their proto service definitions (the protobufjs root
 * of proto/codec.ts): GET /cifer/<module>/v1/<method in snake_case>, request fields from query
 * parameters by their proto names (nested ones dotted: pagination.limit), answered with the SDK's
 * JSON conventions. A module's new query needs no change here.
 */

/** cifer.<module>.v1.Query, if that module's protos are loaded. */
export function queryService(module: string): protobuf.Service | undefined {
  if (!/^[a-z][a-z0-9_]{0,31}$/.test(module)) return undefined;
  const found = allProtos().lookup(`cifer.${module}.v1.Query`);
  return found instanceof protobuf.Service ? found : undefined;
}

/** Modules with a cifer.<module>.v1.Query service, sorted. */
export function ciferQueryModules(): string[] {
  const cifer = allProtos().lookup("cifer");
  if (!(cifer instanceof protobuf.Namespace)) return [];
  return cifer.nestedArray
    .filter((ns) => queryService(ns.name) !== undefined)
    .map((ns) => ns.name)
    .sort();
}

/** A gRPC method name as its REST path segment: ModelOfTask -> model_of_task. */
export const methodPath = (name: string): string => snakeCase(name).replace(/^_/, "");

const UINT32 = new Set(["uint32", "fixed32"]);
const INT32 = new Set(["int32", "sint32", "sfixed32"]);
const UNSIGNED = new Set(["uint64", "fixed64"]);

/** Scalar fields of a request reachable from query parameters: dotted proto name -> field path. */
function requestFields(t: protobuf.Type, prefix = "", depth = 0): Map<string, protobuf.Field[]> {
  const out = new Map<string, protobuf.Field[]>();
  for (const f of t.fieldsArray) {
    const name = `${prefix}${snakeCase(f.name)}`;
    if (f.resolvedType instanceof protobuf.Type) {
      if (f.repeated || depth >= 3) continue;
      for (const [n, path] of requestFields(f.resolvedType, `${name}.`, depth + 1)) out.set(n, [f, ...path]);
    } else {
      out.set(name, [f]);
    }
  }
  return out;
}

/** One query-parameter value as protobufjs' fromObject takes it for a scalar or enum field. */
function scalarValue(f: protobuf.Field, name: string, s: string): unknown {
  if (f.resolvedType instanceof protobuf.Enum) {
    const e = f.resolvedType;
    if (Object.hasOwn(e.values, s)) return e.values[s];
    if (/^[0-9]+$/.test(s) && e.valuesById[Number(s)] !== undefined) return Number(s);
    throw invalidArgument(
      `${name} must be one of ${Object.keys(e.values).join(", ")}, got ${JSON.stringify(s)}`,
    );
  }
  if (LONGS.has(f.type)) return (UNSIGNED.has(f.type) ? parseUint(s, name) : parseInt64(s, name)).toString();
  if (UINT32.has(f.type)) return Number(parseUint(s, name, 0xffffffffn));
  if (INT32.has(f.type)) {
    const n = parseInt64(s, name);
    if (n < -0x80000000n || n > 0x7fffffffn) throw invalidArgument(`${name} is out of the int32 range`);
    return Number(n);
  }
  if (f.type === "bool") return parseBool(s, name);
  if (f.type === "bytes") return parseBase64(s, name);
  if (f.type === "string") return s;
  throw invalidArgument(`${name} (${f.type}) cannot be given as a query parameter`);
}

/**
 * The encoded request message from a request's query parameters (unknown ones refused);
 * pagination.limit is capped as the query servers cap it.
 */
export function requestFromQuery(
  t: protobuf.Type,
  query: unknown,
  fields: Map<string, protobuf.Field[]> = requestFields(t),
): Uint8Array {
  const args = new QueryArgs(query, [...fields.keys()]);
  const obj: Record<string, unknown> = {};
  for (const [name, path] of fields) {
    if (!args.has(name)) continue;
    const leaf = path[path.length - 1]!;
    const raw = leaf.repeated ? args.all(name) : [args.string(name)!];
    let values = raw.map((s) => scalarValue(leaf, name, s));
    if (name === "pagination.limit" && BigInt(values[0] as string) > MAX_PAGE_LIMIT)
      values = [MAX_PAGE_LIMIT.toString()];
    let target = obj;
    for (const f of path.slice(0, -1)) {
      target[f.name] ??= {};
      target = target[f.name] as Record<string, unknown>;
    }
    target[leaf.name] = leaf.repeated ? values : values[0];
  }
  return t.encode(t.fromObject(obj)).finish();
}

/** A query method with its request's query-parameter fields, resolved once. */
interface QueryMethod {
  method: protobuf.Method;
  fields: Map<string, protobuf.Field[]>;
}

/** The unary query methods of each module by REST path segment, built on the module's first lookup. */
const methodsByModule = new Map<string, Map<string, QueryMethod>>();

function queryMethods(module: string, service: protobuf.Service): Map<string, QueryMethod> {
  let methods = methodsByModule.get(module);
  if (!methods) {
    methods = new Map();
    for (const m of service.methodsArray) {
      if (m.requestStream || m.responseStream) continue;
      m.resolve();
      methods.set(methodPath(m.name), { method: m, fields: requestFields(m.resolvedRequestType!) });
    }
    methodsByModule.set(module, methods);
  }
  return methods;
}

export function ciferRoutes(app: FastifyInstance, backend: RpcBackend): void {
  app.get<{ Params: { module: string; method: string } }>("/:module/v1/:method", async (request, reply) => {
    const { module, method } = request.params;
    const service = queryService(module);
    if (!service) {
      throw notFound(
        `no cifer module ${JSON.stringify(module.slice(0, 40))} with queries; modules: ${ciferQueryModules().join(", ")}`,
      );
    }
    const found = queryMethods(module, service).get(method);
    if (!found) {
      const available = service.methodsArray.map((x) => methodPath(x.name)).join(", ");
      throw notFound(
        `cifer.${module}.v1.Query has no method ${JSON.stringify(method.slice(0, 60))} (transactions are not sent here); queries: ${available}`,
      );
    }
    const { method: m, fields } = found;
    const bytes = requestFromQuery(m.resolvedRequestType!, request.query, fields);
    const { value, height } = await grpcQueryBytes(backend, `/cifer.${module}.v1.Query/${m.name}`, bytes);
    return sendJson(reply, 200, protobufJson(m.resolvedResponseType!, value), height);
  });
}
