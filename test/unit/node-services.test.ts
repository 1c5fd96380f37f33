import { ed25519Agreement } from "../../chain/crypto/x25519.ts";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { AuthInfo, SignDoc, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { SIMULATE_PATH } from "../../chain/app/app.ts";
import { verifySecp256k1 } from "../../chain/crypto/secp256k1.ts";
import { homePaths } from "../../chain/node/home.ts";
import { initNodeHome } from "../../chain/node/init.ts";
import type { Logger } from "../../chain/node/logger.ts";
import { loadOperatorKeyFile, operatorKeyFromPrivate } from "../../chain/node/operator-key.ts";
import { ServiceAccount, ServiceTxError } from "../../chain/node/service-account.ts";
import { type ServiceBase, ServiceHost, ServiceStartError } from "../../chain/node/service-host.ts";
import type { NodeService, NodeServiceContext } from "../../chain/node/services.ts";
import type { CommittedBlock } from "../../chain/state/executor.ts";
import { parseGasPrice, requiredFee } from "../../chain/types/gas-price.ts";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { VALIDATOR_OPERATOR_HD_BASE } from "../../chain/wiring/genesis-validators.ts";
import { operatorAddress } from "../../chain/wiring/gentx.ts";
import { hdAddress, hdPrivateKey } from "../../chain/wiring/hd-address.ts";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function logger(lines: string[] = []): Logger {
  const l: Logger = {
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m, f) => lines.push(`warn ${m} ${JSON.stringify(f ?? {})}`),
    error: (m) => lines.push(`error ${m}`),
    child: () => l,
  };
  return l;
}

/** A ServiceBase whose commits the test fires by hand. */
function base(config: Record<string, unknown> = {}) {
  const listeners = new Set<(c: CommittedBlock) => void>();
  const b: ServiceBase = {
    chainId: "test-1",
    rawConfig: config as ServiceBase["rawConfig"],
    paths: homePaths("/nowhere"),
    minimumGasPrices: [],
    blobs: undefined,
    consensusPubKey: new Uint8Array(32),
    consensusKeyAgreement: ed25519Agreement(new Uint8Array(32)),
    isValidator: () => true,
    latestHeight: () => 1n,
    query: async () => ({ code: 0, codespace: "", log: "", value: new Uint8Array(), height: 1n }),
    broadcastTx: async () => {
      throw new Error("no mempool");
    },
    subscribeCommits: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const commit = (height: bigint) => {
    const c = {
      block: { header: { height }, data: { txs: [new Uint8Array([1, 2])] } },
      blockId: { hash: new Uint8Array([9]) },
      results: {
        txResults: [{ code: 5, codespace: "x", log: "no", gasWanted: 10n, events: [] }],
        events: [{ type: "fl_round_started", attributes: [{ key: "k", value: "v", index: true }] }],
      },
    } as unknown as CommittedBlock;
    for (const l of listeners) l(c);
  };
  return { b, commit, listeners };
}

describe("node services: the host", () => {
  test("each service gets its config section; commits reach it after block execution; a throwing listener is contained", async () => {
    const lines: string[] = [];
    const got: Array<{ height: bigint; sync: boolean }> = [];
    let ctxOf!: NodeServiceContext;
    let inCommit = false;
    const svc: NodeService = {
      name: "demo",
      async start(ctx) {
        ctxOf = ctx;
        ctx.onCommit((c) => {
          got.push({ height: c.height, sync: inCommit });
          assert.equal(c.txs[0]!.code, 5);
          assert.equal(c.txs[0]!.hash.length, 32);
          assert.equal(c.events[0]!.type, "fl_round_started");
          throw new Error("listener bug");
        });
      },
      async stop() {},
    };
    const { b, commit, listeners } = base({ demo: { x: 1 }, other: { y: 2 } });
    const host = new ServiceHost([() => svc], logger(lines));
    await host.start(b);
    assert.deepEqual(ctxOf.config, { x: 1 });
    inCommit = true;
    commit(4n);
    inCommit = false;
    assert.deepEqual(got, [], "not called inside the executor's commit");
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, [{ height: 4n, sync: false }]);
    assert.ok(lines.some((l) => l.startsWith("warn commit listener failed") && l.includes("listener bug")));
    await host.stop();
    assert.equal(listeners.size, 0, "unsubscribed at stop");
  });

  test("a service that fails to start stops the ones started, and names itself; a stuck stop is bounded", async () => {
    const order: string[] = [];
    const ok = (name: string, stop: () => Promise<void> = async () => {}): NodeService => ({
      name,
      async start() {
        order.push(`start ${name}`);
      },
      async stop() {
        order.push(`stop ${name}`);
        await stop();
      },
    });
    const bad: NodeService = {
      name: "bad",
      async start() {
        throw new Error("key file mode 0644");
      },
      async stop() {},
    };
    const host = new ServiceHost([() => ok("a"), () => ok("b"), () => bad], logger());
    await assert.rejects(
      host.start(base().b),
      (e) => e instanceof ServiceStartError && e.message === "node service bad: key file mode 0644",
    );
    assert.deepEqual(order, ["start a", "start b", "stop b", "stop a"]);

    await assert.rejects(
      new ServiceHost([() => ok("a"), () => ok("a")], logger()).start(base().b),
      /used twice/,
    );
    await assert.rejects(new ServiceHost([() => ok("Bad Name")], logger()).start(base().b), /invalid/);

    const lines: string[] = [];
    const stuck = new ServiceHost([() => ok("stuck", () => new Promise<void>(() => {}))], logger(lines), 100);
    await stuck.start(base().b);
    const t0 = Date.now();
    await stuck.stop();
    assert.ok(Date.now() - t0 < 2000);
    assert.ok(lines.some((l) => l.startsWith("warn node service did not stop in time")));
  });
});

