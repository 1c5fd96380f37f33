import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { homePaths } from "../../chain/node/home.ts";
import type { JsonObject } from "../../chain/types/json.ts";
import { createNetwork } from "../../testnet/network.ts";
import { freePort, portFree, TestNode } from "./node-process.ts";

/**
 * A local network of real node processes built exactly as `pnpm testnet` builds it (one genesis,
 * loopback persistent peers), on ports found free at creation.
 */
export class TestNetwork {
  private constructor(
    readonly dir: string,
    readonly nodes: TestNode[],
  ) {}

  static async create(
    validators: number,
    blockIntervalMs = 300,
    more: { fullNodes?: number; editGenesis?: (g: JsonObject) => void } = {},
  ): Promise<TestNetwork> {
    const dir = mkdtempSync(join(tmpdir(), "cifer-net-"));
    // createNetwork spaces ports 10 apart from a base; probe a base whose ports are all free.
    let basePort = 0;
    for (let attempt = 0; attempt < 20 && basePort === 0; attempt++) {
      const candidate = await freePort();
      basePort = candidate;
      for (let i = 0; i < validators + (more.fullNodes ?? 0); i++) {
        if (!(await portFree(candidate + 10 * i)) || !(await portFree(candidate - 1 + 10 * i))) basePort = 0;
      }
    }
    if (basePort === 0) throw new Error("no free port range found for the test network");
    const homes = await createNetwork({
      home: dir,
      validators,
      basePort,
      chainId: "cifer-local-1",
      blockIntervalMs,
      ...more,
    });
    return new TestNetwork(
      dir,
      homes.map((h) => TestNode.attach(h.home, h.rpcPort)),
    );
  }

  /** Edits each node's config/config.json before start (per-node settings: `i` is the node's index). */
  configure(edit: (config: Record<string, Record<string, unknown>>, i: number) => void): void {
    for (const [i, n] of this.nodes.entries()) {
      const path = homePaths(n.home).config;
      const c = JSON.parse(readFileSync(path, "utf8"));
      edit(c, i);
      writeFileSync(path, `${JSON.stringify(c, null, 2)}\n`);
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.start()));
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop(10_000)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
