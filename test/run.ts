/**
 * Runs the test suite with Node's built-in runner: every test/**\/*.test.ts file (Node 20's --test
 * cannot glob .ts itself). Arguments filter files by substring: `pnpm test rpc` runs rpc tests only.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";

const root = join(import.meta.dirname, "..");

function find(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = find(join(root, "test"))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(1);
}
// Files run in parallel, one per core and at least two: a file seldom keeps both cores busy (blocks,
// child processes), and Node's default (cores - 1) runs one file at a time on 2 cores (886 s
// against 595 s for the whole suite, measured on 2 cores).
const concurrency = Math.max(2, availableParallelism());
const res = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "test" },
  },
);
process.exit(res.status ?? 1);
