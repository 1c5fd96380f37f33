import { createApp } from "../wiring/app.ts";
import { nodeExtensions } from "../wiring/services.ts";
import type { LogLevel } from "./config.ts";
import { CiferNode } from "./node.ts";

export interface RunningNode {
  rpcUrl: string;
  chainId: string;
  stop(): Promise<void>;
  /** Resolves when stopped, rejects when the node halts by itself. */
  done: Promise<void>;
}

/** Starts the node of a home folder with the Cifer app wiring and node services. */
export async function runNode(o: { home: string; logLevel?: LogLevel }): Promise<RunningNode> {
  const node = new CiferNode(
    o.home,
    ({ chainId, committed, config }) =>
      createApp({ chainId, committed, minGasPrices: () => config.app.minimumGasPrices }),
    o.logLevel,
    nodeExtensions(),
  );
  try {
    await node.start();
  } catch (e) {
    await node.stop().catch(() => {});
    throw e;
  }
  return { rpcUrl: node.rpcUrl, chainId: node.genesis.chainId, stop: () => node.stop(), done: node.done };
}
