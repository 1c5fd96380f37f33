/**
 * Strict readers for JSON from outside (genesis, config, RPC params). Each names the path of the
 * offending field, so a malformed file is refused with a message that says where.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export class JsonShapeError extends Error {}

const fail = (path: string, what: string): never => {
  throw new JsonShapeError(`${path}: ${what}`);
};

export function obj(v: unknown, path: string): JsonObject {
  if (v === null || typeof v !== "object" || Array.isArray(v)) fail(path, "expected an object");
  return v as JsonObject;
}

export function arr(v: unknown, path: string): Json[] {
  if (!Array.isArray(v)) fail(path, "expected an array");
  return v as Json[];
}

export function str(v: unknown, path: string): string {
  if (typeof v !== "string") fail(path, "expected a string");
  return v as string;
}

export function bool(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") fail(path, "expected true or false");
  return v as boolean;
}

/** A non-negative integer written as a decimal string (or a safe JSON number), as Cosmos JSON does. */
export function uint(v: unknown, path: string): bigint {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v !== "string" || !/^[0-9]{1,78}$/.test(v)) fail(path, "expected a non-negative integer string");
  return BigInt(v as string);
}

export function optional<T>(v: unknown, read: (v: unknown) => T, fallback: T): T {
  return v === undefined ? fallback : read(v);
}