describe("node services: the operator's account", () => {
  const key = operatorKeyFromPrivate(hdPrivateKey(DEV_MNEMONIC, 3));
  const price = parseGasPrice("0.0025ucif");

  /** A chain that knows one account, simulates every tx at `gasUsed`, and answers CheckTx with `checks`. */
  function chain(o: { sequence: bigint; checks: Array<{ code: number; codespace?: string; log?: string }> }) {
    const sent: Uint8Array[] = [];
    const account = async () => ({
      code: 0,
      codespace: "",
      log: "",
      height: 1n,
      value: QueryAccountResponse.encode({
        account: {
          typeUrl: "/cosmos.auth.v1beta1.BaseAccount",
          value: BaseAccount.encode(
            BaseAccount.fromPartial({ address: key.address, accountNumber: 42n, sequence: o.sequence }),
          ).finish(),
        },
      }).finish(),
    });
    const simulate = async () => ({
      code: 0,
      codespace: "",
      log: "",
      height: 1n,
      value: SimulateResponse.encode(
        SimulateResponse.fromPartial({ gasInfo: { gasUsed: 50_001n } }),
      ).finish(),
    });
    const acc = new ServiceAccount({
      chainId: "test-1",
      key,
      gasPrice: price,
      query: async (path) => (path === SIMULATE_PATH ? simulate() : account()),
      broadcastTx: async (tx) => {
        sent.push(tx);
        const r = o.checks.shift() ?? { code: 0 };
        return {
          code: r.code,
          codespace: r.codespace ?? "",
          log: r.log ?? "",
          data: new Uint8Array(),
          gasWanted: 0n,
          gasUsed: 0n,
          events: [],
          hash: new Uint8Array(32),
        };
      },
    });
    return { acc, sent };
  }

  const decode = (tx: Uint8Array) => {
    const raw = TxRaw.decode(tx);
    const auth = AuthInfo.decode(raw.authInfoBytes);
    const doc = SignDoc.encode({
      bodyBytes: raw.bodyBytes,
      authInfoBytes: raw.authInfoBytes,
      chainId: "test-1",
      accountNumber: 42n,
    }).finish();
    return {
      sequence: auth.signerInfos[0]!.sequence,
      gas: auth.fee!.gasLimit,
      fee: auth.fee!.amount,
      verified: verifySecp256k1(key.pubkey, doc, raw.signatures[0]!),
    };
  };

  test("SIGN_MODE_DIRECT with the stored account number; gas from the simulation; a local sequence", async () => {
    const { acc, sent } = chain({ sequence: 7n, checks: [] });
    const msg = { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: new Uint8Array() };
    const r = await acc.send([msg], { extraGas: 1000n });
    const gas = 75_002n + 100_000n + 1000n;
    assert.equal(r.gasLimit, gas);
    assert.equal(r.fee, requiredFee(price, gas));
    await acc.send([msg], { minGas: 1_000_000n });
    const [a, b] = sent.map(decode);
    assert.deepEqual(a, {
      sequence: 7n,
      gas,
      fee: [{ denom: "ucif", amount: r.fee.toString() }],
      verified: true,
    });
    assert.equal(b!.sequence, 8n, "the second tx uses the next sequence without asking the chain");
    assert.equal(b!.gas, 1_000_000n, "minGas is a floor");
  });

  test("a sequence mismatch re-reads the account (and the sequence the error names); other refusals throw", async () => {
    const { acc, sent } = chain({
      sequence: 7n,
      checks: [
        { code: 32, codespace: "sdk", log: "account sequence mismatch, expected 9, got 7" },
        { code: 0 },
        { code: 5, codespace: "sdk", log: "insufficient funds" },
      ],
    });
    const msg = { typeUrl: "/x", value: new Uint8Array() };
    await acc.send([msg]);
    assert.deepEqual(
      sent.map((t) => decode(t).sequence),
      [7n, 9n],
    );
    await assert.rejects(
      acc.send([msg]),
      (e) =>
        e instanceof ServiceTxError &&
        e.stage === "checktx" &&
        e.code === 5 &&
        /insufficient funds/.test(e.message),
    );
  });
});

