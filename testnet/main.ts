/**
 * `pnpm testnet`: a local Cifer network for development.
 *
 * Creates (or reuses) <home>/node<i>, runs each validator as a supervised child process
 * (`cifer node start`), waits until blocks are produced, prints what a developer needs (RPC, chain id,
 * dev mnemonic and funded accounts, logs, next commands), and keeps running until Ctrl-C. A validator
 * that dies is reported and ends the testnet with a non-zero code: nothing is restarted silently.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { StargateClient } from "@cosmjs/stargate";
import { Command, CommanderError, Option } from "commander";
import { formatCif } from "../client/amounts.ts";
import { DEFAULT_CHAIN_ID, DEV_MNEMONIC, devAccounts } from "../chain/wiring/genesis.ts";
import { type FlDemoResult, runFlDemo } from "./fl-demo.ts";
import { runMarketDemo } from "./market-demo.ts";
import { watchLauncher } from "./launcher-watch.ts";
import { assertPortFree, waitForHeight } from "./net.ts";
import { createNetwork, portsOf } from "./network.ts";
import { vestingSummary } from "./vesting-summary.ts";
import { describeExit, type ExitInfo, tailLog, ValidatorProcess } from "./supervisor.ts";

const ROOT = resolve(import.meta.dirname, "..");
const CLI_ARGS = ["--import", "tsx", join("client", "cli", "main.ts")];
const MARKER = "testnet.json";
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;
const LOG_TAIL_LINES = 20;

class UsageError extends Error {}

interface Marker {
  version: 1;
  validators: number;
  base_port: number;
  block_interval_ms?: number;
  chain_id: string;
  created_at: string;
}

interface Options {
  validators: number;
  home: string;
  basePort: number;
  demo: boolean;
  blockIntervalMs?: number;
  reset: boolean;
  /** Which of the options were given on the command line (not defaults). */
  explicit: Set<string>;
}

export { portsOf };

function parseIntOpt(value: string, what: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(value))
    throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: expected an integer`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`invalid ${what} ${value}: must be between ${min} and ${max}`);
  return n;
}

function parseArgs(argv: string[]): Options {
  const cmd = new Command("pnpm testnet")
    .description(
      "run a local Cifer network: init validator homes, start and supervise the nodes, print how to use it",
    )
    .option(
      "--validators <n>",
      "number of validators (N >= 3f+1 tolerates f faulty ones; 4 tolerates 1)",
      "4",
    )
    .option("--home <dir>", "directory of the network (node<i>/ inside)", "./.testnet")
    .option(
      "--base-port <port>",
      "RPC port of validator 0; validator i serves RPC on P+10*i and P2P on P-1+10*i",
      "26657",
    )
    .option(
      "--block-interval-ms <ms>",
      "wait after each block of a new network (timeout_commit; default 250 on local networks)",
    )
    .option("--reset", "delete the network's data and start from a fresh genesis")
    .addOption(
      new Option(
        "--no-demo",
        "do not run the demo (a federated-learning task on the digits dataset with 4 trainers, one of them an attacker, trained and aggregated on this network once it is up; then the marketplace on its data and model)",
      ),
    )
    .helpOption("-h, --help", "show this help")
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      outputError: (s, write) =>
        write(
          `${s
            .replace(/^error: /, "Error: ")
            .replace(/\s*\n\s*/g, " ")
            .trim()}\n`,
        ),
    })
    .addHelpText(
      "after",
      `
Examples:
  $ pnpm testnet                          start (or resume) the network in ./.testnet
  $ pnpm testnet --reset                  start over from a fresh genesis
  $ pnpm testnet --base-port 36657 --home /tmp/tn --block-interval-ms 500

