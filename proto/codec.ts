import { readdirSync } from "node:fs";
import { join } from "node:path";
import protobuf from "protobufjs";

// The codec every cifer.* package shares. One generic codec maps a protobufjs type to plain
// TypeScript objects by reflection: 64-bit integers are bigint, 32-bit ones number, bytes Uint8Array,
// enums their numbers, absent messages undefined. Its shape ({encode, decode, fromPartial}) is what
// @cosmjs/proto-signing's GeneratedType and chain/app/grpc.ts expect, so unmodified CosmJS can sign
// every cifer message.

/** The folder of the .proto sources; imports inside them are relative to it. */
export const PROTO_DIR = import.meta.dirname;

/** The 64-bit integer scalar types (bigint in TypeScript, decimal strings in JSON). */
export const LONGS: ReadonlySet<string> = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const NUMBERS = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32", "double", "float"]);

function scalarDefault(f: protobuf.Field): unknown {
  if (f.resolvedType instanceof protobuf.Type) return undefined;
  if (f.resolvedType instanceof protobuf.Enum) return 0;
  if (LONGS.has(f.type)) return 0n;
  if (NUMBERS.has(f.type)) return 0;
  if (f.type === "bool") return false;
  if (f.type === "bytes") return new Uint8Array();
  return "";
}

/** One value of a field, from anything a caller may hand in (fromPartial) to its TypeScript form. */
function normalise(f: protobuf.Field, v: unknown): unknown {
  if (v === undefined || v === null) return scalarDefault(f);
  if (f.resolvedType instanceof protobuf.Type) return partial(f.resolvedType, v as Record<string, unknown>);
  if (LONGS.has(f.type)) return BigInt(v as bigint | number | string);
  if (f.type === "bytes") return v instanceof Uint8Array ? v : Uint8Array.from(v as number[]);
  return v;
}

/** Every field present, with its default when absent (the Telescope fromPartial contract). */
function partial(t: protobuf.Type, o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of t.fieldsArray) {
    const v = o[f.name];
    out[f.name] = f.repeated
      ? ((v as unknown[] | undefined) ?? []).map((x) => normalise(f, x))
      : normalise(f, v);
  }
  return out;
}

/** A proto3 default, which canonical encoders (Go, Telescope) leave out of the wire. */
const isDefault = (v: unknown) =>
  v === 0 ||
  v === 0n ||
  v === "" ||
  v === false ||
  (v instanceof Uint8Array && v.length === 0) ||
  (Array.isArray(v) && v.length === 0);

/**
 * TypeScript form to what protobufjs' fromObject takes: 64-bit integers as decimal strings, defaults
 * left out so the bytes are canonical proto3 (the same a Go or Telescope encoder writes).
 */
function toWire(t: protobuf.Type, o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of t.fieldsArray) {
    const v = o[f.name];
    if (v === undefined || v === null || isDefault(v)) continue;
    const one = (x: unknown): unknown => {
      if (f.resolvedType instanceof protobuf.Type)
        return toWire(f.resolvedType, x as Record<string, unknown>);
      if (LONGS.has(f.type)) return (x as bigint).toString();
      return x;
    };
    out[f.name] = f.repeated ? (v as unknown[]).map(one) : one(v);
  }
  return out;
}

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: Number,
  bytes: Array,
  defaults: true,
  arrays: true,
};

export interface ProtoCodec<T> {
  readonly typeUrl: string;
  encode(message: T, writer?: protobuf.Writer): protobuf.Writer;
  decode(input: Uint8Array | protobuf.Reader, length?: number): T;
  fromPartial(object: Partial<T> | Record<string, unknown>): T;
}

/**
 * One root for every cifer package, so packages that import each other share their types (protobufjs
 * loads a file once per root).
 */
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (target.startsWith("/") ? target : join(PROTO_DIR, target));

let everyFileLoaded = false;

/**
 * The shared root with every .proto file under proto/ loaded (whichever modules' codecs have been
 * created), for code that reads the definitions themselves: the REST gateway (chain/rest) finds the
 * query services and types there.
 */
export function allProtos(): protobuf.Root {
  if (!everyFileLoaded) {
    const files = readdirSync(PROTO_DIR, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".proto"))
      .sort();
    root.loadSync(files.map((f) => join(PROTO_DIR, f)));
    root.resolveAll();
    everyFileLoaded = true;
  }
  return root;
}

/**
 * The codec factory of one package (e.g. `cifer.market.v1`) after loading its files (paths relative
 * to proto/). `codec("MsgX")` has type URL `/<package>.MsgX`.
 */
export function protoCodecs(pkg: string, files: readonly string[]): <T>(name: string) => ProtoCodec<T> {
  root.loadSync(files.map((f) => join(PROTO_DIR, f)));
  root.resolveAll();
  return <T>(name: string): ProtoCodec<T> => {
    const t = root.lookupType(`${pkg}.${name}`);
    return {
      typeUrl: `/${pkg}.${name}`,
      encode: (m, writer) => t.encode(t.fromObject(toWire(t, m as Record<string, unknown>)), writer),
      decode: (input, length) =>
        partial(t, t.toObject(t.decode(input, length), TO_OBJECT) as Record<string, unknown>) as T,
      fromPartial: (o) => partial(t, o as Record<string, unknown>) as T,
    };
  };
}

/** Encodes a message to bytes. */
export const encode = <T>(c: ProtoCodec<T>, m: T): Uint8Array => c.encode(m).finish();
