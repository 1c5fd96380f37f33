import assert from "node:assert/strict";
import { test } from "node:test";
import { parseGenesisDoc } from "../../chain/genesis/genesis-doc.ts";
import { createApp } from "../../chain/wiring/app.ts";
import {
  ALLOCATION,
  allocationAmount,
  buildGenesis,
  DEV_MNEMONIC,
  devAccounts,
  LOCAL_VESTING,
  MODULE_ACCOUNTS,
  TOTAL_SUPPLY_UCIF,
  type VestingAccountSpec,
} from "../../chain/wiring/genesis.ts";
import { hdAddress } from "../../chain/wiring/hd-address.ts";
import type { JsonObject } from "../../chain/types/json.ts";
import { exampleGenesis } from "../../testnet/example-genesis.ts";
import { randomKey } from "../helpers/signer.ts";

// biome-ignore lint/suspicious/noExplicitAny: genesis JSON of arbitrary shape
type Mutable = Record<string, any>;

const GENESIS_TIME = "2026-01-01T00:00:00Z";
const GENESIS_SECONDS = 1_767_225_600n;
const app = () =>
  createApp({
    chainId: "cifer-local-1",
    committed: { get: async () => undefined, async *iterate() {} },
    minGasPrices: () => [],
  });
const build = (vestingAccounts?: VestingAccountSpec[]) =>
  buildGenesis({
    chainId: "cifer-local-1",
    genesisTime: GENESIS_TIME,
    validators: [],
    devAddresses: [],
    vestingAccounts,
  }) as Mutable;
const vestingEntries = (g: Mutable) =>
  (g.app_state.auth.accounts as Mutable[]).filter(
    (a) => a["@type"] === "/cosmos.vesting.v1beta1.ContinuousVestingAccount",
  );
const balanceOf = (g: Mutable, address: string) =>
  BigInt((g.app_state.bank.balances as Mutable[]).find((b) => b.address === address)?.coins[0].amount ?? "0");

test("the dev addresses are derived synchronously exactly as CosmJS's HD wallet derives them", async () => {
  const devs = await devAccounts(12);
  for (const i of [0, 4, 10, 11]) assert.equal(hdAddress(DEV_MNEMONIC, i), devs[i]!.address);
});

test("founders (30%) and advisors (5%) are ContinuousVestingAccounts of the dev mnemonic, 4 and 2 years from genesis", async () => {
  const g = (await exampleGenesis()) as Mutable;
  app().validateGenesis(parseGenesisDoc(JSON.stringify(g)).appState);
  const [founders, advisors] = vestingEntries(g) as [Mutable, Mutable];
  const expect = [
    [founders, 10, 300_000_000n, "1893456000"], // 2030-01-01
    [advisors, 11, 50_000_000n, "1830297600"], // 2028-01-01
  ] as const;
  for (const [entry, hdIndex, cif, endTime] of expect) {
    const bva = entry.base_vesting_account;
    assert.equal(bva.base_account.address, hdAddress(DEV_MNEMONIC, hdIndex));
    assert.deepEqual(bva.original_vesting, [{ denom: "ucif", amount: (cif * 1_000_000n).toString() }]);
    assert.deepEqual([bva.delegated_free, bva.delegated_vesting], [[], []]);
    assert.equal(entry.start_time, GENESIS_SECONDS.toString());
    assert.equal(bva.end_time, endTime);
    assert.equal(balanceOf(g, bva.base_account.address), cif * 1_000_000n, "funded with its vesting amount");
  }
  assert.deepEqual(
    LOCAL_VESTING.map((v) => v.hdIndex),
    [10, 11],
  );
  // No module account holds founders' or advisors' coins any more; the total is unchanged.
  const names = (g.app_state.auth.accounts as Mutable[]).map((a) => a.name).filter(Boolean);
  assert.ok(!names.includes("founders") && !names.includes("advisors"));
  const sum = (g.app_state.bank.balances as Mutable[]).reduce((s, b) => s + BigInt(b.coins[0].amount), 0n);
  assert.equal(sum, TOTAL_SUPPLY_UCIF);
  assert.equal(
    ALLOCATION.reduce((s, a) => s + a.percent, 0n),
    100n,
  );
  assert.equal(MODULE_ACCOUNTS.length + 2, ALLOCATION.length);
});

test("custom vesting accounts: an allocation split between accounts; each must add up exactly", () => {
  const [a, b, c] = [randomKey().address, randomKey().address, randomKey().address];
  const founders = allocationAmount("founders");
  const spec = (allocation: string, address: string, amount: bigint, years = 1n) => ({
    allocation,
    address,
    amount,
    startTime: GENESIS_SECONDS + 100n,
    endTime: GENESIS_SECONDS + 100n + years * 31_536_000n,
  });
  const good = [
    spec("founders", a, founders / 3n),
    spec("founders", b, founders - founders / 3n, 3n),
    spec("advisors", c, allocationAmount("advisors")),
  ];
  const g = build(good);
  app().validateGenesis(parseGenesisDoc(JSON.stringify(g)).appState);
  assert.deepEqual(
    vestingEntries(g).map((e) => e.base_vesting_account.base_account.address),
    [a, b, c],
  );
  assert.equal(balanceOf(g, b), founders - founders / 3n);
  assert.equal(vestingEntries(g)[1]!.start_time, (GENESIS_SECONDS + 100n).toString());

  assert.throws(
    () => build(good.slice(1)),
    /the founders vesting accounts hold \d+ ucif, not the allocation's 300000000000000/,
  );
  assert.throws(
    () => build([...good, spec("community", randomKey().address, 1n)]),
    /not a vested allocation/,
  );
});

test("a malformed vesting account in genesis is refused with a message naming the field", () => {
  const cases: Array<[string, (acc: Mutable) => void, RegExp]> = [
    ["start after end", (acc) => (acc.start_time = "1893456001"), /start-time cannot be before end-time/],
    [
      "no original vesting",
      (acc) => (acc.base_vesting_account.original_vesting = []),
      /original_vesting: empty coins/,
    ],
    [
      "delegated vesting above original",
      (acc) => (acc.base_vesting_account.delegated_vesting = [{ denom: "ucif", amount: "300000000000001" }]),
      /delegated vesting amount cannot be greater than original vesting amount/,
    ],
    ["no end time", (acc) => delete acc.base_vesting_account.end_time, /base_vesting_account.end_time/],
    [
      "no base account",
      (acc) => delete acc.base_vesting_account.base_account,
      /base_account: expected an object/,
    ],
  ];
  for (const [name, mutate, msg] of cases) {
    const g = build();
    mutate(vestingEntries(g)[0]!);
    const doc = parseGenesisDoc(JSON.stringify(g as JsonObject));
    assert.throws(() => app().validateGenesis(doc.appState), msg, name);
  }
});
