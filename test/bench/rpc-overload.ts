/**
 * pnpm bench:rpc [--seconds S] [--concurrency C] [--block-interval-ms MS]
 *
 * What a node's RPC can serve while it commits blocks, with the rate limiter off: C keep-alive
 * clients send back to back for S seconds, first `status` GETs only (the baseline), then the mixed
 * reads of the overload test (status, abci_info, tx_search; GET and POST). Prints requests/s of
 * each, the ratio mixed/status, the blocks committed meanwhile, and how the default
 * rpc.rate_limit_per_second (500 per client IP) compares. These machines are noisy: compare the
 * ratios, not absolute numbers.
 */
import { parseArgs } from "node:util";
import { TestNode } from "../helpers/node-process.ts";
import { closedLoop, type FloodResult, rssBytes } from "../helpers/rpc-flood.ts";
import { benchArgs } from "./args.ts";

const USAGE = `pnpm bench:rpc [options]
  --seconds S            length of each phase (default 10)
  --concurrency C        keep-alive clients (default 32)
  --block-interval-ms M  the node's wait after each block (default 200)`;
const { values } = benchArgs(USAGE, () =>
  parseArgs({
    options: {
      seconds: { type: "string", default: "10" },
      concurrency: { type: "string", default: "32" },
      "block-interval-ms": { type: "string", default: "200" },
    },
  }),
);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const INTERVAL = Number(values["block-interval-ms"]);
if (!(SECONDS >= 1 && SECONDS <= 600 && CONCURRENCY >= 1 && CONCURRENCY <= 1000 && INTERVAL >= 10)) {
  console.error(USAGE);
  process.exit(2);
}

const node = await TestNode.create({
  blockIntervalMs: INTERVAL,
  config: (c) => {
    // The limiter off in effect: this measures the node, not the limit.
    c.rpc!.rate_limit_per_second = 1_000_000;
    c.rpc!.rate_limit_burst = 10_000_000;
    c.rpc!.max_open_connections = 0;
  },
});
try {
  await node.start();
  const phase = async (statusOnly: boolean) => {
    const h0 = await node.height();
    const r = await closedLoop({
      url: node.url,
      concurrency: CONCURRENCY,
      durationMs: SECONDS * 1000,
      statusOnly,
    });
    const h1 = await node.height();
    return { r, blocks: h1 - h0, rss: await rssBytes(node.pid!) };
  };
  const show = (name: string, p: { r: FloodResult; blocks: number; rss: number }) => {
    const ok = p.r.byStatus.get(200) ?? 0;
    const perSec = (ok * 1000) / p.r.elapsedMs;
    const other = p.r.sent - ok;
    console.log(
      `${name.padEnd(8)} ${perSec.toFixed(0).padStart(7)} req/s answered  ${String(p.blocks).padStart(4)} blocks ` +
        `(${((p.blocks * 1000) / p.r.elapsedMs).toFixed(1)}/s)  RSS ${Math.round(p.rss / 2 ** 20)} MB` +
        (other > 0 ? `  ${other} not 200 (${[...p.r.errors.keys()].slice(0, 3).join("; ")})` : ""),
    );
    return perSec;
  };
  console.log(`${CONCURRENCY} clients, ${SECONDS} s per phase, block interval ${INTERVAL} ms, limiter off`);
  const idleBlocks = await (async () => {
    const h0 = await node.height();
    await new Promise((r) => setTimeout(r, 2000));
    return ((await node.height()) - h0) / 2;
  })();
  console.log(`idle     ${idleBlocks.toFixed(1)} blocks/s`);
  const status = show("status", await phase(true));
  const mixed = show("mixed", await phase(false));
  console.log(`ratio mixed/status: ${(mixed / status).toFixed(2)}`);
  console.log(
    `default rpc.rate_limit_per_second 500 per IP = ${((500 / mixed) * 100).toFixed(0)}% of the mixed rate served here`,
  );
} finally {
  await node.destroy();
}
