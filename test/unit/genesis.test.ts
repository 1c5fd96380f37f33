import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ed25519Address, ed25519FromSeed } from "../../chain/crypto/ed25519.ts";
import { parseGenesisDoc, validatorToJson } from "../../chain/genesis/genesis-doc.ts";
import { createApp } from "../../chain/wiring/app.ts";
import { TOTAL_SUPPLY_UCIF } from "../../chain/wiring/genesis.ts";
import { EXAMPLE_GENESIS_PATH, exampleGenesis } from "../../testnet/example-genesis.ts";

// Genesis JSON is edited freely below to break it in specific ways.
// biome-ignore lint/suspicious/noExplicitAny: test fixture of arbitrary JSON shape
type Mutable = Record<string, any>;

const emptyState = { get: async () => undefined, async *iterate() {} };
const key = ed25519FromSeed(new Uint8Array(32).fill(7)).pubkey;
// A genesis may also list a fixed validator set instead of gentxs: the shape of one entry.
const staticValidator = validatorToJson({
  address: ed25519Address(key),
  pubKey: key,
  votingPower: 10n,
  name: "v",
}) as Mutable;
const app = () => createApp({ chainId: "cifer-local-1", committed: emptyState, minGasPrices: () => [] });

test("genesis.json is valid and is exactly what the code builds (pnpm genesis:example)", async () => {
  const text = readFileSync(EXAMPLE_GENESIS_PATH, "utf8");
  const doc = parseGenesisDoc(text);
  app().validateGenesis(doc.appState);
  assert.deepEqual(JSON.parse(text), await exampleGenesis());
});

test("the allocation adds up to exactly 1,000,000,000 CIF, dev accounts funded from community", async () => {
  const g = (await exampleGenesis()) as {
    app_state: {
      bank: { balances: { address: string; coins: { amount: string }[] }[]; supply: { amount: string }[] };
    };
  };
  const sum = g.app_state.bank.balances.reduce((s, b) => s + BigInt(b.coins[0]!.amount), 0n);
  assert.equal(sum, TOTAL_SUPPLY_UCIF);
  assert.equal(BigInt(g.app_state.bank.supply[0]!.amount), TOTAL_SUPPLY_UCIF);
  const amounts = g.app_state.bank.balances.map((b) => BigInt(b.coins[0]!.amount));
  assert.equal(amounts.filter((a) => a === 1_000_000n * 1_000_000n).length, 5, "five dev accounts of 1M CIF");
  assert.ok(amounts.includes(300_000_000n * 1_000_000n), "founders 30%");
  // Community: 15% less the dev accounts and the example validator's operator (funded for its gentx).
  assert.ok(
    amounts.includes((145_000_000n - 11_000n) * 1_000_000n),
    "community 15% less the funded accounts",
  );
  assert.ok(amounts.includes(11_000n * 1_000_000n), "the operator's funds");
});

test("a malformed genesis is refused with a message naming the field", async () => {
  const good = await exampleGenesis();
  const broken = (mutate: (g: Mutable) => void) => {
    const g = structuredClone(good) as Mutable;
    mutate(g);
    return JSON.stringify(g);
  };
  const cases: Array<[string, string, RegExp]> = [
    ["not json", "{", /not valid JSON/],
    ["no chain id", broken((g) => delete g.chain_id), /chain_id/],
    ["bad time", broken((g) => (g.genesis_time = "yesterday")), /RFC 3339/],
    [
      "bad validator key",
      broken(
        (g) =>
          (g.validators = [{ ...staticValidator, pub_key: { ...staticValidator.pub_key, value: "AAAA" } }]),
      ),
      /32 bytes/,
    ],
    [
      "zero power",
      broken((g) => (g.validators = [{ ...staticValidator, power: "0" }])),
      /power: must be positive/,
    ],
  ];
  for (const [name, text, msg] of cases) assert.throws(() => parseGenesisDoc(text), msg, name);
  const appCases: Array<[string, (g: Mutable) => void, RegExp]> = [
    [
      "supply mismatch",
      (g) => (g.app_state.bank.supply[0].amount = "1"),
      /does not equal the sum of balances/,
    ],
    ["bad address", (g) => (g.app_state.bank.balances[0].address = "cif1xyz"), /bank.balances\[0\].address/],
    ["negative coin", (g) => (g.app_state.bank.balances[0].coins[0].amount = "-1"), /invalid coin amount/],
    [
      "duplicate account",
      (g) => g.app_state.auth.accounts.push(g.app_state.auth.accounts[0]),
      /duplicate account/,
    ],
  ];
  for (const [name, mutate, msg] of appCases) {
    const doc = parseGenesisDoc(broken(mutate));
    assert.throws(() => app().validateGenesis(doc.appState), msg, name);
  }
});
