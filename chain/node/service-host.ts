import type { AbciEvent } from "../app/events.ts";
import { txHash } from "../crypto/hash.ts";
import type { CommittedBlock } from "../state/executor.ts";
import type { JsonObject } from "../types/json.ts";
import type { Logger } from "./logger.ts";
import type { CommitNotice, NodeService, NodeServiceContext, NodeServiceFactory } from "./services.ts";

/** What the host needs to give each service its context (the node's parts, module-agnostic). */
export type ServiceBase = Omit<NodeServiceContext, "config" | "log" | "onCommit"> & {
  /** config.json as parsed; each service gets the section of its name. */
  rawConfig: JsonObject;
  /** The executor's synchronous commit hook (called inside block commit). */
  subscribeCommits: (listener: (c: CommittedBlock) => void) => () => void;
};

const SERVICE_NAME = /^[a-z][a-z0-9_]{0,31}$/;
const DEFAULT_STOP_TIMEOUT_MS = 15_000;

export class ServiceStartError extends Error {
  override name = "ServiceStartError";
}

/**
 * Starts and stops the node's services (chain/node/services.ts) and isolates the node from them:
 * commit notifications leave block execution at once (the listener runs on a later turn of the
 * event loop, its exceptions logged), a service that fails to start stops the node's start with its
 * message, and stopping waits for each service a bounded time.
 */
export class ServiceHost {
  private readonly running: NodeService[] = [];
  private readonly unsubscribes = new Set<() => void>();

  constructor(
    private readonly factories: readonly NodeServiceFactory[],
    private readonly log: Logger,
    private readonly stopTimeoutMs = DEFAULT_STOP_TIMEOUT_MS,
  ) {}

  async start(base: ServiceBase): Promise<void> {
    const names = new Set<string>();
    for (const factory of this.factories) {
      const service = factory();
      const name = service.name;
      if (!SERVICE_NAME.test(name) || names.has(name))
        throw new ServiceStartError(`node service name ${JSON.stringify(name)} is invalid or used twice`);
      names.add(name);
      const log = this.log.child(name);
      const { rawConfig, subscribeCommits, ...parts } = base;
      const ctx: NodeServiceContext = {
        ...parts,
        config: rawConfig[name],
        log,
        onCommit: (listener) => this.subscribe(subscribeCommits, listener, log),
      };
      try {
        await service.start(ctx);
      } catch (e) {
        await this.stop();
        throw new ServiceStartError(`node service ${name}: ${(e as Error).message}`);
      }
      this.running.push(service);
    }
  }

  private subscribe(
    subscribeCommits: ServiceBase["subscribeCommits"],
    listener: (c: CommitNotice) => void,
    log: Logger,
  ): () => void {
    let active = true;
    const off = subscribeCommits((c) => {
      const notice = commitNotice(c);
      // Out of block execution: the executor calls its listeners synchronously inside commit.
      setImmediate(() => {
        if (!active) return;
        try {
          listener(notice);
        } catch (e) {
          log.warn("commit listener failed", { err: (e as Error).message });
        }
      });
    });
    const unsubscribe = () => {
      active = false;
      off();
      this.unsubscribes.delete(unsubscribe);
    };
    this.unsubscribes.add(unsubscribe);
    return unsubscribe;
  }

  /** Stops services in reverse start order, each within the stop timeout. */
  async stop(): Promise<void> {
    for (const u of [...this.unsubscribes]) u();
    while (this.running.length > 0) {
      const s = this.running.pop()!;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), this.stopTimeoutMs);
      });
      try {
        const r = await Promise.race([s.stop().then(() => "stopped" as const), timeout]);
        if (r === "timeout")
          this.log.warn("node service did not stop in time", { service: s.name, ms: this.stopTimeoutMs });
      } catch (e) {
        this.log.warn("node service failed to stop", { service: s.name, err: (e as Error).message });
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

function commitNotice(c: CommittedBlock): CommitNotice {
  const copy = (
    es: readonly { type: string; attributes: { key: string; value: string; index: boolean }[] }[],
  ) => es.map((e): AbciEvent => ({ type: e.type, attributes: e.attributes.map((a) => ({ ...a })) }));
  return {
    height: c.block.header.height,
    hash: c.blockId.hash,
    txs: c.results.txResults.map((r, i) => ({
      hash: txHash(c.block.data.txs[i]!),
      code: r.code,
      codespace: r.codespace,
      log: r.log,
      gasWanted: r.gasWanted,
      events: copy(r.events),
    })),
    events: copy(c.results.events),
  };
}