While it runs: pnpm cifer status, pnpm cifer query bank balances <addr>, npx tsx examples/send-tokens.ts,
npx tsx examples/delegate-tokens.ts.
Ctrl-C stops every validator cleanly; the data is kept for the next run unless --reset.`,
    );
  cmd.parse(argv, { from: "user" });
  const o = cmd.opts<{
    validators: string;
    home: string;
    basePort: string;
    blockIntervalMs?: string;
    reset?: boolean;
    demo: boolean;
  }>();
  const explicit = new Set(Object.keys(o).filter((k) => cmd.getOptionValueSource(k) === "cli"));
  const validators = parseIntOpt(o.validators, "--validators", 1, 20);
  const basePort = parseIntOpt(o.basePort, "--base-port", 2, 65535 - 10 * (validators - 1));
  const blockIntervalMs =
    o.blockIntervalMs !== undefined
      ? parseIntOpt(o.blockIntervalMs, "--block-interval-ms", 10, 3_600_000)
      : undefined;
  if (o.home.trim() === "") throw new UsageError("--home must not be empty");
  return {
    validators,
    home: resolve(o.home),
    basePort,
    demo: o.demo,
    reset: o.reset === true,
    explicit,
    ...(blockIntervalMs !== undefined ? { blockIntervalMs } : {}),
  };
}

function readMarker(home: string): Marker | undefined {
  const p = join(home, MARKER);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, "utf8")) as Marker;
  } catch (e) {
    throw new Error(`${p} is not valid JSON (${(e as Error).message}); fix it or start over with --reset`);
  }
}

/** --reset deletes only what is recognisably a testnet home, never an arbitrary directory. */
function reset(home: string): void {
  if (!existsSync(home)) return;
  if (!existsSync(join(home, MARKER)) && readdirSync(home).length > 0) {
    throw new Error(
      `refusing to --reset ${home}: it is not empty and has no ${MARKER}, so it does not look like a testnet home`,
    );
  }
  rmSync(home, { recursive: true, force: true });
}

/** Creates the network, or checks that an existing one matches the options. Returns the effective settings. */
async function prepare(
  o: Options,
): Promise<{ basePort: number; chainId: string; created: boolean; validators: number }> {
  if (o.reset) reset(o.home);
  const marker = readMarker(o.home);
  if (marker && existsSync(join(o.home, "node0", "config", "config.json"))) {
    const mismatch = (flag: string, was: unknown) =>
      new UsageError(
        `${o.home} was created with ${flag} ${was}; pass the same value, or --reset to recreate the network`,
      );
    if (o.explicit.has("validators") && marker.validators !== o.validators)
      throw mismatch("--validators", marker.validators);
    if (o.explicit.has("basePort") && marker.base_port !== o.basePort)
      throw mismatch("--base-port", marker.base_port);
    if (o.explicit.has("blockIntervalMs") && marker.block_interval_ms !== o.blockIntervalMs) {
      throw mismatch("--block-interval-ms", marker.block_interval_ms ?? "(default)");
    }
    return {
      basePort: marker.base_port,
      chainId: marker.chain_id,
      created: false,
      validators: marker.validators,
    };
  }
  if (existsSync(o.home) && readdirSync(o.home).length > 0 && !marker) {
    throw new Error(`${o.home} exists and is not a testnet home; choose another --home`);
  }
  if (marker) {
    // A half-created network (interrupted init): start over cleanly.
    rmSync(o.home, { recursive: true, force: true });
  }
  mkdirSync(o.home, { recursive: true });
  await createNetwork({
    home: o.home,
    validators: o.validators,
    basePort: o.basePort,
    chainId: DEFAULT_CHAIN_ID,
    ...(o.blockIntervalMs !== undefined ? { blockIntervalMs: o.blockIntervalMs } : {}),
    editGenesis: (g) => {
      // A round is paid when its dispute window closes: 20 blocks (5-6 s here) instead of 60 keeps
      // a local round short, and still leaves time to try `MsgOpenDispute` by hand.
      const fl = (g.app_state as Record<string, { params: Record<string, string> }>).fl!;
      fl.params.dispute_blocks = "20";
      // Evaluated rounds: each phase ends as soon as every member has acted; the deadlines (about
      // 10 and 5 s here) only bound a member that stays silent.
      fl.params.commit_blocks = "40";
      fl.params.reveal_blocks = "20";
    },
  });
  const m: Marker = {
    version: 1,
    validators: o.validators,
    base_port: o.basePort,
    ...(o.blockIntervalMs !== undefined ? { block_interval_ms: o.blockIntervalMs } : {}),
    chain_id: DEFAULT_CHAIN_ID,
    created_at: new Date().toISOString(),
  };
  writeFileSync(join(o.home, MARKER), `${JSON.stringify(m, null, 2)}\n`);
  return { basePort: o.basePort, chainId: DEFAULT_CHAIN_ID, created: true, validators: o.validators };
}

async function printSummary(o: {
  rpcUrl: string;
  rpcUrls: string[];
  chainId: string;
  home: string;
  logs: string[];
  demo: boolean;
  basePort: number;
}) {
  const accounts = await devAccounts();
  const client = await StargateClient.connect(o.rpcUrl);
  const balances: string[] = [];
  try {
    for (const a of accounts) balances.push((await client.getBalance(a.address, "ucif")).amount);
  } finally {
    client.disconnect();
  }
  const nodeFlag = o.rpcUrl === "http://127.0.0.1:26657" ? "" : ` --node ${o.rpcUrl}`;
  const w = (s = "") => process.stdout.write(`${s}\n`);
  w();
  w(`Cifer testnet is running (${o.rpcUrls.length} validator${o.rpcUrls.length === 1 ? "" : "s"})`);
  w();
  w(`  chain id  ${o.chainId}`);
  for (const [i, url] of o.rpcUrls.entries()) w(`  RPC       ${url}  (node${i})`);
  w(`  explorer  ${o.rpcUrl}/explorer/  (blocks, validators, FL tasks, market; live)`);
  w(`  REST      ${o.rpcUrl}/cosmos/...  (Cosmos REST; wallets: ${o.rpcUrl}/chain-info.json)`);
  w(`  metrics   ${o.rpcUrl}/metrics`);
  w(`  home      ${o.home}`);
  for (const l of o.logs) w(`  log       ${l}`);
  w();
  w("Dev accounts (local testing ONLY: this mnemonic is public)");
  w(`  mnemonic  ${DEV_MNEMONIC}`);
  for (const [i, a] of accounts.entries()) {
    w(`  ${a.index}  ${a.address}  ${formatCif(balances[i] ?? "0")} CIF  (${a.hdPath})`);
  }
  const vesting = await vestingSummary(o.rpcUrl);
  if (vesting.length > 0) {
    w("Vesting accounts (same mnemonic; linear from genesis: founders 30% over 4 years, advisors 5% over 2)");
    for (const l of vesting) w(l);
  }
  w();
  w("Next");
  w(`  pnpm cifer status${nodeFlag}`);
  w(`  pnpm cifer query bank balances ${accounts[0]?.address}${nodeFlag}`);
  w(`  ${nodeFlag ? `CIFER_NODE=${o.rpcUrl} ` : ""}npx tsx examples/send-tokens.ts`);
  w(
    `  ${nodeFlag ? `CIFER_NODE=${o.rpcUrl} ` : ""}npx tsx examples/delegate-tokens.ts   # stake, unbond, withdraw rewards`,
  );
  w(`  echo "${DEV_MNEMONIC}" | pnpm cifer keys add dev0 --recover --keyring-backend test`);
  w(`  pnpm cifer tx bank send dev0 ${accounts[1]?.address} 1CIF --keyring-backend test --yes${nodeFlag}`);
  w(`  pnpm cifer fl status --task <id>${nodeFlag}   # a federated-learning task, round by round`);
  w();
  w(
    o.demo
      ? "The federated-learning and marketplace demo starts now (--no-demo skips it); the network keeps running after it."
      : "Ctrl-C stops the network (its data is kept; --reset starts over).",
  );
}

