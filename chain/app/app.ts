import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { bytesEqual, toHexUpper, txHash } from "../crypto/hash.ts";
import { CacheStore, type Write } from "../store/cache-store.ts";
import type { KVReader } from "../store/kv.ts";
import type { ValidatorUpdate } from "../types/block.ts";
import { type BlockInfo, Context, type ExecMode } from "./context.ts";
import { ChainError, grpcInvalidArgument, SdkCode, sdkError, toChainError } from "./errors.ts";
import { type AbciEvent, event } from "./events.ts";
import { GasMeter } from "./gas.ts";
import type { AppModule, MsgDef, QueryDef } from "./module.ts";
import { type DecodedTx, DEFAULT_TX_LIMITS, decodeTx, type TxLimits } from "./tx.ts";

/** Checks and charges everything about a tx except its messages: signatures, sequence, fee. */
export type AnteHandler = (ctx: Context, tx: DecodedTx, simulate: boolean) => Promise<void>;

export const SIMULATE_PATH = "/cosmos.tx.v1beta1.Service/Simulate";

/** Decoded txs kept from CheckTx for their DeliverTx (about two full mempools' worth). */
const CHECKED_TXS_KEPT = 10_000;

/** The outcome of running a tx, shaped like ABCI's ExecTxResult. */
export interface TxResult {
  code: number;
  codespace: string;
  log: string;
  data: Uint8Array;
  gasWanted: bigint;
  gasUsed: bigint;
  events: AbciEvent[];
}

export interface QueryResult {
  code: number;
  codespace: string;
  log: string;
  value: Uint8Array;
}

export interface AppOptions {
  chainId: string;
  modules: AppModule[];
  ante: AnteHandler;
  /** The committed state, read-only: LevelDB below the state prefix. */
  committed: KVReader;
  limits?: TxLimits;
  /** Gas a query may use before it is stopped. */
  queryGasLimit?: bigint;
}

interface BlockState {
  info: BlockInfo;
  store: CacheStore;
  events: AbciEvent[];
}

/**
 * The application: routes txs to module message handlers and queries to module query handlers, and
 * runs them on the right branch of state (check, simulate, block). It knows modules only through
 * the AppModule interface.
 */
export class App {
  readonly chainId: string;
  readonly limits: TxLimits;
  private readonly modules: AppModule[];
  private readonly msgRoutes = new Map<string, { def: MsgDef<unknown>; module: string }>();
  private readonly queryRoutes = new Map<string, QueryDef>();
  private checkState: CacheStore;
  private checkInfo: BlockInfo;
  private block: BlockState | null = null;
  /**
   * Txs that passed CheckTx, decoded, by hash: DeliverTx of the same bytes takes them from here
   * instead of decoding again (decoding is a pure function of the bytes). Bounded; oldest out first.
   */
  private readonly checked = new Map<string, DecodedTx>();

  constructor(private readonly opts: AppOptions) {
    this.chainId = opts.chainId;
    this.limits = opts.limits ?? DEFAULT_TX_LIMITS;
    this.modules = opts.modules;
    for (const m of opts.modules) {
      for (const def of m.msgs() as MsgDef<unknown>[]) {
        if (this.msgRoutes.has(def.typeUrl)) throw new Error(`message ${def.typeUrl} registered twice`);
        this.msgRoutes.set(def.typeUrl, { def, module: m.name });
      }
      for (const q of m.queries()) {
        if (this.queryRoutes.has(q.path)) throw new Error(`query ${q.path} registered twice`);
        this.queryRoutes.set(q.path, q);
      }
    }
    this.checkState = new CacheStore(opts.committed);
    this.checkInfo = { chainId: opts.chainId, height: 0n, timeSeconds: 0n, timeNanos: 0 };
  }

  get msgTypeUrls(): string[] {
    return [...this.msgRoutes.keys()];
  }

  get queryPaths(): string[] {
    return [...this.queryRoutes.keys()];
  }

  decode(bytes: Uint8Array): DecodedTx {
    return decodeTx(bytes, (url) => this.msgRoutes.get(url)?.def, this.limits);
  }

