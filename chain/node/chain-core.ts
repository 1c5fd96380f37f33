import type { App } from "../app/app.ts";
import { BlockStore } from "../blockstore/block-store.ts";
import { bytesEqual, toHexUpper, utf8 } from "../crypto/hash.ts";
import type { GenesisDoc } from "../genesis/genesis-doc.ts";
import { Mempool, type MempoolLimits } from "../mempool/mempool.ts";
import { type ChainState, chainStateOp, loadChainState } from "../state/chain-state.ts";
import { genesisChainState } from "../state/transition.ts";
import { byVotingPower } from "../consensus/engine/proposer.ts";
import { ed25519Address } from "../crypto/ed25519.ts";
import { ValidatorStore } from "../state/validator-store.ts";
import { BlockExecutor, blockInfoOf } from "../state/executor.ts";
import { STATE_PREFIX, stateOps } from "../state/prefixes.ts";
import { nextAppHash } from "../store/app-hash.ts";
import type { KVReader } from "../store/kv.ts";
import type { BatchOp, LevelDB } from "../store/level-db.ts";
import type { Evidence } from "cosmjs-types/tendermint/types/evidence";
import { ReadCache } from "../store/read-cache.ts";
import { TxIndexer } from "../txindex/indexer.ts";
import type { Logger } from "./logger.ts";

const GENESIS_HASH_KEY = utf8("m/genesis_sha256");

export class ChainCoreError extends Error {}

/** Storage, app, mempool and executor of one chain over an open LevelDB: everything but networking. */
export interface ChainCore {
  app: App;
  blockStore: BlockStore;
  indexer: TxIndexer;
  mempool: Mempool;
  executor: BlockExecutor;
  validators: ValidatorStore;
}

/**
 * Opens the chain in `db`: applies genesis on first use (module state and the chain state at height
 * 0, in one batch), or resumes from the last committed block after checking that the genesis file is
 * the one the chain started with.
 */
export async function openChainCore(o: {
  db: LevelDB;
  genesis: GenesisDoc;
  /** sha256 of the genesis file as read. */
  genesisHash: Uint8Array;
  createApp: (committed: KVReader) => App;
  mempoolLimits?: MempoolLimits;
  /** Committed-evidence bookkeeping, written in each block's batch. */
  evidence?: { commitOps(evidence: Evidence[]): BatchOp[]; markCommitted(evidence: Evidence[]): void };
  log: Logger;
}): Promise<ChainCore> {
  const { db, log } = o;
  const stateCache = new ReadCache(db.view(STATE_PREFIX));
  const app = o.createApp(stateCache);
  const validators = new ValidatorStore(db, o.genesis.consensusParams.evidenceMaxAgeNumBlocks);
  let state = await loadChainState(db);
  if (!state) state = await initChain(o, app, stateCache, validators);
  else {
    const stored = await db.get(GENESIS_HASH_KEY);
    if (stored && !bytesEqual(stored, o.genesisHash)) {
      throw new ChainCoreError(
        "the genesis file differs from the genesis this chain was started with; restore it or reset the data folder",
      );
    }
    log.info("resuming", { height: state.lastBlockHeight, app_hash: toHexUpper(state.appHash) });
  }
  await validators.open(state);
  const blockStore = new BlockStore(db);
  const indexer = new TxIndexer(db);
  const mempool = new Mempool(app, o.mempoolLimits);
  const executor = new BlockExecutor(
    {
      db,
      app,
      blockStore,
      indexer,
      mempool,
      validators,
      stateCache,
      ...(o.evidence ? { evidence: o.evidence } : {}),
    },
    state,
  );
  if (state.lastBlockHeight > 0n) {
    const last = await blockStore.block(state.lastBlockHeight);
    if (last) app.afterCommit(blockInfoOf(state.chainId, last));
  }
  return { app, blockStore, indexer, mempool, executor, validators };
}

async function initChain(
  o: { db: LevelDB; genesis: GenesisDoc; genesisHash: Uint8Array; log: Logger },
  app: App,
  stateCache: ReadCache,
  validators: ValidatorStore,
): Promise<ChainState> {
  const g = o.genesis;
  const info = {
    chainId: g.chainId,
    height: g.initialHeight - 1n,
    timeSeconds: g.genesisTime.seconds,
    timeNanos: g.genesisTime.nanos,
  };
  const { writes, validators: fromApp } = await app.initChain(g.appState, info);
  const appHash = nextAppHash(new Uint8Array(), 0n, writes);
  if (g.appHash.length > 0 && !bytesEqual(g.appHash, appHash)) {
    throw new ChainCoreError(
      `genesis app_hash ${toHexUpper(g.appHash)} does not match the state it describes (${toHexUpper(appHash)})`,
    );
  }
  // As CometBFT: validators the app returns from InitChain (made by genesis txs) replace the file's.
  const initial =
    fromApp.length > 0
      ? fromApp.map((u) => ({ address: ed25519Address(u.pubKey), pubKey: u.pubKey, votingPower: u.power }))
      : g.validators;
  if (initial.length === 0)
    throw new ChainCoreError(
      "no validators: list them in genesis.validators or create them with genutil.gen_txs",
    );
  // CometBFT orders a genesis set as every set after an update: by power, then address.
  const state = genesisChainState({ ...g, appHash, validators: [...initial].sort(byVotingPower) });
  await o.db.write([
    ...stateOps(writes),
    ...validators.opsFor(state),
    chainStateOp(state),
    { type: "put", key: GENESIS_HASH_KEY, value: o.genesisHash },
  ]);
  stateCache.applyCommitted(writes);
  app.afterCommit(info);
  o.log.info("initialised chain from genesis", { chain_id: g.chainId, app_hash: toHexUpper(appHash) });
  return state;
}
