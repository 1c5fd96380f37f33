import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Vote } from "cosmjs-types/tendermint/types/types";
import { FilePrivValidator } from "../../chain/consensus/priv-validator.ts";
import { toHexUpper } from "../../chain/crypto/hash.ts";
import { FileSigner, FileWal } from "./file-backed.ts";
import { runSeeds } from "./run-seeds.ts";
import { describeSchedule, type Schedule, SIM_TIMEOUTS, scheduleFromSeed } from "./schedule.ts";
import { runSchedule, World } from "./world.ts";

// The deterministic consensus simulator (see world.ts). CIFER_SIM_SCHEDULES=N runs N schedules
// (default 1,000) from CIFER_SIM_BASE_SEED (default 1); CIFER_SIM_SEED=S replays one schedule with
// its event log (CIFER_SIM_VERBOSE=1 prints it even when it passes).

const env = process.env;
const replayCommand = (seed: number) => `CIFER_SIM_SEED=${seed} CIFER_SIM_VERBOSE=1 pnpm test:only sim`;

test("consensus: agreement, valid commits, liveness and evidence on seeded adversarial schedules", async () => {
  if (env.CIFER_SIM_SEED) {
    const seed = Number(env.CIFER_SIM_SEED);
    const lines: string[] = [];
    const r = runSchedule(scheduleFromSeed(seed), { log: (l) => lines.push(l) });
    if (env.CIFER_SIM_VERBOSE === "1" || r.violations.length > 0) console.log(lines.join("\n"));
    console.log(`${r.description}\n  -> heights ${r.heights.join(", ")} after ${r.simulatedMs}ms simulated`);
    assert.deepEqual(r.violations, [], `seed ${seed} violates:\n  ${r.violations.join("\n  ")}`);
    return;
  }
  const count = Number(env.CIFER_SIM_SCHEDULES ?? 1000);
  const base = Number(env.CIFER_SIM_BASE_SEED ?? 1);
  const started = performance.now();
  const results = await runSeeds(Array.from({ length: count }, (_, i) => base + i));
  const seconds = (performance.now() - started) / 1000;
  const failed = results.filter((r) => r.violations.length > 0);
  let heights = 0;
  for (const r of results) heights += Math.max(0, ...r.heights.map(Number));
  const simulated = results.reduce((n, r) => n + r.simulatedMs, 0);
  const evidence = results.reduce((n, r) => n + r.evidenceDetected, 0);
  const blamed = results.reduce((n, r) => n + r.peerErrors, 0);
  const slowest = Math.max(...results.map((r) => r.liveAfterMs));
  const changed = results.filter((r) => r.changedSetHeights > 0);
  const changedHeights = changed.reduce((n, r) => n + r.changedSetHeights, 0);
  console.log(
    `${results.length} schedules in ${seconds.toFixed(1)}s: ${heights} heights over ${(simulated / 1000).toFixed(0)}s ` +
      `simulated, ${evidence} equivocations detected and committed, ${blamed} faulty messages reported; ` +
      `after healing, ${(slowest / 1000).toFixed(1)}s at most until every honest node had 2 new heights; ` +
      `${changed.length} schedules changed the validator set (${changedHeights} heights decided by a changed set)`,
  );
  const report = failed
    .slice(0, 10)
    .map((r) => `${r.description}\n    ${r.violations.join("\n    ")}\n  replay: ${replayCommand(r.seed)}`)
    .join("\n");
  assert.equal(failed.length, 0, `${failed.length} schedule(s) failed:\n${report}`);
  assert.ok(results.length >= count);
  // The generator must keep exercising set changes, or the properties checked say nothing of them.
  if (count >= 100)
    assert.ok(changed.length >= count / 20, `only ${changed.length} schedules changed the set`);
});

const dir = mkdtempSync(join(tmpdir(), "cifer-sim-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a validator crashed right after the WAL write of its vote restarts and never signs a conflicting vote", () => {
  const crashed = 1;
  const schedule: Schedule = {
    seed: 424242,
    powers: [10n, 10n, 10n, 10n],
    powerChanges: [],
    byzantine: new Map(),
    intruder: false,
    network: {
      lossPermille: 0,
      dupPermille: 0,
      minDelayMs: 5,
      maxDelayMs: 20,
      slowPermille: 0,
      slowMaxMs: 0,
      partitions: [],
    },
    crashes: [{ node: crashed, at: 900, mode: "after-wal-vote", restartAfterMs: 700 }],
    liveFrom: 3000,
    livenessBoundMs: 20_000,
    targetHeights: 3,
    timeouts: SIM_TIMEOUTS,
  };
  const walPath = join(dir, "cs.wal");
  const statePath = join(dir, "priv_validator_state.json");
  let fileWal: FileWal | undefined;
  let fileSigner: FileSigner | undefined;
  const signed = new Map<string, string>();
  const conflicts: string[] = [];
  const afterRestart: Vote[] = [];
  let restarted = false;
  const world = new World(schedule, {
    signerFor: (id, key) => {
      if (id !== crashed) return undefined;
      fileSigner = new FileSigner(new FilePrivValidator(key, statePath), statePath);
      return fileSigner;
    },
    walFor: (id) => {
      if (id !== crashed) return undefined;
      fileWal = new FileWal(walPath);
      return fileWal;
    },
    onBroadcast: (node, m) => {
      if (node.id !== crashed || m.kind !== "vote" || m.vote.validatorIndex !== crashed) return;
      const v = m.vote;
      const key = `${v.height}/${v.round}/${v.type}`;
      const sig = toHexUpper(v.signature);
      if (signed.has(key) && signed.get(key) !== sig) conflicts.push(key);
      signed.set(key, sig);
      if (restarted) afterRestart.push(v);
    },
    log: (line) => {
      if (line.includes(`n${crashed} restarts`)) restarted = true;
    },
  });
  let walAtRestart: Vote | undefined;
  const node = world.nodes[crashed]!;
  const boot = node.boot.bind(node);
  node.boot = (o) => {
    if (node.generation > 0) {
      const entries = node.wal.entries();
      for (const e of entries)
        if (e.kind === "message" && e.own && e.message.kind === "vote") walAtRestart = e.message.vote;
    }
    return boot(o);
  };
  const r = world.run();
  fileWal?.close();
  assert.deepEqual(r.violations, [], describeSchedule(schedule));
  assert.ok(node.generation > 0, "the validator crashed");
  assert.ok(walAtRestart, "its WAL held the vote it had not sent");
  const resent = afterRestart.find(
    (v) =>
      v.height === walAtRestart!.height && v.round === walAtRestart!.round && v.type === walAtRestart!.type,
  );
  assert.ok(resent, "after the restart it sends the vote from its WAL");
  assert.equal(toHexUpper(resent.signature), toHexUpper(walAtRestart.signature), "the very same signed vote");
  assert.deepEqual(conflicts, [], "never two different votes for one height/round/type");
  assert.equal(fileSigner!.refusals, 0, "the engine never asked the signer for a conflicting signature");
  for (const n of world.nodes)
    assert.ok(n.chain.height >= 4n, `${n.name} kept committing (${n.chain.height})`);
});