  /** Validates every module's genesis section before anything is written. */
  validateGenesis(appState: Record<string, unknown>): void {
    for (const m of this.modules) {
      try {
        m.validateGenesis(appState[m.name]);
      } catch (e) {
        throw new Error(`invalid genesis: app_state.${m.name}: ${(e as Error).message}`);
      }
    }
  }

  /**
   * InitChain: every module's genesis, then the genesis transactions (each must succeed, or the
   * genesis is refused), then the initial validator set if a module decides it. The caller commits
   * the returned writes.
   */
  async initChain(
    appState: Record<string, unknown>,
    info: BlockInfo,
  ): Promise<{ writes: Write[]; validators: ValidatorUpdate[] }> {
    this.validateGenesis(appState);
    const store = new CacheStore(this.opts.committed);
    const ctx = new Context(info, "genesis", GasMeter.infinite(), store);
    for (const m of this.modules) await m.initGenesis(ctx, appState[m.name]);
    for (const m of this.modules) {
      const txs = m.genesisTxs?.(appState[m.name]) ?? [];
      for (const [i, bytes] of txs.entries()) {
        const tx = this.decode(bytes);
        const r = await this.runTx(tx, store, info, "genesis", new GasMeter(tx.authInfo.fee!.gasLimit));
        if (r.code !== 0) throw new Error(`invalid genesis: app_state.${m.name} transaction ${i}: ${r.log}`);
      }
    }
    let validators: ValidatorUpdate[] = [];
    for (const m of this.modules) {
      const v = (await m.genesisValidators?.(ctx)) ?? [];
      if (v.length > 0 && validators.length > 0)
        throw new Error("two modules decide the genesis validator set");
      if (v.length > 0) validators = v;
    }
    return { writes: store.writes(), validators };
  }

  /** Every module's broken invariants on the committed state, as "module: what is broken". */
  async checkInvariants(info: BlockInfo): Promise<string[]> {
    const ctx = new Context(info, "query", GasMeter.infinite(), new CacheStore(this.opts.committed));
    const broken: string[] = [];
    for (const m of this.modules)
      for (const b of (await m.invariants?.(ctx)) ?? []) broken.push(`${m.name}: ${b}`);
    return broken;
  }

  async exportGenesis(info: BlockInfo): Promise<Record<string, unknown>> {
    const ctx = new Context(info, "query", GasMeter.infinite(), new CacheStore(this.opts.committed));
    const out: Record<string, unknown> = {};
    for (const m of this.modules) out[m.name] = await m.exportGenesis(ctx);
    return out;
  }

  /**
   * CheckTx: decode, stateless checks and the ante handler on the check state; messages do not run.
   * A re-check may pass the tx as decoded by its first CheckTx (decoding is a pure function of bytes).
   */
  async checkTx(
    bytes: Uint8Array,
    mode: "check" | "recheck" = "check",
    decoded?: DecodedTx,
  ): Promise<TxResult & { tx?: DecodedTx }> {
    let tx: DecodedTx;
    try {
      tx = decoded ?? this.decode(bytes);
    } catch (e) {
      return failedTxResult(toChainError(e), 0n, 0n);
    }
    const gas = new GasMeter(tx.authInfo.fee!.gasLimit);
    const cache = new CacheStore(this.checkState);
    const ctx = new Context(this.checkInfo, mode, gas, cache);
    try {
      await this.opts.ante(ctx, tx, false);
    } catch (e) {
      return failedTxResult(toChainError(e), gas.limit ?? 0n, gas.consumed);
    }
    cache.writeTo(this.checkState);
    if (mode === "check") this.rememberChecked(tx);
    return { ...success(new Uint8Array(), gas.limit ?? 0n, gas.consumed, ctx.events.events), tx };
  }

  private rememberChecked(tx: DecodedTx): void {
    const key = toHexUpper(tx.hash);
    this.checked.delete(key);
    if (this.checked.size >= CHECKED_TXS_KEPT)
      this.checked.delete(this.checked.keys().next().value as string);
    this.checked.set(key, tx);
  }

  /** The decoded form of bytes that passed CheckTx here, if still remembered (then forgotten). */
  private takeChecked(bytes: Uint8Array): DecodedTx | undefined {
    if (this.checked.size === 0) return undefined;
    const key = toHexUpper(txHash(bytes));
    const tx = this.checked.get(key);
    if (!tx) return undefined;
    this.checked.delete(key);
    return bytesEqual(tx.bytes, bytes) ? tx : undefined;
  }

