import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { sha256, utf8 } from "../../chain/crypto/hash.ts";
import { KEY_WRAP_BYTES } from "../../modules/fl/evalset/key-wrap.ts";
import { MARKET_CODESPACE, type MarketCode } from "../../modules/market/errors.ts";
import { encode, type MarketCodec } from "../../modules/market/proto.ts";
import type { AppHarness } from "./app-harness.ts";
import { blob } from "./fl.ts";
import type { TestKey } from "./signer.ts";
import { valoperOf } from "./staking.ts";

/** A refusal of the market codespace, as FlDriver.tx expects it. */
export const marketCode = (c: MarketCode): [string, number] => [MARKET_CODESPACE, c];

/** A dataset hash for any label. */
export const dataHash = (label: string) => Buffer.from(sha256(utf8(label))).toString("hex");

/** An eval set whose key is "wrapped" for these validators (the chain checks the shape only). */
export const fakeEvalSet = (validators: TestKey[], label = "test-set") => ({
  cid: blob(label).cid,
  records: 100,
  wraps: validators.map((k) => ({ validator: valoperOf(k), wrap: new Uint8Array(KEY_WRAP_BYTES).fill(7) })),
});

export const salt = () => new Uint8Array(randomBytes(32));

/** A market query through the harness, which must succeed. */
export async function marketQuery<Req, Res>(
  h: AppHarness,
  method: string,
  req: MarketCodec<Req>,
  res: MarketCodec<Res>,
  m: Partial<Req>,
): Promise<Res> {
  const r = await h.query(`/cifer.market.v1.Query/${method}`, encode(req, req.fromPartial(m)));
  assert.equal(r.code, 0, r.log);
  return res.decode(r.value);
}
