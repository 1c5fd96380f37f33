/**
 * `pnpm genesis:example`: writes ./genesis.json, the example genesis of the local network (the
 * whitepaper allocation, the five dev accounts, one example validator). `pnpm testnet` generates
 * its own genesis with fresh validator keys; a test keeps this file equal to what the code builds.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ed25519FromSeed } from "../chain/crypto/ed25519.ts";
import { sha256, utf8 } from "../chain/crypto/hash.ts";
import type { JsonObject } from "../chain/types/json.ts";
import { buildGenesis, DEFAULT_CHAIN_ID, devAccounts } from "../chain/wiring/genesis.ts";

export const EXAMPLE_GENESIS_PATH = join(import.meta.dirname, "..", "genesis.json");

/** Deterministic so the file is reproducible; the key is public, so it must never secure a real chain. */
export async function exampleGenesis(): Promise<JsonObject> {
  const validator = ed25519FromSeed(sha256(utf8("cifer example validator: public, never use for value")));
  return buildGenesis({
    chainId: DEFAULT_CHAIN_ID,
    genesisTime: "2026-01-01T00:00:00Z",
    validators: [{ pubKey: validator.pubkey, power: 10n, name: "example-validator" }],
    devAddresses: (await devAccounts()).map((d) => d.address),
  });
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  writeFileSync(EXAMPLE_GENESIS_PATH, `${JSON.stringify(await exampleGenesis(), null, 2)}\n`);
  console.log(`wrote ${EXAMPLE_GENESIS_PATH}`);
}
