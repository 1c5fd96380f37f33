/**
 * How long the node's event loop is blocked while its fl service aggregates a stage, with the
 * aggregation inline (on the event loop) and in the service's worker thread (what the node does).
 * The event loop also runs consensus timeouts, vote gossip and the RPC server, so a stall of a
 * second is a missed timeout_propose on a 1 s network.
 *
 *   pnpm bench:fl-service [updates=20] [params=1000000]
 *
 * Measured: the longest gap between ticks of a 1 ms timer (and perf_hooks' event-loop delay p99)
 * during each aggregation, plus its wall time. Inputs are built before measuring.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { benchArgs } from "./args.ts";
import type { AggregationRule } from "../../modules/fl/aggregation/types.ts";
import type { AggregateRequest } from "../../modules/fl/service/aggregate-job.ts";
import { Aggregator } from "../../modules/fl/service/aggregator.ts";

const USAGE = `pnpm bench:fl-service [updates] [params]
  updates  updates per stage (default 20)
  params   float32 parameters per update, a multiple of 4 (default 1000000)`;
const [updates, params] = benchArgs(USAGE, () => {
  const [u = "20", p = "1000000", ...rest] = process.argv.slice(2);
  const n = [Number(u), Number(p)] as const;
  if (
    rest.length > 0 ||
    !Number.isInteger(n[0]) ||
    n[0] < 1 ||
    !Number.isInteger(n[1]) ||
    n[1] < 4 ||
    n[1] % 4 !== 0
  )
    throw new Error(
      `expected [updates >= 1] [params: a multiple of 4], got ${process.argv.slice(2).join(" ")}`,
    );
  return n;
});
const SIZES = [params / 2, params / 4, params / 4];

function request(rule: AggregationRule): AggregateRequest {
  const inputs = Array.from({ length: updates }, (_, u) => {
    const f = new Float32Array(params);
    let x = (u + 1) * 2654435761;
    for (let i = 0; i < params; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      f[i] = (x / 2 ** 32 - 0.5) * 0.2;
    }
    return {
      id: `cif1participant${u.toString().padStart(3, "0")}`,
      samples: BigInt(100 + u),
      bytes: new Uint8Array(f.buffer),
    };
  });
  return { rule, sizes: SIZES, inputs };
}

async function measure(agg: Aggregator, rule: AggregationRule) {
  const req = request(rule);
  await new Promise((r) => setTimeout(r, 50));
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let maxGap = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  h.enable();
  const t0 = performance.now();
  // Let the timer start before the work: a stall is measured from a running loop.
  await new Promise((r) => setTimeout(r, 20));
  last = performance.now();
  maxGap = 0;
  const out = await agg.run(req);
  const wall = performance.now() - t0 - 20;
  await new Promise((r) => setTimeout(r, 20));
  clearInterval(tick);
  h.disable();
  return { wall, maxGap, p99: h.percentile(99) / 1e6, hash: out.hash };
}

const inline = new Aggregator({ inline: true });
const worker = new Aggregator();
// Warm up the worker (thread start, module load) and the JIT on both paths.
for (const a of [inline, worker])
  await a.run({
    rule: { kind: "fedavg" },
    sizes: [4],
    inputs: request({ kind: "fedavg" })
      .inputs.slice(0, 2)
      .map((i) => ({ ...i, bytes: i.bytes.slice(0, 16) })),
  });

console.log(
  `${updates} updates x ${params} params (${((updates * params * 4) / 2 ** 20).toFixed(0)} MiB), node ${process.version}`,
);
for (const rule of [
  { kind: "fedavg" },
  { kind: "median" },
  { kind: "krum", f: 2 },
  { kind: "bulyan", f: 4 },
] as AggregationRule[]) {
  const a = await measure(inline, rule);
  const w = await measure(worker, rule);
  if (a.hash !== w.hash) throw new Error(`${rule.kind}: the worker's aggregate differs from the inline one`);
  const f = (x: number) => `${x.toFixed(0).padStart(6)} ms`;
  console.log(
    `${rule.kind.padEnd(7)} inline: wall ${f(a.wall)}, longest event-loop stall ${f(a.maxGap)}, delay p99 ${f(a.p99)}`,
  );
  console.log(
    `${"".padEnd(7)} worker: wall ${f(w.wall)}, longest event-loop stall ${f(w.maxGap)}, delay p99 ${f(w.p99)}`,
  );
}
await worker.close();
