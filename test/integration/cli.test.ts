/**
 * The `cifer` CLI end to end against a real node it started itself: `node init` in a temp dir with free
 * ports, `node start` as a child process, then keys import, tx bank send, query bank balances, query tx,
 * query account and status, all as child processes, exactly as a user runs them.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { toAddress } from "../../chain/crypto/address.ts";
import { DEV_MNEMONIC, devAccounts } from "../../chain/wiring/genesis.ts";
import { assertOk, assertOneLineError, CLI, type CliRun, ROOT, runCli } from "../helpers/cli.ts";
import { freePort } from "../helpers/node-process.ts";

const CMD_TIMEOUT_MS = 90_000;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

const run = (args: string[], input = ""): Promise<CliRun> =>
  runCli(args, { input, timeoutMs: CMD_TIMEOUT_MS });

describe("cifer CLI against a running node", () => {
  let tmp: string;
  let node: ChildProcess | undefined;
  let nodeLog = "";
  let nodeExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let rpcUrl: string;
  let kr: string[];
  let devs: Awaited<ReturnType<typeof devAccounts>>;
  const q = (...args: string[]) => [...args, "--node", rpcUrl];
  /** `tx bank send` against the node with the test keyring, confirmed; `flags` are any further options. */
  const send = (from: string, to: string, amount: string, ...flags: string[]) =>
    q("tx", "bank", "send", from, to, amount, ...flags, "--yes", ...kr);

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "cifer-cli-it-"));
    devs = await devAccounts(3);
    const rpcPort = await freePort("127.0.0.1");
    let p2pPort = await freePort("0.0.0.0");
    for (let i = 0; i < 5 && p2pPort === rpcPort; i++) p2pPort = await freePort("0.0.0.0");
    rpcUrl = `http://127.0.0.1:${rpcPort}`;
    kr = ["--keyring-backend", "test", "--keyring-dir", join(tmp, "keyring")];
    const home = join(tmp, "node");

    const init = assertOk(
      await run([
        "node",
        "init",
        "--home",
        home,
        "--moniker",
        "cli-it",
        "--rpc-port",
        String(rpcPort),
        "--p2p-port",
        String(p2pPort),
        "--block-interval-ms",
        "200",
        "-o",
        "json",
      ]),
    );
    assert.equal(JSON.parse(init.stdout).chain_id, "cifer-local-1");
    assertOneLineError(
      await run(["node", "init", "--home", home, "--moniker", "again"]),
      /already initialised/,
    );

    node = spawn(process.execPath, [...CLI, "node", "start", "--home", home, "--log-level", "warn"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (d: Buffer) => {
      nodeLog = (nodeLog + d.toString()).slice(-20_000);
    };
    node.stdout!.on("data", keep);
    node.stderr!.on("data", keep);
    node.on("exit", (code, signal) => {
      nodeExit = { code, signal };
    });

    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (let i = 0; ; i++) {
      if (nodeExit) throw new Error(`the node exited (${JSON.stringify(nodeExit)}):\n${nodeLog}`);
      try {
        const res = await fetch(`${rpcUrl}/status`, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json()) as { result?: { sync_info?: { latest_block_height?: string } } };
        if (Number(body.result?.sync_info?.latest_block_height ?? 0) >= 1) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || i > 600)
        throw new Error(`the node did not produce a block in time:\n${nodeLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    if (node && !nodeExit) {
      const exited = new Promise<void>((r) => node!.once("exit", () => r()));
      node.kill("SIGTERM");
      const timer = setTimeout(() => node?.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("status", async () => {
    const r = assertOk(await run(q("status", "-o", "json")));
    const s = JSON.parse(r.stdout);
    assert.equal(s.chain_id, "cifer-local-1");
    assert.equal(s.moniker, "cli-it");
    assert.ok(s.latest_block_height >= 1);
    assert.match(s.validator_address, /^[0-9A-F]{40}$/);
    assert.match(assertOk(await run(q("status"))).stdout, /chain_id:\s+cifer-local-1/);
  });

  test("keys import of the dev mnemonic (test backend)", async () => {
    const file = join(tmp, "dev.mnemonic");
    writeFileSync(file, `${DEV_MNEMONIC}\n`, { mode: 0o600 });
    const a = assertOk(await run(["keys", "import", "dev0", file, ...kr, "-o", "json"]));
    assert.equal(JSON.parse(a.stdout).address, devs[0]!.address);
    const b = assertOk(
      await run(["keys", "add", "dev1", "--recover", "--index", "1", ...kr, "-o", "json"], DEV_MNEMONIC),
    );
    assert.equal(JSON.parse(b.stdout).address, devs[1]!.address);
  });

  let sentHash = "";
  test("tx bank send waits for inclusion; balances and tx queries see it", async () => {
    const balance = async (addr: string) => {
      const r = assertOk(await run(q("query", "bank", "balances", addr, "--denom", "ucif", "-o", "json")));
      return BigInt(JSON.parse(r.stdout).amount);
    };
    const before1 = await balance(devs[1]!.address);
    assert.equal(before1, 1_000_000_000_000n);

    const r = assertOk(
      await run(send("dev0", devs[1]!.address, "1.5CIF", "--memo", "cli test", "-o", "json")),
    );
    const res = JSON.parse(r.stdout);
    assert.equal(res.code, 0);
    assert.match(res.txhash, /^[0-9A-F]{64}$/);
    assert.ok(res.height >= 1);
    sentHash = res.txhash;
    assert.equal(await balance(devs[1]!.address), before1 + 1_500_000n);

    const tx = JSON.parse(assertOk(await run(q("query", "tx", sentHash.toLowerCase(), "-o", "json"))).stdout);
    assert.equal(tx.txhash, sentHash);
    assert.equal(tx.height, res.height);
    assert.equal(tx.code, 0);
    assert.equal(tx.memo, "cli test");
    assert.equal(tx.messages[0]["@type"], "/cosmos.bank.v1beta1.MsgSend");
    assert.deepEqual(tx.messages[0].amount, [{ denom: "ucif", amount: "1500000" }]);

    const text = assertOk(await run(q("query", "bank", "balances", devs[1]!.address))).stdout;
    assert.match(text, /^1000001500000ucif \(1000001\.5 CIF\)$/m);
  });

  test("explicit --fees and --gas, sending by key address", async () => {
    const r = assertOk(
      await run(
        send(
          devs[0]!.address,
          devs[2]!.address,
          "1000ucif",
          "--fees",
          "5000ucif",
          "--gas",
          "200000",
          "-o",
          "json",
        ),
      ),
    );
    const res = JSON.parse(r.stdout);
    assert.equal(res.code, 0);
    assert.equal(res.gas_wanted, "200000");
  });

  test("query account", async () => {
    const acc = JSON.parse(assertOk(await run(q("query", "account", devs[0]!.address, "-o", "json"))).stdout);
    assert.equal(acc.address, devs[0]!.address);
    assert.ok(acc.sequence >= 2);
    assert.ok(acc.pubkey, "the account's public key is set after its first transaction");
  });

  test("failures against the node are one clear line", async () => {
    assertOneLineError(
      await run(send("dev0", devs[1]!.address, "1ucif", "--chain-id", "other-chain")),
      /chain id mismatch/,
    );
    assertOneLineError(
      await run(send("dev0", devs[1]!.address, "1ucif", "--fees", "1ucif", "--gas", "200000")),
      /insufficient fee/,
    );
    assertOneLineError(
      await run(send("dev0", devs[1]!.address, "100000000000000CIF")),
      /insufficient funds|smaller than/,
    );
    assertOneLineError(await run(q("query", "tx", "00".repeat(32))), /not found/);
    const stranger = toAddress(new Uint8Array(20).fill(7)); // an address that never received anything
    assertOneLineError(await run(q("query", "account", stranger)), /not found/);
    assert.match(assertOk(await run(q("query", "bank", "balances", stranger))).stdout, /no balances/);
  });

  test("the node is still healthy", () => {
    assert.equal(nodeExit, undefined, nodeLog);
  });
});
