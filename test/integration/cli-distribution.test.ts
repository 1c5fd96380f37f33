/**
 * The distribution commands of the `cifer` CLI end to end (child processes) against a real node
 * process: params and community pool; rewards accrue every block on a delegation and are withdrawn to
 * the delegator (or to its withdraw address); the operator withdraws its validator's commission; the
 * community pool can be funded. Every paid amount is read from the transaction's own events and
 * checked against the balances, so nothing here depends on the emission schedule's exact numbers.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { accountFromValoper } from "../../client/addresses.ts";
import { DEV_MNEMONIC, devAccounts } from "../../chain/wiring/genesis.ts";
import { VALIDATOR_OPERATOR_HD_BASE } from "../../chain/wiring/genesis-validators.ts";
import { assertOk, assertOneLineError, runCli } from "../helpers/cli.ts";
import { TestNode } from "../helpers/node-process.ts";

const CMD_TIMEOUT_MS = 90_000;
/** 18-decimal atomics of a LegacyDec decimal string ("12.5" -> 12.5 x 10^18). */
const atomics = (dec: string): bigint => {
  const [int, frac = ""] = dec.split(".");
  return BigInt(int!) * 10n ** 18n + BigInt(frac.padEnd(18, "0").slice(0, 18) || "0");
};

type TxEvent = { type: string; attributes: { key: string; value: string }[] };

/** The whole ucif paid by every event of this type (withdraw_rewards, withdraw_commission). */
function paidIn(events: TxEvent[], type: string): bigint {
  let total = 0n;
  for (const e of events.filter((x) => x.type === type)) {
    const amount = e.attributes.find((a) => a.key === "amount")?.value ?? "";
    if (amount === "") continue; // nothing to pay
    assert.match(amount, /^\d+ucif$/);
    total += BigInt(amount.replace("ucif", ""));
  }
  return total;
}

