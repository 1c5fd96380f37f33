/**
 * The staking, slashing and reputation commands of the `cifer` CLI end to end, as a user runs them
 * (child processes) against a real node process (TestNode: `cifer node init`'s single validator from a
 * gentx of the dev mnemonic, epochs of 10 blocks, unbonding 120 s): query validators, pool, params;
 * delegate and see the shares; unbond and see the unbonding entry; create a second validator from a
 * priv_validator_key.json, edit it, redelegate to it; watch it (it never signs) get jailed by the
 * liveness check (a 10-block window and a 2 s jail here) and unjail it; signing infos and reputation.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createEd25519KeyFile } from "../../chain/consensus/priv-validator.ts";
import { toAddress } from "../../chain/crypto/address.ts";
import { DEV_MNEMONIC, devAccounts } from "../../chain/wiring/genesis.ts";
import { VALIDATOR_OPERATOR_HD_BASE } from "../../chain/wiring/genesis-validators.ts";
import { assertOk, assertOneLineError, type CliRun, runCli } from "../helpers/cli.ts";
import { TestNode } from "../helpers/node-process.ts";

const CMD_TIMEOUT_MS = 90_000;
const JAIL_SECONDS = 2;
/** A well-formed operator address nobody operates. */
const NO_VALIDATOR = toAddress(new Uint8Array(20), "cifvaloper");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("cifer staking, slashing and reputation commands against a running node", () => {
  let node: TestNode;
  let tmp: string;
  let kr: string[];
  let devs: Awaited<ReturnType<typeof devAccounts>>;
  let valoper: string; // the node's own validator (gentx)
  let valoper2: string; // created by dev1 in a test below
  let valcons2: string;
  let pubkey2: string;

  const run = (args: string[], input = "") =>
    runCli([...args, "--node", node.url], { input, timeoutMs: CMD_TIMEOUT_MS });
  const json = async (...args: string[]) => JSON.parse(assertOk(await run([...args, "-o", "json"])).stdout);
  const tx = (...args: string[]) => run(["tx", ...args, ...kr, "--yes", "-o", "json"]);
  const txOk = async (...args: string[]) => {
    const res = JSON.parse(assertOk(await tx(...args)).stdout);
    assert.equal(res.code, 0);
    assert.match(res.txhash, /^[0-9A-F]{64}$/);
    return res as { txhash: string; height: number };
  };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "cifer-cli-staking-"));
    kr = ["--keyring-backend", "test", "--keyring-dir", join(tmp, "keyring")];
    devs = await devAccounts(2);
    node = await TestNode.create({
      genesis: (g) => {
        // The slashing section is absent from the default genesis (defaults): shorten the window and jail.
        g.app_state!.slashing = {
          ...g.app_state!.slashing,
          params: { signed_blocks_window: "10", downtime_jail_duration: `${JAIL_SECONDS}s` },
        };
        // A reputation sample every 2 blocks, so the history has several by the reputation test.
        g.app_state!.reputation = { params: { history_interval: "2" } };
      },
    });
    await node.start();
    // The keys: dev0 and dev1 (funded dev accounts) and the node's validator operator.
    for (const [name, index] of [
      ["dev0", 0],
      ["dev1", 1],
      ["op", VALIDATOR_OPERATOR_HD_BASE],
    ] as const) {
      assertOk(
        await runCli(["keys", "add", name, "--recover", "--index", String(index), ...kr], {
          input: DEV_MNEMONIC,
          timeoutMs: CMD_TIMEOUT_MS,
        }),
      );
    }
  });

  after(async () => {
    await node?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("query staking validators, validator, pool and params", async () => {
    const { validators } = await json("query", "staking", "validators");
    assert.equal(validators.length, 1);
    valoper = validators[0].operatorAddress;
    assert.match(valoper, /^cifvaloper1/);
    assert.equal(validators[0].status, "BOND_STATUS_BONDED");
    assert.equal(validators[0].tokens, "10000000000");
    assert.equal(validators[0].delegatorShares, "10000000000.000000000000000000");
    assert.equal(validators[0].commission.commissionRates.rate, "0.100000000000000000");
    assert.equal(validators[0].consensusPubkey["@type"], "/cosmos.crypto.ed25519.PubKey");
    const pvk = JSON.parse(readFileSync(join(node.home, "config", "priv_validator_key.json"), "utf8"));
    assert.equal(validators[0].consensusPubkey.key, pvk.pub_key.value);
    assert.deepEqual((await json("query", "staking", "validators", "--status", "unbonded")).validators, []);

    const text = assertOk(await run(["query", "staking", "validators"])).stdout;
    assert.match(text, /^OPERATOR\s+MONIKER\s+STATUS\s+JAILED\s+TOKENS\s+COMMISSION\n/);
    assert.match(text, /bonded\s+no\s+10000000000ucif \(10000 CIF\)\s+0\.1 \(10%\)/);

    const one = assertOk(await run(["query", "staking", "validator", valoper])).stdout;
    assert.match(one, /^operator_address:\s+cifvaloper1/m);
    assert.match(one, /^status:\s+bonded$/m);
    assert.match(one, /^consensus_address:\s+cifvalcons1/m);
    assert.match(one, /^commission_max_rate:\s+0\.2 \(20%\)$/m);

    const { pool } = await json("query", "staking", "pool");
    assert.deepEqual(pool, { notBondedTokens: "0", bondedTokens: "10000000000" });
    assert.match(
      assertOk(await run(["q", "staking", "pool"])).stdout,
      /^bonded_tokens:\s+10000000000ucif \(10000 CIF\)$/m,
    );

    const { params } = await json("query", "staking", "params");
    assert.equal(params.unbondingTime, "120s");
    assert.equal(params.bondDenom, "ucif");
    assert.match(assertOk(await run(["query", "staking", "params"])).stdout, /^unbonding_time:\s+120s$/m);
  });

  test("delegate: the delegation appears and the validator's shares grow", async () => {
    assertOneLineError(
      await run(["query", "staking", "delegation", devs[0]!.address, valoper]),
      /delegation with delegator cif1.* not found for validator cifvaloper1/,
    );
    await txOk("staking", "delegate", valoper, "10CIF", "--from", "dev0");
    const { delegationResponse } = await json("query", "staking", "delegation", devs[0]!.address, valoper);
    assert.equal(delegationResponse.delegation.shares, "10000000.000000000000000000");
    assert.deepEqual(delegationResponse.balance, { denom: "ucif", amount: "10000000" });
    const { validator } = await json("query", "staking", "validator", valoper);
    assert.equal(validator.delegatorShares, "10010000000.000000000000000000");
    assert.equal(validator.tokens, "10010000000");

    const list = assertOk(await run(["query", "staking", "delegations", devs[0]!.address])).stdout;
    assert.match(list, /^VALIDATOR\s+SHARES\s+BALANCE\n/);
    assert.match(list, new RegExp(`^${valoper}\\s+10000000\\s+10000000ucif \\(10 CIF\\)$`, "m"));
    assert.match(list, /^total: 10000000ucif \(10 CIF\)$/m);
    assert.equal((await json("query", "staking", "pool")).pool.bondedTokens, "10010000000");
  });

  test("unbond: the shares drop and an unbonding entry completes 120 s later", async () => {
    const res = await txOk("staking", "unbond", valoper, "4CIF", "--from", "dev0");
    const { delegationResponse } = await json("query", "staking", "delegation", devs[0]!.address, valoper);
    assert.equal(delegationResponse.delegation.shares, "6000000.000000000000000000");
    const { unbond } = await json("query", "staking", "unbonding-delegation", devs[0]!.address, valoper);
    assert.equal(unbond.entries.length, 1);
    const entry = unbond.entries[0];
    assert.equal(entry.balance, "4000000");
    assert.equal(entry.initialBalance, "4000000");
    assert.equal(entry.creationHeight, String(res.height));
    const block = await node.rpc<{ block: { header: { time: string } } }>("block", {
      height: String(res.height),
    });
    const seconds = (Date.parse(entry.completionTime) - Date.parse(block.block.header.time)) / 1000;
    assert.ok(Math.abs(seconds - 120) < 1, `completes ${seconds} s after its block`);

    const text = assertOk(await run(["query", "staking", "unbonding-delegations", devs[0]!.address])).stdout;
    assert.match(text, new RegExp(`^validator: ${valoper}$`, "m"));
    assert.match(text, /^CREATION HEIGHT\s+COMPLETES AT\s+INITIAL BALANCE\s+BALANCE\n/m);
    assert.match(text, /4000000ucif \(4 CIF\)\s+4000000ucif \(4 CIF\)$/m);
    assert.equal((await json("query", "staking", "pool")).pool.notBondedTokens, "4000000");
    assert.match(
      assertOk(await run(["query", "staking", "unbonding-delegations", devs[1]!.address])).stdout,
      /^no unbonding delegations$/m,
    );
  });

  test("create-validator from a priv_validator_key.json", async () => {
    const keyFile = join(tmp, "priv_validator_key.json");
    pubkey2 = Buffer.from(createEd25519KeyFile(keyFile).pubkey).toString("base64");
    await txOk(
      "staking",
      "create-validator",
      "--from",
      "dev1",
      "--amount",
      "20CIF",
      "--pubkey",
      keyFile,
      "--moniker",
      "second",
      "--commission-rate",
      "0.05",
      "--commission-max-rate",
      "0.2",
      "--commission-max-change-rate",
      "0.01",
      "--min-self-delegation",
      "1CIF",
      "--website",
      "https://example.org",
    );
    const { validators } = await json("query", "staking", "validators");
    assert.equal(validators.length, 2);
    const v2 = validators.find(
      (v: { description: { moniker: string } }) => v.description.moniker === "second",
    );
    valoper2 = v2.operatorAddress;
    assert.equal(v2.consensusPubkey.key, pubkey2);
    assert.equal(v2.delegatorShares, "20000000.000000000000000000");
    // On a slow machine the liveness check (next test) may already have jailed it and slashed 1%.
    assert.equal(v2.tokens, v2.jailed ? "19800000" : "20000000");
    assert.equal(v2.minSelfDelegation, "1000000");
    assert.deepEqual(v2.commission.commissionRates, {
      rate: "0.050000000000000000",
      maxRate: "0.200000000000000000",
      maxChangeRate: "0.010000000000000000",
    });
    assert.equal(v2.description.website, "https://example.org");
    const text = assertOk(await run(["query", "staking", "validator", valoper2])).stdout;
    valcons2 = /^consensus_address:\s+(cifvalcons1\S+)$/m.exec(text)![1]!;
  });

  test("the second validator never signs: it is jailed (and slashed) by the liveness check", async () => {
    // The second validator has no node behind it: once in the set (next epoch) it misses every block
    // and the 10-block liveness window jails it and slashes 1% (long before its reputation, which
    // starts in the middle and moves 1% a block, would fall below the Unreliable line).
    const deadline = Date.now() + 120_000;
    let jailed = false;
    for (let i = 0; i < 200 && !jailed && Date.now() < deadline; i++) {
      jailed = (await json("query", "staking", "validator", valoper2)).validator.jailed === true;
      if (!jailed) await sleep(500);
    }
    assert.ok(jailed, `the second validator was not jailed in time:\n${node.output.slice(-2000)}`);
    const info = (await json("query", "slashing", "signing-info", valcons2)).valSigningInfo;
    assert.equal(info.address, valcons2);
    assert.equal(info.tombstoned, false);
    assert.ok(Date.parse(info.jailedUntil) > Date.parse("2000-01-01T00:00:00Z"), info.jailedUntil);
    assert.equal((await json("query", "staking", "validator", valoper2)).validator.tokens, "19800000");
    const rep = (await json("query", "reputation", "validator", valoper2)).validator;
    assert.ok(BigInt(rep.missedBlocks) > 0n, "its reputation counts the missed blocks");
  });

  test("edit-validator and redelegate (to the jailed validator: its tokens are worth less than its shares now)", async () => {
    await txOk("staking", "edit-validator", "--from", "dev1", "--details", "a test validator");
    const edited = (await json("query", "staking", "validator", valoper2)).validator;
    assert.equal(edited.description.details, "a test validator");
    assert.equal(edited.description.moniker, "second", "fields left out are unchanged");
    assert.equal(edited.description.website, "https://example.org");
    // The chain's own rule, reported in one line: the commission changes at most once a day.
    assertOneLineError(
      await tx("staking", "edit-validator", "--from", "dev1", "--commission-rate", "0.06"),
      /once per 24 hours|more than once in 24h/,
    );
    assertOneLineError(
      await tx("staking", "edit-validator", "--from", "dev0", "--details", "x"),
      /dev0 .* operates no validator/,
    );

    await txOk("staking", "redelegate", valoper, valoper2, "2CIF", "--from", "dev0");
    const { redelegationResponses } = await json("query", "staking", "redelegations", devs[0]!.address);
    assert.equal(redelegationResponses.length, 1);
    assert.equal(redelegationResponses[0].redelegation.validatorSrcAddress, valoper);
    assert.equal(redelegationResponses[0].redelegation.validatorDstAddress, valoper2);
    // Slashed 1% for downtime: 2 CIF buy more than 2000000 shares, worth 2 CIF (to the truncated ucif).
    const entry = redelegationResponses[0].entries[0];
    assert.ok(["1999999", "2000000"].includes(entry.balance), entry.balance);
    assert.ok(Number(entry.redelegationEntry.sharesDst) > 2_000_000, entry.redelegationEntry.sharesDst);
    assert.match(
      assertOk(await run(["query", "staking", "redelegations", devs[0]!.address])).stdout,
      new RegExp(`^from ${valoper} to ${valoper2}$`, "m"),
    );
    const after = (await json("query", "staking", "delegations", devs[0]!.address)).delegationResponses;
    const byValidator = new Map(
      after.map((d: { delegation: { validatorAddress: string }; balance: { amount: string } }) => [
        d.delegation.validatorAddress,
        d.balance.amount,
      ]),
    );
    assert.equal(byValidator.get(valoper), "4000000");
    assert.ok(["1999999", "2000000"].includes(byValidator.get(valoper2) as string));
  });

  test("query slashing params, signing-infos, and signing-info by consensus address, key or operator", async () => {
    const { params } = await json("query", "slashing", "params");
    assert.deepEqual(params, {
      signedBlocksWindow: "10",
      minSignedPerWindow: "0.500000000000000000",
      downtimeJailDuration: `${JAIL_SECONDS}s`,
      slashFractionDoubleSign: "0.050000000000000000",
      slashFractionDowntime: "0.010000000000000000",
    });
    assert.match(
      assertOk(await run(["query", "slashing", "params"])).stdout,
      /^min_signed_per_window:\s+0\.5 \(50%\)$/m,
    );

    // The node's validator: its signing info by consensus address, by public key and by operator.
    const valcons = /^consensus_address:\s+(\S+)$/m.exec(
      assertOk(await run(["query", "staking", "validator", valoper])).stdout,
    )![1]!;
    const pvk = JSON.parse(readFileSync(join(node.home, "config", "priv_validator_key.json"), "utf8"));
    const byCons = (await json("query", "slashing", "signing-info", valcons)).valSigningInfo;
    assert.equal(byCons.address, valcons);
    assert.equal(byCons.tombstoned, false);
    for (const arg of [
      pvk.pub_key.value,
      JSON.stringify({ "@type": "/cosmos.crypto.ed25519.PubKey", key: pvk.pub_key.value }),
      valoper,
      join(node.home, "config", "priv_validator_key.json"),
    ]) {
      assert.equal(
        (await json("query", "slashing", "signing-info", arg)).valSigningInfo.address,
        valcons,
        arg,
      );
    }
    const text = assertOk(await run(["query", "slashing", "signing-infos"])).stdout;
    assert.match(text, /^ADDRESS\s+START HEIGHT\s+MISSED\s+JAILED UNTIL\s+TOMBSTONED\n/);
    assert.match(text, new RegExp(`^${valcons}\\s+\\d+\\s+0\\s+-\\s+no$`, "m"));
    const { info } = await json("query", "slashing", "signing-infos");
    assert.ok(info.some((i: { address: string }) => i.address === valcons));
  });

  test("query reputation validators, validator (by operator and by consensus address) and params", async () => {
    const { validators } = await json("query", "reputation", "validators");
    const mine = validators.find((r: { validatorAddress: string }) => r.validatorAddress === valoper);
    assert.ok(mine, "the node's validator has a reputation");
    assert.match(mine.tier, /^TIER_(TRUSTED|NORMAL|INITIAL)$/);
    assert.ok(BigInt(mine.reputation) > 0n && BigInt(mine.reputation) <= 1_000_000n);
    assert.ok(BigInt(mine.signedBlocks) > 0n);

    const one = (await json("query", "reputation", "validator", valoper)).validator;
    assert.equal(one.validatorAddress, valoper);
    const byCons = (await json("query", "reputation", "validator", one.consensusAddress)).validator;
    assert.equal(byCons.validatorAddress, valoper);
    const text = assertOk(await run(["query", "reputation", "validator", valoper])).stdout;
    assert.match(text, /^reputation:\s+[01](\.\d+)? \(\d+ millionths\)$/m);
    assert.match(text, /^tier:\s+(trusted|normal|initial)$/m);
    const tierName = (mine.tier as string).replace("TIER_", "").toLowerCase();
    const filtered = (await json("query", "reputation", "validators", "--tier", tierName)).validators;
    assert.ok(filtered.every((r: { tier: string }) => r.tier === mine.tier));
    assert.ok(filtered.some((r: { validatorAddress: string }) => r.validatorAddress === valoper));

    // The history: a sample every 2 blocks, by height, each a valid R and tier.
    const { samples } = await json("query", "reputation", "history", valoper);
    assert.ok(samples.length >= 2, `samples: ${JSON.stringify(samples)}`);
    const heights = samples.map((x: { height: string }) => BigInt(x.height));
    for (const [i, height] of heights.entries()) {
      assert.equal(height % 2n, 0n);
      if (i > 0) assert.equal(height, heights[i - 1]! + 2n);
    }
    for (const x of samples as { reputation: string; tier: string }[]) {
      assert.ok(BigInt(x.reputation) > 0n && BigInt(x.reputation) <= 1_000_000n);
      assert.match(x.tier, /^TIER_(TRUSTED|NORMAL|INITIAL)$/);
    }
    const table = assertOk(await run(["query", "reputation", "history", one.consensusAddress])).stdout;
    assert.match(table, /^HEIGHT\s+REPUTATION\s+TIER\n/);
    // The newest sample of the JSON answer (the ring moves on as blocks pass, its newest stays).
    assert.match(table, new RegExp(`^${heights.at(-1)}\\s+[01](\\.\\d+)?\\s+(trusted|normal|initial)$`, "m"));

    const { params } = await json("query", "reputation", "params");
    assert.equal(params.historyInterval, "2");
    assert.deepEqual(Object.keys(params).sort(), [
      "flAlpha",
      "historyInterval",
      "historyLength",
      "normalWeightPercent",
      "proposeAlpha",
      "signAlpha",
      "trustedWeightPercent",
    ]);
    assert.match(
      assertOk(await run(["query", "reputation", "params"])).stdout,
      /^trusted_weight_percent:\s+\d+%/m,
    );
    assertOneLineError(
      await run(["query", "reputation", "validator", NO_VALIDATOR]),
      /no reputation for validator/,
    );
    assertOneLineError(
      await run(["query", "reputation", "history", NO_VALIDATOR]),
      /no reputation for validator/,
    );
  });

  test("unjail: once its jail time is over, the operator unjails the second validator", async () => {
    // A validator that is not jailed cannot be unjailed; a key that operates none is told so.
    assertOneLineError(await tx("slashing", "unjail", "--from", "op"), /validator not jailed/);
    assertOneLineError(await tx("slashing", "unjail", "--from", "dev0"), /operates no validator/);

    // Wait out the jail time (bounded), then unjail.
    await sleep(JAIL_SECONDS * 1000 + 500);
    let res: CliRun | undefined;
    for (let i = 0; i < 10; i++) {
      res = await tx("slashing", "unjail", "--from", "dev1");
      if (res.code === 0 || !/jail period is not over/.test(res.stderr)) break;
      await sleep(1000);
    }
    const unjailed = JSON.parse(assertOk(res!).stdout);
    assert.equal(unjailed.code, 0);
    const { messages } = await json("query", "tx", unjailed.txhash);
    assert.deepEqual(messages, [{ "@type": "/cosmos.slashing.v1beta1.MsgUnjail", validatorAddr: valoper2 }]);
  });

  test("failures against the node are one clear line", async () => {
    assertOneLineError(
      await run(["query", "staking", "validator", NO_VALIDATOR]),
      new RegExp(`validator ${NO_VALIDATOR} not found`),
    );
    assertOneLineError(
      await tx("staking", "unbond", valoper, "1000CIF", "--from", "dev0"),
      /too many shares|insufficient|invalid shares|not enough/i,
    );
    assertOneLineError(
      await tx("staking", "delegate", NO_VALIDATOR, "1CIF", "--from", "dev0"),
      /validator.*(does not exist|not found)/i,
    );
    assertOneLineError(
      await tx("staking", "delegate", valoper, "1CIF", "--from", "dev0", "--chain-id", "other-chain"),
      /chain id mismatch/,
    );
  });

  test("the node is still running", () => {
    assert.ok(node.running, node.output.slice(-3000));
  });
});
