import { SdkCode, sdkError } from "../app/errors.ts";
import type { App } from "../app/app.ts";
import type { BlockStore } from "../blockstore/block-store.ts";
import { toHexUpper, txHash } from "../crypto/hash.ts";
import type { GenesisDoc } from "../genesis/genesis-doc.ts";
import type { Mempool } from "../mempool/mempool.ts";
import type {
  BroadcastResult,
  IndexedTx,
  NodeInfoView,
  QueryAnswer,
  RpcBackend,
  SyncView,
  TxSearchPage,
} from "../rpc/backend.ts";
import type { CommittedBlockView } from "../rpc/events.ts";
import type { BlockExecutor } from "../state/executor.ts";
import type { ValidatorStore } from "../state/validator-store.ts";
import type { TxIndexer } from "../txindex/indexer.ts";
import type { JsonObject } from "../types/json.ts";

export interface BackendDeps {
  app: App;
  executor: BlockExecutor;
  validators: ValidatorStore;
  blockStore: BlockStore;
  indexer: TxIndexer;
  mempool: Mempool;
  /** CheckTx, then gossip to peers. */
  submitTx: (tx: Uint8Array) => Promise<BroadcastResult>;
  peers: () => { nodeId: string; remoteIp: string; moniker: string }[];
  genesis: GenesisDoc;
  nodeInfo: NodeInfoView;
  validatorKey: { address: Uint8Array; pubKey: Uint8Array };
  version: string;
}

/** The node as the RPC server sees it (chain/rpc/backend.ts), over the block store, index, mempool and app. */
export class NodeRpcBackend implements RpcBackend {
  constructor(private readonly d: BackendDeps) {}

  private get state() {
    return this.d.executor.state;
  }

  nodeInfo(): NodeInfoView {
    return this.d.nodeInfo;
  }

  validatorInfo() {
    const v = this.state.validators.validators.find(
      (x) => toHexUpper(x.address) === toHexUpper(this.d.validatorKey.address),
    );
    return {
      address: this.d.validatorKey.address,
      pubKey: this.d.validatorKey.pubKey,
      votingPower: v?.votingPower ?? 0n,
    };
  }

  chainId(): string {
    return this.state.chainId;
  }

  genesis(): JsonObject {
    return this.d.genesis.json;
  }

  latestHeight(): bigint {
    return this.state.lastBlockHeight;
  }

  baseHeight(): bigint {
    return this.state.lastBlockHeight >= this.state.initialHeight ? this.state.initialHeight : 0n;
  }

  async sync(): Promise<SyncView> {
    const s = this.state;
    const base = this.baseHeight();
    const earliest = base > 0n ? await this.d.blockStore.meta(base) : undefined;
    return {
      latestHeight: s.lastBlockHeight,
      latestBlockHash: s.lastBlockId.hash,
      latestAppHash: s.appHash,
      latestBlockTime: s.lastBlockHeight > 0n ? s.lastBlockTime : s.genesisTime,
      earliestHeight: base,
      earliestBlockHash: earliest?.blockId.hash ?? new Uint8Array(),
      earliestAppHash: earliest?.header.appHash ?? new Uint8Array(),
      earliestBlockTime: earliest?.header.time ?? s.genesisTime,
      catchingUp: false,
    };
  }

  block(h: bigint) {
    return this.d.blockStore.block(h);
  }

  blockMeta(h: bigint) {
    return this.d.blockStore.meta(h);
  }

  heightOfHash(hash: Uint8Array) {
    return this.d.blockStore.heightOfHash(hash);
  }

  commit(h: bigint) {
    return this.d.blockStore.commit(h);
  }

  blockResults(h: bigint) {
    return this.d.blockStore.results(h);
  }

  /** The set is fixed by genesis until validator-set changes land (staking); it is the same at every height. */
  async validators(h: bigint) {
    // CometBFT answers up to the next height; the height after is known but not yet final to clients.
    if (h > this.state.lastBlockHeight + 1n) return undefined;
    const set = await this.d.validators.setAt(h, this.state);
    return set?.validators.map((validator, i) => ({ validator, proposerPriority: set.priorities[i]! }));
  }

  async tx(hash: Uint8Array): Promise<IndexedTx | undefined> {
    const loc = await this.d.indexer.get(hash);
    return loc ? this.load(loc.height, loc.index) : undefined;
  }

  async searchTxs(
    query: string,
    page: number,
    perPage: number,
    order: "asc" | "desc",
  ): Promise<TxSearchPage> {
    const res = await this.d.indexer.search(query, page, perPage, order);
    const txs: IndexedTx[] = [];
    for (const loc of res.locs) {
      const t = await this.load(loc.height, loc.index);
      if (t) txs.push(t);
    }
    return { total: res.total, txs };
  }

  private async load(height: bigint, index: number): Promise<IndexedTx | undefined> {
    const [block, results] = await Promise.all([
      this.d.blockStore.block(height),
      this.d.blockStore.results(height),
    ]);
    const tx = block?.data.txs[index];
    const result = results?.txResults[index];
    if (!tx || !result) return undefined;
    return { hash: txHash(tx), height, index, tx, result };
  }

  broadcastTx(tx: Uint8Array): Promise<BroadcastResult> {
    return this.d.submitTx(tx);
  }

  waitForTx(hash: Uint8Array, timeoutMs: number): Promise<IndexedTx | undefined> {
    const key = toHexUpper(hash);
    return new Promise((resolve) => {
      let done = false;
      const finish = (v: IndexedTx | undefined) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unsubscribe();
        resolve(v);
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const unsubscribe = this.d.executor.onCommit((c) => {
        const index = c.block.data.txs.findIndex((t) => toHexUpper(txHash(t)) === key);
        if (index >= 0) {
          finish({
            hash,
            height: c.block.header.height,
            index,
            tx: c.block.data.txs[index]!,
            result: c.results.txResults[index]!,
          });
        }
      });
      // It may have been committed before we subscribed.
      void this.tx(hash).then((t) => t && finish(t));
    });
  }

  async abciQuery(path: string, data: Uint8Array, height: bigint, _prove: boolean): Promise<QueryAnswer> {
    const latest = this.state.lastBlockHeight;
    const fail = (code: SdkCode, msg: string): QueryAnswer => {
      const e = sdkError(code, msg);
      return { code: e.code, codespace: e.codespace, log: e.log, value: new Uint8Array(), height: latest };
    };
    if (latest === 0n)
      return fail(SdkCode.InvalidHeight, "no block has been committed yet; retry in a moment");
    if (height !== 0n && height !== latest) {
      return fail(
        SdkCode.InvalidHeight,
        height > latest
          ? `cannot query with height in the future; please provide a valid height: ${height} > ${latest}`
          : `historical state queries are not supported; query the latest height (${latest}) or height 0`,
      );
    }
    const t = this.state.lastBlockTime;
    const info = { chainId: this.state.chainId, height: latest, timeSeconds: t.seconds, timeNanos: t.nanos };
    const res = await this.d.app.query(path, data, info);
    return { ...res, height: latest };
  }

  abciInfo() {
    return {
      data: "cifer",
      version: this.d.version,
      appVersion: 0n,
      lastBlockHeight: this.state.lastBlockHeight,
      lastBlockAppHash: this.state.appHash,
    };
  }

  mempool() {
    const mp = this.d.mempool;
    return { count: mp.size, bytes: mp.bytes, txs: (limit: number) => mp.list(limit).map((t) => t.bytes) };
  }

  peers() {
    return this.d.peers();
  }

  onCommit(listener: (c: CommittedBlockView) => void): () => void {
    return this.d.executor.onCommit(listener);
  }
}
