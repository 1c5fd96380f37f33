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
import type { App } from "../../chain/app/app.ts";
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
    private readonly genesis: GenesisDoc,
    private readonly wrapApp: (app: App) => App,
  ) {}

  /** wrapApp: lets a test stand in for app behaviour no module has yet (e.g. validator updates). */
  static async open(
    genesis: GenesisDoc,
    wrapApp: (app: App) => App = (a) => a,
    dir?: string,
  ): Promise<TestChain> {
    const ownDir = dir === undefined;
    const home = dir ?? mkdtempSync(join(tmpdir(), "cifer-chain-"));
    const db = new LevelDB(join(home, "db"));
    await db.open();
    try {
      const core = await openChainCore({
        db,
        genesis,
        genesisHash: sha256(utf8(JSON.stringify(genesis.json))),
        createApp: (committed) =>
          wrapApp(
            createApp({
              chainId: genesis.chainId,
              committed,
              minGasPrices: () => parseGasPrices("0.0025ucif"),
            }),
          ),
        log: createLogger("error"),
      });
      return new TestChain(core, db, home, genesis, wrapApp);
    } catch (e) {
      // A genesis the chain refuses (tests check that) must not leave its database behind.
      await db.close();
      if (ownDir) rmSync(home, { recursive: true, force: true });
      throw e;
    }
  }

  /** Closes the database and opens the chain again from it, as a node restart does. */
  async reopen(): Promise<TestChain> {
    await this.db.close();
    return TestChain.open(this.genesis, this.wrapApp, this.dir);
  }

  /** A producer over this chain, driven by produceOne(); cosigners precommit with the proposer. */
  producer(key: Ed25519Key = generateEd25519(), cosigners: Ed25519Key[] = []): SoloProducer {
    return new SoloProducer({
      executor: this.core.executor,
      blockStore: this.core.blockStore,
      mempool: this.core.mempool,
      signer: new FilePrivValidator(key, join(this.dir, "pv-state.json")),
      cosigners: cosigners.map((k, i) => new FilePrivValidator(k, join(this.dir, `pv-state-${i}.json`))),
      intervalMs: 1000,
      pendingBlockPath: join(this.dir, "pending.pb"),
    });
  }

  async close(): Promise<void> {
    await this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
