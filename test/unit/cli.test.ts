/**
 * The `cifer` CLI as users run it (a child process): argument validation, the one-line error policy,
 * --help everywhere, and the keys commands. Nothing here needs a node: every command that would connect
 * points at a port nothing listens on, so a missing validation would show up as a different error.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { GasPrice } from "@cosmjs/stargate";
import { DEV_MNEMONIC, devAccounts } from "../../chain/wiring/genesis.ts";
import { formatCif, parseCoins } from "../../client/amounts.ts";
import { buildProgram } from "../../client/cli/program.ts";
import { parseFeeFlags, parseNodeUrl } from "../../client/cli/options.ts";
import { assertOneLineError, type CliRun, commandPaths, helpOf, runCli } from "../helpers/cli.ts";

const DEAD_NODE = "http://127.0.0.1:9"; // discard port: nothing answers
const RUN_TIMEOUT_MS = 60_000;

/** Runs the CLI against a node that does not answer (unless `env` names another). */
function cifer(
  args: string[],
  opts: { input?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliRun> {
  return runCli(args, { ...opts, env: { CIFER_NODE: DEAD_NODE, ...opts.env }, timeoutMs: RUN_TIMEOUT_MS });
}

const recipient = (await devAccounts(2))[1]!.address;
const tmp = mkdtempSync(join(tmpdir(), "cifer-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const kr = () => ["--keyring-backend", "test", "--keyring-dir", join(tmp, "keyring")];

describe("amount and fee parsing (in process)", () => {
  test("amounts", () => {
    assert.deepEqual(parseCoins("1000ucif"), [{ denom: "ucif", amount: "1000" }]);
    assert.deepEqual(parseCoins("1.5CIF"), [{ denom: "ucif", amount: "1500000" }]);
    assert.deepEqual(parseCoins("1cif"), [{ denom: "ucif", amount: "1000000" }]);
    assert.deepEqual(parseCoins("0.000001CIF"), [{ denom: "ucif", amount: "1" }]);
    assert.deepEqual(parseCoins("5uzzz,10ucif"), [
      { denom: "ucif", amount: "10" },
      { denom: "uzzz", amount: "5" },
    ]);
    const max = ((1n << 256n) - 1n).toString();
    assert.deepEqual(parseCoins(`${max}ucif`), [{ denom: "ucif", amount: max }]);
    for (const bad of [
      "-5ucif",
      "1.0000001CIF",
      "abc",
      "",
      "0ucif",
      "1.5ucif",
      `${1n << 256n}ucif`,
      "1ucif,2ucif",
      "1 ucif",
      "ucif",
      "10u",
    ]) {
      assert.throws(() => parseCoins(bad), Error, bad);
    }
    assert.deepEqual(parseCoins("0ucif", { allowZero: true }), [{ denom: "ucif", amount: "0" }]);
    assert.equal(formatCif(1_500_000n), "1.5");
    assert.equal(formatCif("1000000000000"), "1000000");
    assert.equal(formatCif(1n), "0.000001");
  });

  test("fees", () => {
    const auto = parseFeeFlags({});
    assert.equal(auto.gas, "auto");
    assert.equal(auto.adjustment, 1.4);
    assert.ok("gasPrice" in auto && auto.gasPrice === "0.0025ucif");
    // The price is checked without CosmJS, by GasPrice.fromString's rules: what passes, CosmJS takes.
    const accepted = ["1ucif", "0.000000000000000001ucif", "10ibc/ABC", `1${"a".repeat(128)}`, "2a.b:c_d-e"];
    for (const p of accepted) {
      const plan = parseFeeFlags({ gasPrices: p });
      assert.ok("gasPrice" in plan && plan.gasPrice === p, p);
      assert.equal(
        GasPrice.fromString(p)
          .toString()
          .endsWith(p.replace(/^[0-9.]+/, "")),
        true,
        p,
      );
    }
    for (const p of [
      "0.0000000000000000001ucif",
      "1ab",
      `1${"a".repeat(129)}`,
      "1.2.3ucif",
      "ucif",
      "1 ucif",
    ]) {
      assert.throws(() => GasPrice.fromString(p), p);
      assert.throws(() => parseFeeFlags({ gasPrices: p }), /--gas-prices/, p);
    }
    const fixed = parseFeeFlags({ fees: "5000ucif" });
    assert.deepEqual(fixed, { gas: 200000, adjustment: 1.4, fees: [{ denom: "ucif", amount: "5000" }] });
    assert.equal(parseFeeFlags({ fees: "5000ucif", gas: "auto", gasAdjustment: "1.5" }).gas, "auto");
    assert.equal(parseFeeFlags({ gas: "123456" }).gas, 123456);
    assert.throws(
      () => parseFeeFlags({ fees: "1ucif", gasPrices: "0.1ucif" }),
      /both --fees and --gas-prices/,
    );
    assert.throws(() => parseFeeFlags({ gas: "-1" }), /--gas/);
    assert.throws(() => parseFeeFlags({ gas: "0" }), /--gas/);
    assert.throws(() => parseFeeFlags({ gasAdjustment: "0" }), /--gas-adjustment/);
    assert.throws(() => parseFeeFlags({ gasAdjustment: "NaN" }), /--gas-adjustment/);
    assert.throws(() => parseFeeFlags({ gasPrices: "cheap" }), /--gas-prices/);
    assert.throws(() => parseFeeFlags({ fees: "-1ucif" }), /--fees/);
  });

  test("node URLs", () => {
    assert.equal(parseNodeUrl("http://127.0.0.1:26657/"), "http://127.0.0.1:26657");
    assert.equal(parseNodeUrl("tcp://localhost:26657"), "http://localhost:26657");
    assert.throws(() => parseNodeUrl("localhost"), /--node/);
    assert.throws(() => parseNodeUrl("ftp://x"), /only http/);
  });
});

describe("bad arguments: one error line, non-zero exit, before any connection", { concurrency: 3 }, () => {
  const send = (...args: string[]) => ["tx", "bank", "send", "alice", ...args, ...kr(), "--yes"];
  const cases: Array<[string, string[], RegExp]> = [
    ["invalid recipient address", send("cif1notanaddress", "10ucif"), /invalid recipient address/],
    [
      "address with another prefix",
      send("cosmos1pkptre7fdkl6gfrzlesjjvhxhlc3r4gmr3lkzc", "10ucif"),
      /invalid recipient address/,
    ],
    ["negative amount", send(recipient, "-5ucif"), /-5ucif/],
    ["negative amount after --", [...send(recipient), "--", "-5ucif"], /must be positive/],
    ["more than 6 CIF decimals", send(recipient, "1.0000001CIF"), /6 decimals/],
    ["not an amount", send(recipient, "abc"), /invalid amount "abc"/],
    ["zero amount", send(recipient, "0ucif"), /must be positive/],
    ["amount over 256 bits", send(recipient, `${1n << 256n}ucif`), /256 bits/],
    ["bad fees", [...send(recipient, "1ucif"), "--fees", "5000"], /--fees/],
    [
      "fees and gas prices",
      [...send(recipient, "1ucif"), "--fees", "1ucif", "--gas-prices", "1ucif"],
      /both --fees and --gas-prices/,
    ],
    ["bad gas", [...send(recipient, "1ucif"), "--gas", "lots"], /--gas/],
    ["bad node URL", [...send(recipient, "1ucif"), "--node", "not a url"], /--node/],
    ["bad chain id", [...send(recipient, "1ucif"), "--chain-id", "bad id!"], /chain id/],
    ["memo too long", [...send(recipient, "1ucif"), "--memo", "x".repeat(257)], /memo is too long/],
    [
      "unknown key",
      ["tx", "bank", "send", "nobody", recipient, "1ucif", ...kr(), "--yes"],
      /no key named "nobody"/,
    ],
    ["unknown command", ["frobnicate"], /unknown command 'frobnicate'/],
    ["unknown subcommand with suggestion", ["keys", "lst"], /unknown command 'lst'.*Did you mean list/],
    ["unknown option", ["status", "--bogus"], /unknown option '--bogus'/],
    ["missing argument", ["query", "bank", "balances"], /missing required argument 'address'/],
    ["too many arguments", ["status", "extra"], /too many arguments/],
    ["bad balances address", ["query", "bank", "balances", "cif1xyz"], /invalid address/],
    ["bad denom", ["query", "bank", "balances", recipient, "--denom", "$$"], /--denom/],
    ["bad tx hash", ["query", "tx", "1234"], /64 hex characters/],
    ["bad account address", ["query", "account", "hello"], /invalid address/],
    ["bad output format", ["status", "-o", "yaml"], /Allowed choices are text, json/],
    ["bad keyring backend", ["keys", "list", "--keyring-backend", "os"], /Allowed choices are file, test/],
    ["bad key name", ["keys", "add", "bad name", ...kr()], /invalid key name/],
    ["bad HD index", ["keys", "add", "x", "--index", "-3", ...kr()], /-3/],
    ["HD index too large", ["keys", "add", "x", "--index", "2147483648", ...kr()], /--index/],
    [
      "hd-path with index",
      ["keys", "add", "x", "--hd-path", "m/44'/118'/0'/0/0", "--index", "1", ...kr()],
      /--hd-path cannot be combined/,
    ],
    [
      "missing mnemonic file",
      ["keys", "import", "x", join(tmpdir(), "no-such-file-cifer"), ...kr()],
      /cannot read mnemonic file/,
    ],
    [
      "bad moniker",
      ["node", "init", "--home", join(tmpdir(), "never-created-cifer"), "--moniker", "bad moniker"],
      /--moniker/,
    ],
    [
      "bad port",
      [
        "node",
        "init",
        "--home",
        join(tmpdir(), "never-created-cifer"),
        "--moniker",
        "m",
        "--rpc-port",
        "70000",
      ],
      /--rpc-port/,
    ],
    [
      "start without a home",
      ["node", "start", "--home", join(tmpdir(), "no-such-home-cifer")],
      /not a node home/,
    ],
    [
      "unreachable node",
      ["status", "--node", "http://127.0.0.1:9"],
      /cannot reach the node at http:\/\/127\.0\.0\.1:9/,
    ],
  ];
  for (const [name, args, pattern] of cases) {
    test(name, async () => assertOneLineError(await cifer(args), pattern));
  }

  test("usage errors exit with 2, operational failures with 1", async () => {
    assert.equal((await cifer(["query", "tx", "zz"])).code, 2);
    assert.equal((await cifer(["status"])).code, 1);
  });

  test("--debug adds the stack trace", async () => {
    const r = await cifer(["status", "--debug"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: cannot reach the node/);
    assert.match(r.stderr, /\n\s+at /);
  });
});

describe("--help on every command", { concurrency: 3 }, () => {
  const paths = [[], ...commandPaths(buildProgram())];
  test("the command tree is complete", () => {
    const names = paths.map((p) => p.join(" "));
    for (const want of [
      "node init",
      "node start",
      "keys add",
      "keys import",
      "keys list",
      "keys show",
      "keys delete",
      "tx bank send",
      "tx staking delegate",
      "tx staking unbond",
      "tx staking redelegate",
      "tx staking create-validator",
      "tx staking edit-validator",
      "tx distribution withdraw-rewards",
      "tx distribution withdraw-all-rewards",
      "tx distribution set-withdraw-addr",
      "tx distribution fund-community-pool",
      "tx slashing unjail",
      "query bank balances",
      "query staking validators",
      "query staking validator",
      "query staking delegation",
      "query staking delegations",
      "query staking unbonding-delegation",
      "query staking unbonding-delegations",
      "query staking redelegations",
      "query staking pool",
      "query staking params",
      "query distribution rewards",
      "query distribution commission",
      "query distribution outstanding-rewards",
      "query distribution community-pool",
      "query distribution params",
      "query distribution withdraw-addr",
      "query slashing signing-info",
      "query slashing signing-infos",
      "query slashing params",
      "query reputation validator",
      "query reputation validators",
      "query reputation history",
      "query reputation params",
      "query tx",
      "query account",
      "status",
    ]) {
      assert.ok(names.includes(want), want);
    }
  });
  test("every command has a usage line and examples (in process)", () => {
    for (const path of paths) {
      const help = helpOf(path);
      const name = ["cifer", ...path].join(" ");
      assert.match(help, new RegExp(`^Usage: ${name}`), name);
      assert.match(help, /Examples:\n {2}\$ cifer /, name);
    }
  });
  // The process prints that same text on stdout and exits 0 (a few commands: ~1 s of CPU each).
  for (const path of [
    [],
    ["tx", "staking", "delegate"],
    ["query", "reputation", "validators"],
    ["node", "start"],
  ]) {
    test(`cifer ${path.join(" ")} --help`.replace("  ", " "), async () => {
      const r = await cifer([...path, "--help"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, helpOf(path));
      assert.equal(r.stderr, "");
    });
  }
});

describe("keys commands", () => {
  test("add prints the address, and the mnemonic once on stderr", async () => {
    const r = await cifer(["keys", "add", "alice", ...kr()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /address:\s+cif1/);
    const words = r.stderr.trim().split("\n").at(-1)!.split(" ");
    assert.equal(words.length, 24);
    assert.match(r.stderr, /write this mnemonic phrase in a safe place/);
    assert.doesNotMatch(r.stdout, new RegExp(words.join(" ")));
    const file = join(tmp, "keyring", "alice.key.json");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(tmp, "keyring")).mode & 0o777, 0o700);

    const dup = await cifer(["keys", "add", "alice", ...kr()]);
    assertOneLineError(dup, /already exists/);
  });

  test("import from a file and from stdin; add --recover; list; show", async () => {
    const mfile = join(tmp, "dev.mnemonic");
    writeFileSync(mfile, `${DEV_MNEMONIC}\n`, { mode: 0o600 });
    const devs = await devAccounts(3);
    const a = await cifer(["keys", "import", "dev0", mfile, ...kr(), "-o", "json"]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(JSON.parse(a.stdout).address, devs[0]!.address);
    const b = await cifer(["keys", "import", "dev1", "-", "--index", "1", ...kr()], { input: DEV_MNEMONIC });
    assert.equal(b.code, 0, b.stderr);
    const c = await cifer(["keys", "add", "dev2", "--recover", "--index", "2", ...kr(), "-o", "json"], {
      input: `${DEV_MNEMONIC}\n`,
    });
    assert.equal(c.code, 0, c.stderr);
    assert.equal(JSON.parse(c.stdout).address, devs[2]!.address);
    assert.equal(JSON.parse(c.stdout).mnemonic, undefined, "a recovered mnemonic is not echoed");

    const bad = await cifer(["keys", "import", "bad", "-", ...kr()], {
      input: "not a valid mnemonic at all",
    });
    assertOneLineError(bad, /mnemonic/);

    const list = await cifer(["keys", "list", ...kr(), "-o", "json"]);
    assert.equal(list.code, 0, list.stderr);
    const listed = JSON.parse(list.stdout) as Array<{ name: string; address: string }>;
    assert.deepEqual(
      listed.filter((k) => k.name.startsWith("dev")).map((k) => k.address),
      devs.map((d) => d.address),
    );
    const text = await cifer(["keys", "list", ...kr()]);
    assert.match(text.stdout, /^NAME\s+ADDRESS\s+HD PATH\n/);

    const show = await cifer(["keys", "show", "dev1", "--address", ...kr()]);
    assert.equal(show.stdout, `${devs[1]!.address}\n`);
    assertOneLineError(await cifer(["keys", "show", "nobody", ...kr()]), /no key named "nobody"/);
  });

  test("a world-readable key file is refused with a clear message", {
    skip: process.platform === "win32",
  }, async () => {
    const dir = join(tmp, "kr-perm");
    const args = ["--keyring-backend", "test", "--keyring-dir", dir];
    assert.equal((await cifer(["keys", "add", "k", ...args])).code, 0);
    const { chmodSync } = await import("node:fs");
    chmodSync(join(dir, "k.key.json"), 0o644);
    assertOneLineError(
      await cifer(["keys", "show", "k", ...args]),
      /permissions 0644 .* too open.*chmod 600/,
    );
  });

  test("delete asks for confirmation; without a terminal it needs --yes", async () => {
    const r = await cifer(["keys", "delete", "dev2", ...kr()]);
    assertOneLineError(r, /pass --yes/);
    const ok = await cifer(["keys", "delete", "dev2", "--yes", ...kr()]);
    assert.equal(ok.code, 0, ok.stderr);
    assertOneLineError(await cifer(["keys", "delete", "dev2", "--yes", ...kr()]), /no key named "dev2"/);
  });

  test("file backend: passphrase from the environment, clear errors without it or when wrong", async () => {
    const dir = join(tmp, "kr-file");
    const args = ["--keyring-dir", dir]; // file is the default backend
    const noPass = await cifer(["keys", "add", "f", ...args]);
    assertOneLineError(noPass, /CIFER_KEYRING_PASSPHRASE/);
    const add = await cifer(["keys", "add", "f", ...args, "-o", "json"], {
      env: { CIFER_KEYRING_PASSPHRASE: "a good passphrase" },
    });
    assert.equal(add.code, 0, add.stderr);
    const { mnemonic, address } = JSON.parse(add.stdout) as { mnemonic: string; address: string };
    assert.ok(!readFileSync(join(dir, "f.key.json"), "utf8").includes(mnemonic));
    // show needs no passphrase
    assert.equal((await cifer(["keys", "show", "f", "-a", ...args])).stdout.trim(), address);
    const wrong = await cifer(["keys", "add", "g", ...args], {
      env: { CIFER_KEYRING_PASSPHRASE: "another passphrase" },
    });
    assertOneLineError(wrong, /incorrect passphrase/);
    // signing with a wrong passphrase fails before anything is sent (the node here is unreachable anyway,
    // so the failure must come from the keyring or the connection, in one line)
    const send = await cifer(["tx", "bank", "send", "f", recipient, "1ucif", "--yes", ...args], {
      env: { CIFER_KEYRING_PASSPHRASE: "another passphrase" },
    });
    assertOneLineError(send);
  });
});
