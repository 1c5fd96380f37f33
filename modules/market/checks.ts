import { HASH_RE, parseCid } from "../fl/cid.ts";
import { MarketCode, marketError } from "./errors.ts";
import type { MarketParams } from "./params.ts";
import type { Disclosure } from "./proto.ts";

// Stateless checks of the market's fields (pure), shared by the messages that carry them.

const utf8Bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** A free text within max_text_bytes; `required` refuses an empty one. */
export function checkText(s: string, p: MarketParams, what: string, required = false): void {
  if (required && s.trim() === "") throw marketError(MarketCode.InvalidText, `${what} must not be empty`);
  const n = utf8Bytes(s);
  if (n > p.maxTextBytes)
    throw marketError(MarketCode.InvalidText, `${what} is ${n} bytes, the limit is ${p.maxTextBytes}`);
}

/** A sha256 in lower-case hex. */
export function checkHash(h: string, what: string): void {
  if (!HASH_RE.test(h))
    throw marketError(
      MarketCode.InvalidHash,
      `${what} must be 64 lower-case hex digits (sha256), got ${JSON.stringify(h.slice(0, 80))}`,
    );
}

/** A canonical CIDv1 (raw, sha2-256); empty is allowed when `optional`. Returns its digest. */
export function checkCid(c: string, what: string, optional = false): string {
  if (optional && c === "") return "";
  const parsed = parseCid(c);
  if ("error" in parsed) throw marketError(MarketCode.InvalidCid, `${what}: ${parsed.error}`);
  return parsed.digestHex;
}

export function checkDisclosure(d: Disclosure | undefined, p: MarketParams): Disclosure {
  const out = d ?? { abstract: "", sampleCid: "", statistics: "" };
  checkText(out.abstract, p, "abstract");
  checkText(out.statistics, p, "statistics");
  checkCid(out.sampleCid, "sample cid", true);
  return out;
}

/** A ucif amount of a message: whole, non-negative, at most 30 digits. */
export function checkAmount(s: string, what: string): bigint {
  if (!/^(0|[1-9][0-9]{0,29})$/.test(s))
    throw marketError(
      MarketCode.InvalidPrice,
      `${what} must be a whole ucif amount, got ${JSON.stringify(s.slice(0, 40))}`,
    );
  return BigInt(s);
}
