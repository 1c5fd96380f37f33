import assert from "node:assert/strict";
import { after, test } from "node:test";
import { QueryValidatorsRequest, QueryValidatorsResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { generateEd25519 } from "../../chain/crypto/ed25519.ts";
import { toHexUpper } from "../../chain/crypto/hash.ts";
import { parseGenesisDoc } from "../../chain/genesis/genesis-doc.ts";
import type { JsonObject } from "../../chain/types/json.ts";
import { devAccounts } from "../../chain/wiring/genesis.ts";
import { buildStakedGenesis, VALIDATOR_OPERATOR_HD_BASE } from "../../chain/wiring/genesis-validators.ts";
import { TestChain } from "../helpers/chain.ts";

// A chain whose first validators come from genesis transactions, as every real network's do.

const chains: TestChain[] = [];
after(async () => {
  for (const c of chains) await c.close().catch(() => {});
});

const keys = [generateEd25519(), generateEd25519()];
const staked = async (): Promise<JsonObject> =>
  buildStakedGenesis({
    chainId: "cifer-test-1",
    genesisTime: "2026-01-01T00:00:00Z",
    validators: keys.map((k, i) => ({
      consensusPubKey: k.pubkey,
      moniker: `v${i}`,
      hdIndex: VALIDATOR_OPERATOR_HD_BASE + i,
      selfDelegation: BigInt(i + 1) * 5_000_000_000n,
    })),
    devAddresses: (await devAccounts()).map((d) => d.address),
  });

test("gentxs create the first validators: the consensus set is staking's, ordered by power", async () => {
  const chain = await TestChain.open(parseGenesisDoc(JSON.stringify(await staked())));
  chains.push(chain);
  const state = chain.core.executor.state;
  assert.deepEqual(
    state.validators.validators.map((v) => [toHexUpper(v.pubKey), v.votingPower]),
    [
      [toHexUpper(keys[1]!.pubkey), 10_000n],
      [toHexUpper(keys[0]!.pubkey), 5_000n],
    ],
  );
  const r = await chain.core.app.query(
    "/cosmos.staking.v1beta1.Query/Validators",
    QueryValidatorsRequest.encode({ status: "BOND_STATUS_BONDED", pagination: undefined }).finish(),
    { chainId: "cifer-test-1", height: 0n, timeSeconds: 0n, timeNanos: 0 },
  );
  assert.equal(r.code, 0, r.log);
  assert.deepEqual(
    QueryValidatorsResponse.decode(r.value).validators.map((v) => [
      v.description!.moniker,
      v.status,
      v.tokens,
    ]),
    [
      ["v0", BondStatus.BOND_STATUS_BONDED, "5000000000"],
      ["v1", BondStatus.BOND_STATUS_BONDED, "10000000000"],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  );
});

test("a genesis without validators or gentxs, or with a failing gentx, is refused", async () => {
  const none = (await staked()) as { validators: unknown[]; app_state: Record<string, JsonObject> };
  none.app_state.genutil = { gen_txs: [] };
  await assert.rejects(TestChain.open(parseGenesisDoc(JSON.stringify(none))), /no validators/);
  // A gentx whose operator has no account (nothing at genesis) cannot bond.
  const unfunded = (await staked()) as { app_state: { genutil: { gen_txs: string[] } } };
  const other = (await buildStakedGenesis({
    chainId: "cifer-test-1",
    genesisTime: "2026-01-01T00:00:00Z",
    validators: [
      { consensusPubKey: generateEd25519().pubkey, moniker: "x", hdIndex: VALIDATOR_OPERATOR_HD_BASE + 7 },
    ],
    devAddresses: [],
  })) as { app_state: { genutil: { gen_txs: string[] } } };
  unfunded.app_state.genutil.gen_txs.push(other.app_state.genutil.gen_txs[0]!);
  await assert.rejects(
    TestChain.open(parseGenesisDoc(JSON.stringify(unfunded))),
    /app_state\.genutil transaction 2: account cif1\w+ does not exist/,
  );
});
