import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FilePrivValidator } from "../../chain/consensus/priv-validator.ts";
import { SoloProducer } from "./solo-producer.ts";
import { type Ed25519Key, generateEd25519 } from "../../chain/crypto/ed25519.ts";
import { sha256, utf8 } from "../../chain/crypto/hash.ts";
import { type GenesisDoc, parseGenesisDoc } from "../../chain/genesis/genesis-doc.ts";
import { type ChainCore, openChainCore } from "../../chain/node/chain-core.ts";
import { createLogger } from "../../chain/node/logger.ts";
import { LevelDB } from "../../chain/store/level-db.ts";
import { parseGasPrices } from "../../chain/types/gas-price.ts";
import { createApp } from "../../chain/wiring/app.ts";
import { buildGenesis, devAccounts } from "../../chain/wiring/genesis.ts";

/** A genesis with the given validator keys (equal power) and the funded dev accounts. */
export async function testGenesis(keys: Ed25519Key[], chainId = "cifer-test-1"): Promise<GenesisDoc> {
  const json = buildGenesis({
    chainId,
    genesisTime: "2026-01-01T00:00:00Z",
    validators: keys.map((k, i) => ({ pubKey: k.pubkey, power: 10n, name: `v${i}` })),
    devAddresses: (await devAccounts()).map((d) => d.address),
  });
  return parseGenesisDoc(JSON.stringify(json));
}

/** The real chain core (LevelDB, app, mempool, executor) in a temp folder, without networking. */
export class TestChain {
  private constructor(
    readonly core: ChainCore,
    readonly db: LevelDB,
    readonly dir: string,
  ) {}

  static async open(genesis: GenesisDoc): Promise<TestChain> {
    const dir = mkdtempSync(join(tmpdir(), "cifer-chain-"));
    const db = new LevelDB(join(dir, "db"));
    await db.open();
    const core = await openChainCore({
      db,
      genesis,
      genesisHash: sha256(utf8(JSON.stringify(genesis.json))),
      createApp: (committed) =>
        createApp({ chainId: genesis.chainId, committed, minGasPrices: () => parseGasPrices("0.0025ucif") }),
      log: createLogger("error"),
    });
    return new TestChain(core, db, dir);
  }

  /** A single-validator producer over this chain, driven by produceOne(). */
  producer(key: Ed25519Key = generateEd25519()): SoloProducer {
    return new SoloProducer({
      executor: this.core.executor,
      blockStore: this.core.blockStore,
      mempool: this.core.mempool,
      signer: new FilePrivValidator(key, join(this.dir, "pv-state.json")),
      intervalMs: 1000,
      pendingBlockPath: join(this.dir, "pending.pb"),
    });
  }

  async close(): Promise<void> {
    await this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