describe("cifer distribution commands against a running node", () => {
  let node: TestNode;
  let tmp: string;
  let kr: string[];
  let devs: Awaited<ReturnType<typeof devAccounts>>;
  let valoper: string;

  const run = (args: string[]) => runCli([...args, "--node", node.url], { timeoutMs: CMD_TIMEOUT_MS });
  const json = async (...args: string[]) => JSON.parse(assertOk(await run([...args, "-o", "json"])).stdout);
  const tx = (...args: string[]) => run(["tx", ...args, ...kr, "--yes", "-o", "json"]);
  /** Runs a tx that must succeed; returns its events and the fee it paid (from `query tx`). */
  const txOk = async (...args: string[]) => {
    const res = JSON.parse(assertOk(await tx(...args)).stdout);
    assert.equal(res.code, 0);
    const found = await json("query", "tx", res.txhash);
    const fee = BigInt(found.fee.amount.find((c: { denom: string }) => c.denom === "ucif")?.amount ?? "0");
    return { events: found.events as TxEvent[], fee, height: res.height as number };
  };
  const balance = async (address: string) =>
    BigInt((await json("query", "bank", "balances", address, "--denom", "ucif")).amount);
  const pendingRewards = async (delegator: string, validator: string) =>
    atomics((await json("query", "distribution", "rewards", delegator, validator)).rewards[0]?.amount ?? "0");

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "cifer-cli-distribution-"));
    kr = ["--keyring-backend", "test", "--keyring-dir", join(tmp, "keyring")];
    devs = await devAccounts(3);
    node = await TestNode.create();
    await node.start();
    for (const [name, index] of [
      ["dev0", 0],
      ["dev1", 1],
      ["dev2", 2],
      ["op", VALIDATOR_OPERATOR_HD_BASE],
    ] as const) {
      assertOk(
        await runCli(["keys", "add", name, "--recover", "--index", String(index), ...kr], {
          input: DEV_MNEMONIC,
          timeoutMs: CMD_TIMEOUT_MS,
        }),
      );
    }
    valoper = (await json("query", "staking", "validators")).validators[0].operatorAddress;
  });

  after(async () => {
    await node?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("query distribution params and community-pool", async () => {
    const { params } = await json("query", "distribution", "params");
    assert.equal(params.communityTax, "0.020000000000000000");
    assert.equal(params.withdrawAddrEnabled, true);
    assert.match(
      assertOk(await run(["query", "distribution", "params"])).stdout,
      /^community_tax:\s+0\.02 \(2%\)$/m,
    );
    const { pool } = await json("query", "distribution", "community-pool");
    assert.equal(pool[0].denom, "ucif");
    assert.ok(atomics(pool[0].amount) > 0n, "the community tax of every block goes to the pool");
    assert.match(
      assertOk(await run(["query", "distribution", "community-pool"])).stdout,
      /^community_pool:\s+[\d.]+ucif \([\d.]+ CIF\)$/m,
    );
  });

  test("delegate: rewards accrue block by block and the rewards queries show them", async () => {
    assertOneLineError(
      await run(["query", "distribution", "rewards", devs[0]!.address, valoper]),
      /delegation does not exist/,
    );
    await txOk("staking", "delegate", valoper, "100CIF", "--from", "dev0");
    const first = await pendingRewards(devs[0]!.address, valoper);
    let later = first;
    for (let i = 0; i < 60 && later <= first; i++) {
      await new Promise((r) => setTimeout(r, 250));
      later = await pendingRewards(devs[0]!.address, valoper);
    }
    assert.ok(later > first, "rewards grow");
    const total = await json("query", "distribution", "rewards", devs[0]!.address);
    assert.equal(total.rewards.length, 1);
    assert.equal(total.rewards[0].validatorAddress, valoper);
    assert.equal(total.total[0].denom, "ucif");
    const text = assertOk(await run(["query", "distribution", "rewards", devs[0]!.address])).stdout;
    assert.match(text, /^VALIDATOR\s+REWARDS\n/);
    assert.match(text, new RegExp(`^${valoper}\\s+[\\d.]+ucif \\([\\d.]+ CIF\\)$`, "m"));
    assert.match(text, /^total: [\d.]+ucif/m);
  });

  test("withdraw-rewards pays the delegation's rewards to the delegator", async () => {
    const before = await balance(devs[0]!.address);
    const pending = await pendingRewards(devs[0]!.address, valoper);
    const { events, fee } = await txOk("distribution", "withdraw-rewards", valoper, "--from", "dev0");
    const paid = paidIn(events, "withdraw_rewards");
    assert.ok(paid > 0n && paid >= pending / 10n ** 18n, `paid ${paid}, pending earlier ${pending}`);
    assert.equal(await balance(devs[0]!.address), before - fee + paid);
  });

  test("commission and outstanding rewards; the operator withdraws its rewards and commission", async () => {
    const commission = async () =>
      atomics(
        (await json("query", "distribution", "commission", valoper)).commission.commission[0]?.amount ?? "0",
      );
    const c0 = await commission();
    assert.ok(c0 > 0n, "the validator earns commission");
    const outstanding = atomics(
      (await json("query", "distribution", "outstanding-rewards", valoper)).rewards.rewards[0].amount,
    );
    assert.ok(outstanding > c0, "outstanding rewards include the delegators' share");
    assert.match(
      assertOk(await run(["query", "distribution", "commission", valoper])).stdout,
      /^commission:\s+[\d.]+ucif \([\d.]+ CIF\)$/m,
    );

    // --commission is refused (before anything is sent) unless --from is the validator's operator.
    assertOneLineError(
      await tx("distribution", "withdraw-rewards", valoper, "--commission", "--from", "dev0"),
      /is not the operator of/,
    );
    const operator = accountFromValoper(valoper);
    const before = await balance(operator);
    const { events, fee } = await txOk(
      "distribution",
      "withdraw-rewards",
      valoper,
      "--commission",
      "--from",
      "op",
    );
    const rewards = paidIn(events, "withdraw_rewards");
    const comm = paidIn(events, "withdraw_commission");
    assert.ok(comm >= c0 / 10n ** 18n && comm > 0n, `commission paid ${comm}`);
    assert.ok(rewards > 0n, "the self-delegation's rewards too");
    assert.equal(await balance(operator), before - fee + rewards + comm);
    assert.ok((await commission()) < atomics(`${comm}`), "the commission starts again from (nearly) nothing");
  });

  test("set-withdraw-addr, then withdraw-all-rewards pays to the withdraw address", async () => {
    assert.equal(
      assertOk(await run(["query", "distribution", "withdraw-addr", devs[0]!.address])).stdout.trim(),
      devs[0]!.address,
    );
    await txOk("distribution", "set-withdraw-addr", devs[2]!.address, "--from", "dev0");
    assert.deepEqual(await json("query", "distribution", "withdraw-addr", devs[0]!.address), {
      withdrawAddress: devs[2]!.address,
    });
    const before0 = await balance(devs[0]!.address);
    const before2 = await balance(devs[2]!.address);
    const { events, fee } = await txOk("distribution", "withdraw-all-rewards", "--from", "dev0");
    const paid = paidIn(events, "withdraw_rewards");
    assert.ok(paid > 0n);
    assert.equal(await balance(devs[0]!.address), before0 - fee, "the delegator pays the fee only");
    assert.equal(await balance(devs[2]!.address), before2 + paid, "the rewards go to the withdraw address");

    assertOneLineError(
      await tx("distribution", "withdraw-all-rewards", "--from", "dev1"),
      /has no delegations/,
    );
  });

  test("fund-community-pool", async () => {
    const pool = async () => atomics((await json("query", "distribution", "community-pool")).pool[0].amount);
    const before = await pool();
    const bal = await balance(devs[1]!.address);
    const { fee } = await txOk("distribution", "fund-community-pool", "5CIF", "--from", "dev1");
    assert.equal(await balance(devs[1]!.address), bal - fee - 5_000_000n);
    // The pool only grows (community tax every block), so it holds at least the 5 CIF more.
    assert.ok((await pool()) >= before + 5_000_000n * 10n ** 18n);
  });

  test("the node is still running", () => {
    assert.ok(node.running, node.output.slice(-3000));
  });
});