/** What became of the attacker's updates, read off the rounds (median: not scored). */
function attackerSummary(r: FlDemoResult): string {
  if (r.rule !== "trust") return "the median absorbed them";
  const attackers = new Set(r.trainers.filter((t) => t.attack).map((t) => t.address));
  const theirs = r.rounds.flatMap((round) => round.updates.filter((u) => attackers.has(u.participant)));
  const zero = theirs.filter((u) => u.trustPpm === 0).length;
  return `the committee gave ${zero} of their ${theirs.length} updates trust weight 0 (no part in the model)`;
}

/**
 * The marketplace demo (testnet/market-demo.ts) on the FL demo's finished task: the trainers' data,
 * a portfolio, sales, the task's model, escrows judged by the validators, a review.
 */
async function runMarketPart(
  rpcUrls: string[],
  fl: FlDemoResult,
  signal: AbortSignal,
  node: string,
): Promise<void> {
  const w = (s: string) => process.stdout.write(`[market demo] ${s}\n`);
  try {
    const r = await runMarketDemo({ rpcUrls, taskId: fl.taskId, datasets: fl.datasets, signal, log: w });
    w(
      `done: portfolio sold at ${r.sales.map((s) => formatCif(s.price)).join(" then ")} CIF, escrow ${r.passed.escrow.id} paid, escrow ${r.failed.escrow.id} refunded`,
    );
    w(`see it on chain: pnpm cifer query market assets${node}; pnpm cifer query market escrows${node}`);
  } catch (e) {
    if (signal.aborted) return;
    w(`failed: ${(e as Error).message.replace(/\s*\n\s*/g, " ")} (the network keeps running)`);
  }
}

/**
 * The federated-learning demo (testnet/fl-demo.ts) on the running network. Its failure is reported
 * and leaves the network running: the network is what the user came for.
 */