  /** Simulate: the whole tx on a throwaway branch of the check state, without signature checks. */
  async simulate(bytes: Uint8Array): Promise<TxResult> {
    const tx = this.decode(bytes);
    const branch = new CacheStore(this.checkState);
    return this.runTx(tx, branch, this.checkInfo, "simulate", GasMeter.infinite());
  }

  beginBlock(info: BlockInfo): Promise<void> {
    if (this.block) throw new Error("beginBlock called twice without commit");
    this.block = { info, store: new CacheStore(this.opts.committed), events: [] };
    return this.runHooks("BeginBlock", (m, ctx) => m.beginBlock?.(ctx));
  }

  /** DeliverTx: runs one tx of the block being executed. Never throws for a bad tx. */
  async deliverTx(bytes: Uint8Array, decoded?: DecodedTx): Promise<TxResult> {
    const block = this.requireBlock();
    let tx: DecodedTx;
    try {
      tx = decoded ?? this.takeChecked(bytes) ?? this.decode(bytes);
    } catch (e) {
      return failedTxResult(toChainError(e), 0n, 0n);
    }
    return this.runTx(tx, block.store, block.info, "deliver", new GasMeter(tx.authInfo.fee!.gasLimit));
  }

  /**
   * EndBlock of every module; returns the validator updates one of them (staking) asked for. As in
   * the Cosmos SDK's module manager, two modules returning updates is a wiring error.
   */
  async endBlock(): Promise<ValidatorUpdate[]> {
    let updates: ValidatorUpdate[] = [];
    let from = "";
    await this.runHooks("EndBlock", async (m, ctx) => {
      const u = await m.endBlock?.(ctx);
      if (!u || u.length === 0) return;
      if (from) throw new Error(`validator updates returned by both ${from} and ${m.name}`);
      from = m.name;
      updates = u;
    });
    return updates;
  }

  /** Ends the block: returns its sorted state writes and block-level events; the check state restarts. */
  commit(): { writes: Write[]; events: AbciEvent[] } {
    const block = this.requireBlock();
    const writes = block.store.writes();
    this.block = null;
    return { writes, events: block.events };
  }

  /** Called once the block's writes are durable: CheckTx continues from the new state. */
  afterCommit(info: BlockInfo): void {
    this.checkState = new CacheStore(this.opts.committed);
    this.checkInfo = info;
  }

  /** Drops a block that was executed but will not be committed. */
  abortBlock(): void {
    this.block = null;
  }

  async query(path: string, data: Uint8Array, info: BlockInfo): Promise<QueryResult> {
    if (path === SIMULATE_PATH) return this.simulateQuery(data);
    const q = this.queryRoutes.get(path);
    if (!q) return queryFailure(sdkError(SdkCode.UnknownRequest, `unknown query path: ${path}`));
    const ctx = new Context(
      info,
      "query",
      new GasMeter(this.opts.queryGasLimit ?? 100_000_000n),
      new CacheStore(this.opts.committed),
    );
    try {
      return { code: 0, codespace: "", log: "", value: await q.handle(ctx, data) };
    } catch (e) {
      return queryFailure(toChainError(e));
    }
  }

  /** cosmos.tx.v1beta1.Service/Simulate, which CosmJS calls for "auto" fees. */
  private async simulateQuery(data: Uint8Array): Promise<QueryResult> {
    let bytes: Uint8Array;
    try {
      const req = SimulateRequest.decode(data);
      bytes = req.txBytes.length > 0 ? req.txBytes : new Uint8Array();
      if (bytes.length === 0) throw new Error("empty txBytes");
    } catch (e) {
      return queryFailure(grpcInvalidArgument(`invalid simulate request: ${(e as Error).message}`));
    }
    let res: TxResult;
    try {
      res = await this.simulate(bytes);
    } catch (e) {
      return queryFailure(toChainError(e));
    }
    if (res.code !== 0)
      return { code: res.code, codespace: res.codespace, log: res.log, value: new Uint8Array() };
    const msgData = TxMsgData.decode(res.data);
    const value = SimulateResponse.encode(
      SimulateResponse.fromPartial({
        gasInfo: { gasWanted: res.gasWanted, gasUsed: res.gasUsed },
        result: { data: res.data, log: "", events: res.events, msgResponses: msgData.msgResponses },
      }),
    ).finish();
    return { code: 0, codespace: "", log: "", value };
  }