describe("node services: the operator key of a new home", () => {
  test("the HD derivation matches CosmJS's wallet", async () => {
    for (const i of [0, VALIDATOR_OPERATOR_HD_BASE, VALIDATOR_OPERATOR_HD_BASE + 3]) {
      const want = await operatorAddress(DEV_MNEMONIC, i);
      assert.equal(operatorKeyFromPrivate(hdPrivateKey(DEV_MNEMONIC, i)).address, want);
      assert.equal(hdAddress(DEV_MNEMONIC, i), want);
    }
  });

  test("`node init` writes config/operator_key.json (0600) for the operator of its genesis, and the fl section", async () => {
    const home = mkdtempSync(join(tmpdir(), "cifer-init-"));
    dirs.push(home);
    const res = await initNodeHome({ home, moniker: "n", operatorHdIndex: VALIDATOR_OPERATOR_HD_BASE + 2 });
    const p = homePaths(home);
    assert.equal(statSync(p.operatorKey).mode & 0o777, 0o600);
    const key = loadOperatorKeyFile(p.operatorKey);
    assert.equal(key.address, await operatorAddress(DEV_MNEMONIC, VALIDATOR_OPERATOR_HD_BASE + 2));
    assert.equal(res.operatorAddress, key.address);
    assert.ok(
      readFileSync(p.genesis, "utf8").includes(key.address),
      "the genesis funds and bonds that operator",
    );
    const config = JSON.parse(readFileSync(p.config, "utf8"));
    assert.deepEqual(config.fl, {
      enabled: true,
      operator_key_file: "config/operator_key.json",
      max_concurrent_jobs: 2,
      fetch_timeout_ms: 20_000,
    });
  });
});