async function runDemo(rpcUrls: string[], signal: AbortSignal): Promise<void> {
  const w = (s: string) => process.stdout.write(`[fl demo] ${s}\n`);
  try {
    const r = await runFlDemo({ rpcUrls, signal, log: w });
    const first = r.rounds[0];
    const last = r.rounds[r.rounds.length - 1];
    w(
      `done: held-out accuracy ${(100 * r.initialAccuracy).toFixed(1)}% (genesis weights) -> ${first ? (100 * first.accuracy).toFixed(1) : "?"}% (round 1) -> ${last ? (100 * last.accuracy).toFixed(1) : "?"}% (round ${r.rounds.length}), with one of ${r.trainers.length} trainers sending sign-flipped updates; ${attackerSummary(r)}`,
    );
    const node = rpcUrls[0] === "http://127.0.0.1:26657" ? "" : ` --node ${rpcUrls[0]}`;
    w(`see it on chain: pnpm cifer fl status --task ${r.taskId}${node}`);
    await runMarketPart(rpcUrls, r, signal, node);
  } catch (e) {
    if (signal.aborted) return;
    w(`failed: ${(e as Error).message.replace(/\s*\n\s*/g, " ")} (the network keeps running)`);
  }
  process.stdout.write("\nCtrl-C stops the network (its data is kept; --reset starts over).\n");
}

async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  const { basePort, chainId, created, validators: count } = await prepare(opts);
  const home = opts.home;
  process.stderr.write(`${created ? "created" : "reusing"} testnet home ${home}\n`);

  const validators: ValidatorProcess[] = [];
  for (let i = 0; i < count; i++) {
    const { rpc, p2p } = portsOf(basePort, i);
    await assertPortFree(rpc, "127.0.0.1", "RPC");
    await assertPortFree(p2p, "127.0.0.1", "P2P");
    validators.push(
      new ValidatorProcess(
        { name: `node${i}`, home: join(home, `node${i}`), rpcUrl: `http://127.0.0.1:${rpc}` },
        { cwd: ROOT, args: CLI_ARGS },
      ),
    );
  }
  const rpcUrl = validators[0]!.spec.rpcUrl;

  let shuttingDown = false;
  let failure: Error | undefined;
  let settle!: (code: number) => void;
  const finished = new Promise<number>((r) => {
    settle = r;
  });

  const demoAbort = new AbortController();
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    demoAbort.abort();
    await Promise.all(validators.map((v) => v.stop(STOP_GRACE_MS)));
    settle(code);
  };

  const onExit = (v: ValidatorProcess, e: ExitInfo) => {
    if (shuttingDown) return;
    const tail = tailLog(v.logPath, LOG_TAIL_LINES);
    failure = new Error(`validator ${v.spec.name} ${describeExit(e)}`);
    process.stderr.write(
      `Error: validator ${v.spec.name} (pid ${v.pid ?? "?"}) ${describeExit(e)}; last ${tail.length} lines of ${v.logPath}:\n${tail.map((l) => `  | ${l}`).join("\n")}\n`,
    );
    void shutdown(1);
  };

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`received ${signal} again: killing the validators\n`);
      for (const v of validators) v.killNow();
      process.exit(130);
    }
    process.stderr.write(`received ${signal}: stopping the validators (Ctrl-C again to kill them)\n`);
    void shutdown(0);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  watchLauncher((pid) => {
    process.stderr.write(`the launching process (pid ${pid}) exited: stopping the validators\n`);
    void shutdown(0);
  });
  process.on("exit", () => {
    for (const v of validators) v.killNow();
  });

  for (const v of validators) v.start(onExit);
  process.stderr.write(
    `started ${validators.length} validator(s); waiting for the first block (at most ${READY_TIMEOUT_MS / 1000} s)...\n`,
  );

  try {
    await waitForHeight(rpcUrl, {
      timeoutMs: READY_TIMEOUT_MS,
      abort: () => (shuttingDown ? (failure ?? new Error("stopped")) : undefined),
    });
  } catch (e) {
    if (!shuttingDown) {
      const tail = tailLog(validators[0]!.logPath, LOG_TAIL_LINES);
      process.stderr.write(
        `Error: ${(e as Error).message}; last ${tail.length} lines of ${validators[0]!.logPath}:\n${tail.map((l) => `  | ${l}`).join("\n")}\n`,
      );
      await shutdown(1);
    }
    return finished;
  }

  if (!shuttingDown) {
    await printSummary({
      rpcUrl,
      rpcUrls: validators.map((v) => v.spec.rpcUrl),
      chainId,
      home,
      logs: validators.map((v) => v.logPath),
      demo: opts.demo,
      basePort,
    }).catch((e) =>
      process.stderr.write(`warning: could not read the dev balances: ${(e as Error).message}\n`),
    );
    if (opts.demo)
      void runDemo(
        validators.map((v) => v.spec.rpcUrl),
        demoAbort.signal,
      );
  }
  return finished;
}

try {
  const code = await main(process.argv.slice(2));
  process.exit(code);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : 2);
  }
  process.stderr.write(`Error: ${(e as Error).message.replace(/\s*\n\s*/g, " ")}\n`);
  if (process.env.CIFER_DEBUG === "1") process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
}