  private requireBlock(): BlockState {
    if (!this.block) throw new Error("no block in progress");
    return this.block;
  }

  private async runHooks(
    stage: string,
    fn: (m: AppModule, ctx: Context) => Promise<unknown> | undefined,
  ): Promise<void> {
    const block = this.requireBlock();
    for (const m of this.modules) {
      const ctx = new Context(block.info, "deliver", GasMeter.infinite(), block.store);
      await fn(m, ctx);
      for (const e of ctx.events.events) {
        block.events.push({
          type: e.type,
          attributes: [...e.attributes, { key: "mode", value: stage, index: true }],
        });
      }
    }
  }

  /**
   * The ante handler's writes (fee, sequence) stick even when a message fails, as in the Cosmos SDK;
   * the messages run in a nested cache that is written only when all of them succeed.
   */
  private async runTx(
    tx: DecodedTx,
    parent: CacheStore,
    info: BlockInfo,
    mode: ExecMode,
    gas: GasMeter,
  ): Promise<TxResult> {
    const gasWanted = tx.authInfo.fee!.gasLimit;
    const anteStore = new CacheStore(parent);
    const anteCtx = new Context(info, mode, gas, anteStore);
    try {
      await this.opts.ante(anteCtx, tx, mode === "simulate");
    } catch (e) {
      return failedTxResult(toChainError(e), gasWanted, gas.consumed);
    }
    anteStore.writeTo(parent);
    const anteEvents = anteCtx.events.events;

    const msgStore = new CacheStore(parent);
    const msgCtxBase = anteCtx.withStore(msgStore);
    const msgEvents: AbciEvent[] = [];
    const responses: { typeUrl: string; value: Uint8Array }[] = [];
    for (let i = 0; i < tx.msgs.length; i++) {
      const msg = tx.msgs[i]!;
      const route = this.msgRoutes.get(msg.typeUrl)!;
      const ctx = msgCtxBase.withStore(msgStore);
      try {
        responses.push(await msg.def.handle(ctx, msg.value));
      } catch (e) {
        const err = toChainError(e);
        const wrapped = new ChainError(
          err.codespace,
          err.code,
          `failed to execute message; message index: ${i}: ${err.message}`,
          err.description,
        );
        return failedTxResult(wrapped, gasWanted, gas.consumed, anteEvents);
      }
      const index = String(i);
      const signer = msg.def.signers(msg.value)[0] ?? "";
      msgEvents.push(
        event("message", [
          ["action", msg.typeUrl],
          ["sender", signer],
          ["module", route.module],
          ["msg_index", index],
        ]),
      );
      for (const e of ctx.events.events) {
        msgEvents.push({
          type: e.type,
          attributes: [...e.attributes, { key: "msg_index", value: index, index: true }],
        });
      }
    }
    msgStore.writeTo(parent);
    const data = TxMsgData.encode(TxMsgData.fromPartial({ msgResponses: responses })).finish();
    return success(data, mode === "simulate" ? gas.consumed : gasWanted, gas.consumed, [
      ...anteEvents,
      ...msgEvents,
    ]);
  }
}

function success(data: Uint8Array, gasWanted: bigint, gasUsed: bigint, events: AbciEvent[]): TxResult {
  return { code: 0, codespace: "", log: "", data, gasWanted, gasUsed, events };
}

/** The result of a tx refused with err (also used by the mempool for its own refusals). */
export function failedTxResult(
  err: ChainError,
  gasWanted = 0n,
  gasUsed = 0n,
  events: AbciEvent[] = [],
): TxResult {
  return {
    code: err.code,
    codespace: err.codespace,
    log: err.log,
    data: new Uint8Array(),
    gasWanted,
    gasUsed,
    events,
  };
}

function queryFailure(err: ChainError): QueryResult {
  return { code: err.code, codespace: err.codespace, log: err.log, value: new Uint8Array() };
}
