import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { App, TxResult } from "../../chain/app/app.ts";
import type { BlockInfo } from "../../chain/app/context.ts";
import { generateEd25519 } from "../../chain/crypto/ed25519.ts";
import { sha256, utf8 } from "../../chain/crypto/hash.ts";
import { parseGenesisDoc } from "../../chain/genesis/genesis-doc.ts";
import { STATE_PREFIX, stateOps } from "../../chain/state/prefixes.ts";
import { LevelDB } from "../../chain/store/level-db.ts";
import { parseGasPrices } from "../../chain/types/gas-price.ts";
import { createApp } from "../../chain/wiring/app.ts";
import { buildGenesis, devAccounts } from "../../chain/wiring/genesis.ts";
import type { ValidatorUpdate } from "../../chain/types/block.ts";
import type { AbciEvent } from "../../chain/app/events.ts";
import type { JsonObject } from "../../chain/types/json.ts";

export const CHAIN_ID = "cifer-test-1";

/**
 * The real app (auth + bank, real ante) over a real LevelDB in a temp folder, driven block by block
 * without the node around it: for state-machine tests that need no network.
 */
export class AppHarness {
  height = 0n;
  /** What the app's EndBlock returned for the last block. */
  lastValidatorUpdates: ValidatorUpdate[] = [];
  /** Block-level events (begin and end block) of the last block. */
  lastEvents: AbciEvent[] = [];
  private constructor(
    readonly app: App,
    readonly db: LevelDB,
    private readonly dir: string,
  ) {}

  /** edit: changes the genesis JSON before it is parsed (module params, extra sections). */
  static async create(edit: (genesis: JsonObject) => void = () => {}): Promise<AppHarness> {
    const dir = mkdtempSync(join(tmpdir(), "cifer-app-"));
    const db = new LevelDB(join(dir, "db"));
    await db.open();
    const app = createApp({
      chainId: CHAIN_ID,
      committed: db.view(STATE_PREFIX),
      minGasPrices: () => parseGasPrices("0.0025ucif"),
    });
    const devs = await devAccounts();
    const genesis = buildGenesis({
      chainId: CHAIN_ID,
      genesisTime: "2026-01-01T00:00:00Z",
      validators: [{ pubKey: generateEd25519().pubkey, power: 10n, name: "v0" }],
      devAddresses: devs.map((d) => d.address),
    });
    edit(genesis);
    const doc = parseGenesisDoc(JSON.stringify(genesis));
    const { writes } = await app.initChain(doc.appState, info(0n));
    await db.write(stateOps(writes));
    app.afterCommit(info(0n));
    return new AppHarness(app, db, dir);
  }

  /**
   * Executes and commits one block of txs; returns each tx's result. `consensus` is what the node
   * would tell the app of the block (proposer, last commit votes, misbehaviour).
   */
  async block(txs: Uint8Array[], consensus: Partial<BlockInfo> = {}): Promise<TxResult[]> {
    const h = this.height + 1n;
    await this.app.beginBlock({ ...info(h), ...consensus });
    const results: TxResult[] = [];
    for (const tx of txs) results.push(await this.app.deliverTx(tx));
    this.lastValidatorUpdates = await this.app.endBlock();
    const { writes, events } = this.app.commit();
    this.lastEvents = events;
    await this.db.write(stateOps(writes));
    this.app.afterCommit(info(h));
    this.height = h;
    // Every module's invariants (supply = balances = 10^15 ucif, pools = stake, ...) after every block.
    const broken = await this.app.checkInvariants(info(h));
    if (broken.length > 0) throw new Error(`invariants broken after block ${h}:\n  ${broken.join("\n  ")}`);
    return results;
  }

  query(path: string, data: Uint8Array) {
    return this.app.query(path, data, info(this.height));
  }

  async close(): Promise<void> {
    await this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One second per block, so times in tests are heights. */
export const HARNESS_GENESIS_SECONDS = 1_767_225_600n;

/** A stand-in for the previous block's hash (the seed of fl committees), different at every height. */
export const harnessLastBlockHash = (height: bigint) =>
  height <= 1n ? new Uint8Array() : sha256(utf8(`harness block ${height - 1n}`));

function info(height: bigint): BlockInfo {
  return {
    chainId: CHAIN_ID,
    height,
    timeSeconds: HARNESS_GENESIS_SECONDS + height,
    timeNanos: 0,
    lastBlockHash: harnessLastBlockHash(height),
  };
}
