/**
 * `pnpm genesis:example`: writes ./genesis.json, the example genesis of the local network (the
 * whitepaper allocation, the five dev accounts, one example validator created by its gentx). `pnpm testnet` generates
 * its own genesis with fresh validator keys; a test keeps this file equal to what the code builds.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ed25519FromSeed } from "../chain/crypto/ed25519.ts";
import { sha256, utf8 } from "../chain/crypto/hash.ts";
import type { JsonObject } from "../chain/types/json.ts";
import { DEFAULT_CHAIN_ID, devAccounts } from "../chain/wiring/genesis.ts";
import {
  buildStakedGenesis,
  LOCAL_STAKING,
  VALIDATOR_OPERATOR_HD_BASE,
} from "../chain/wiring/genesis-validators.ts";

export const EXAMPLE_GENESIS_PATH = join(import.meta.dirname, "..", "genesis.json");

/** Deterministic so the file is reproducible; the key is public, so it must never secure a real chain. */
export async function exampleGenesis(): Promise<JsonObject> {
  const validator = ed25519FromSeed(sha256(utf8("cifer example validator: public, never use for value")));
  return buildStakedGenesis({
    chainId: DEFAULT_CHAIN_ID,
    genesisTime: "2026-01-01T00:00:00Z",
    validators: [
      {
        consensusPubKey: validator.pubkey,
        moniker: "example-validator",
        hdIndex: VALIDATOR_OPERATOR_HD_BASE,
      },
    ],
    devAddresses: (await devAccounts()).map((d) => d.address),
    staking: LOCAL_STAKING,
  });
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  writeFileSync(EXAMPLE_GENESIS_PATH, `${JSON.stringify(await exampleGenesis(), null, 2)}\n`);
  console.log(`wrote ${EXAMPLE_GENESIS_PATH}`);
}
