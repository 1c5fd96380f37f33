/**
 * The staking, distribution, slashing and reputation commands of the `cifer` CLI without a node:
 * argument validation in process (parsers, message builders, output formatting, the reputation codec)
 * and as users run it (child processes pointed at a port nothing listens on, so a validation that was
 * missing would show up as "cannot reach the node" instead of the expected one-line error).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { toBase64 } from "@cosmjs/encoding";
import type { QueryClient } from "@cosmjs/stargate";
import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { QueryValidatorResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { MsgCreateValidator, MsgEditValidator } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import protobuf from "protobufjs";
import { parseAddress, toAddress } from "../../chain/crypto/address.ts";
import { ed25519Address, generateEd25519 } from "../../chain/crypto/ed25519.ts";
import { Dec } from "../../chain/types/dec.ts";
import { DEV_MNEMONIC, devAccounts } from "../../chain/wiring/genesis.ts";
import { accountFromValoper, valconsFromPubkey, valoperFromAccount } from "../../client/addresses.ts";
import { CliError, queryError } from "../../client/cli/errors.ts";
import { fixJson, formatDecCoin, formatDuration, formatRate, STAKING_DECS } from "../../client/cli/format.ts";
import {
  parseBondAmountArg,
  parseBondStatusArg,
  parseCommissionArgs,
  parseConsensusPubkeyArg,
  parseDescriptionArgs,
  parseMinSelfDelegationArg,
  parseRateArg,
  parseTierArg,
  parseValoperArg,
} from "../../client/cli/options.ts";
import { allPages, MAX_PAGES } from "../../client/cli/query-common.ts";
import { DO_NOT_MODIFY, msgCreateValidator, msgEditValidator } from "../../client/msgs.ts";
import { createCiferRegistry } from "../../client/registry.ts";
import { REPUTATION_PROTO_PATH, ReputationTier, setupReputationExtension } from "../../client/reputation.ts";
import { assertOneLineError, type CliRun, runCli } from "../helpers/cli.ts";

const DEAD_NODE = "http://127.0.0.1:9"; // discard port: nothing answers
const RUN_TIMEOUT_MS = 60_000;

const devs = await devAccounts(2);
const account = devs[1]!.address;
const valoper = valoperFromAccount(devs[1]!.address);
const valoper0 = valoperFromAccount(devs[0]!.address);
const consensusKey = generateEd25519().pubkey;
const valcons = valconsFromPubkey(consensusKey);
const cosmosValoper = toAddress(parseAddress(account), "cosmosvaloper");

const tmp = mkdtempSync(join(tmpdir(), "cifer-cli-staking-unit-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const kr = () => ["--keyring-backend", "test", "--keyring-dir", join(tmp, "keyring")];

function cifer(args: string[], input = ""): Promise<CliRun> {
  return runCli(args, { input, env: { CIFER_NODE: DEAD_NODE }, timeoutMs: RUN_TIMEOUT_MS });
}

describe("staking argument parsers (in process)", () => {
  test("validator addresses by bech32 prefix", () => {
    assert.equal(parseValoperArg(valoper), valoper);
    assert.throws(() => parseValoperArg(account), /expected cifvaloper, got cif .*account address/);
    assert.throws(() => parseValoperArg(cosmosValoper), /expected cifvaloper, got cosmosvaloper/);
    assert.throws(() => parseValoperArg(valcons), /expected cifvaloper, got cifvalcons/);
    assert.throws(() => parseValoperArg("cifvaloper1xyz"), /invalid validator address/);
    assert.equal(accountFromValoper(valoper), account);
    assert.equal(valcons, toAddress(ed25519Address(consensusKey), "cifvalcons"));
  });

  test("staking amounts: one positive amount of ucif", () => {
    assert.deepEqual(parseBondAmountArg("1.5CIF"), { denom: "ucif", amount: "1500000" });
    assert.deepEqual(parseBondAmountArg("10ucif"), { denom: "ucif", amount: "10" });
    for (const [bad, why] of [
      ["0ucif", /must be positive/],
      ["-1ucif", /must be positive/],
      ["5uatom", /one amount of ucif/],
      ["1ucif,1uatom", /one amount of ucif/],
      ["1.0000001CIF", /6 decimals/],
      ["ten", /expected <amount><denom>/],
    ] as const) {
      assert.throws(() => parseBondAmountArg(bad), why, bad);
    }
  });

  test("commission rates: decimals in [0, 1], rate <= max rate, max change <= max rate", () => {
    assert.equal(parseRateArg("0.1", "--commission-rate"), "0.1");
    assert.equal(parseRateArg("1", "--commission-rate"), "1");
    assert.equal(parseRateArg("0", "--commission-rate"), "0");
    for (const bad of ["1.01", "2", "10%", "-0.1", ".5", "0.1234567890123456789", "", "abc"]) {
      assert.throws(() => parseRateArg(bad, "--commission-rate"), /--commission-rate .*between 0 and 1/, bad);
    }
    assert.deepEqual(parseCommissionArgs({ rate: "0.1", maxRate: "0.2", maxChangeRate: "0.01" }), {
      rate: "0.1",
      maxRate: "0.2",
      maxChangeRate: "0.01",
    });
    assert.throws(
      () => parseCommissionArgs({ rate: "0.3", maxRate: "0.2", maxChangeRate: "0.01" }),
      /--commission-rate 0.3 is more than --commission-max-rate 0.2/,
    );
    assert.throws(
      () => parseCommissionArgs({ rate: "0.1", maxRate: "0.2", maxChangeRate: "0.25" }),
      /--commission-max-change-rate 0.25 is more than --commission-max-rate 0.2/,
    );
    assert.throws(
      () => parseCommissionArgs({ rate: "0.1", maxRate: "1.2", maxChangeRate: "0.1" }),
      /--commission-max-rate/,
    );
  });

  test("min self delegation, description, status and tier", () => {
    assert.equal(parseMinSelfDelegationArg("1"), "1");
    assert.equal(parseMinSelfDelegationArg("2CIF"), "2000000");
    assert.throws(() => parseMinSelfDelegationArg("0"), /positive integer/);
    assert.throws(() => parseMinSelfDelegationArg("0CIF"), /must be positive/);
    assert.deepEqual(parseDescriptionArgs({ moniker: "v", website: undefined }), { moniker: "v" });
    assert.throws(() => parseDescriptionArgs({ moniker: "m".repeat(71) }), /--moniker is too long/);
    assert.throws(() => parseDescriptionArgs({ details: "d".repeat(281) }), /--details is too long/);
    assert.throws(() => parseDescriptionArgs({ moniker: "  " }), /--moniker cannot be empty/);
    assert.throws(() => parseDescriptionArgs({ website: DO_NOT_MODIFY }), /do-not-modify/);
    assert.equal(parseBondStatusArg(undefined), "");
    assert.equal(parseBondStatusArg("Bonded"), "BOND_STATUS_BONDED");
    assert.equal(parseBondStatusArg("unbonding"), "BOND_STATUS_UNBONDING");
    assert.throws(() => parseBondStatusArg("jailed"), /--status/);
    assert.equal(parseTierArg(undefined), ReputationTier.Unspecified);
    assert.equal(parseTierArg("trusted"), ReputationTier.Trusted);
    assert.throws(() => parseTierArg("gold"), /--tier "gold": expected one of new, initial, trusted/);
    assert.throws(() => parseTierArg("unspecified"), /--tier/);
  });

  test("consensus public keys: base64, the SDK's JSON, or a priv_validator_key.json", () => {
    const b64 = toBase64(consensusKey);
    assert.deepEqual(parseConsensusPubkeyArg(b64), consensusKey);
    assert.deepEqual(
      parseConsensusPubkeyArg(JSON.stringify({ "@type": "/cosmos.crypto.ed25519.PubKey", key: b64 })),
      consensusKey,
    );
    const file = join(tmp, "priv_validator_key.json");
    writeFileSync(
      file,
      JSON.stringify({ pub_key: { type: "tendermint/PubKeyEd25519", value: b64 }, priv_key: {} }),
      { mode: 0o600 },
    );
    assert.deepEqual(parseConsensusPubkeyArg(file), consensusKey);
    assert.throws(
      () => parseConsensusPubkeyArg(toBase64(new Uint8Array(33))),
      /33 bytes; an ed25519 key has 32/,
    );
    assert.throws(
      () => parseConsensusPubkeyArg(JSON.stringify({ "@type": "/cosmos.crypto.secp256k1.PubKey", key: b64 })),
      /must be ed25519/,
    );
    assert.throws(() => parseConsensusPubkeyArg(join(tmp, "missing.json")), /expected a base64 ed25519/);
    const notAKeyFile = join(tmp, "other.json");
    writeFileSync(notAKeyFile, "{}");
    assert.throws(() => parseConsensusPubkeyArg(notAKeyFile), /has no ed25519 pub_key/);
    assert.throws(() => parseConsensusPubkeyArg("{not json"), /not valid JSON/);
  });
});

describe("messages and output (in process)", () => {
  test("MsgCreateValidator: LegacyDec rates as 18-decimal atomics, ed25519 key in an Any", () => {
    const msg = msgCreateValidator({
      validatorAddress: valoper,
      consensusPubkey: consensusKey,
      selfDelegation: { denom: "ucif", amount: "1000000" },
      description: { moniker: "m", identity: "", website: "", securityContact: "", details: "" },
      commission: { rate: "0.1", maxRate: "0.2", maxChangeRate: "0.01" },
      minSelfDelegation: "1",
    });
    // What goes on the wire is exactly what the chain (and CosmJS's registry) reads back.
    const registry = createCiferRegistry();
    const bytes = registry.encode(msg);
    const decoded = MsgCreateValidator.decode(bytes);
    assert.equal(decoded.commission.rate, "100000000000000000");
    assert.equal(Dec.fromProto(decoded.commission.maxRate).toString(), "0.200000000000000000");
    assert.equal(Dec.fromProto(decoded.commission.maxChangeRate).toString(), "0.010000000000000000");
    assert.equal(decoded.delegatorAddress, "");
    assert.equal(decoded.validatorAddress, valoper);
    assert.equal(decoded.pubkey!.typeUrl, "/cosmos.crypto.ed25519.PubKey");
    assert.deepEqual(PubKey.decode(decoded.pubkey!.value).key, consensusKey);
  });

  test("MsgEditValidator: fields left out are the SDK's [do-not-modify] / unset", () => {
    const m = MsgEditValidator.decode(
      createCiferRegistry().encode(
        msgEditValidator({ validatorAddress: valoper, description: { details: "d" } }),
      ),
    );
    assert.equal(m.description.details, "d");
    assert.equal(m.description.moniker, DO_NOT_MODIFY);
    assert.equal(m.commissionRate, "");
    assert.equal(m.minSelfDelegation, "");
    const rate = msgEditValidator({ validatorAddress: valoper, commissionRate: "0.12" }).value;
    assert.equal(rate.commissionRate, "120000000000000000");
  });

  test("formatting: DecCoins in ucif and CIF, rates, durations, JSON decimals and keys", () => {
    assert.equal(
      formatDecCoin({ denom: "ucif", amount: "1234567800000000000000" }),
      "1234.5678ucif (0.0012345678 CIF)",
    );
    assert.equal(formatDecCoin({ denom: "ucif", amount: "0" }), "0ucif (0 CIF)");
    assert.equal(formatDecCoin({ denom: "uother", amount: "1500000000000000000" }), "1.5uother");
    assert.equal(formatRate("100000000000000000"), "0.1 (10%)");
    assert.equal(formatRate(new TextEncoder().encode("500000000000000000")), "0.5 (50%)");
    assert.equal(formatRate(""), "0 (0%)");
    assert.equal(formatDuration({ seconds: 120n, nanos: 0 }), "120s");
    assert.equal(formatDuration({ seconds: "1", nanos: 500_000_000 }), "1.5s");
    const res = QueryValidatorResponse.fromPartial({
      validator: {
        operatorAddress: valoper,
        status: 3,
        tokens: "5",
        delegatorShares: "5000000000000000000",
        consensusPubkey: {
          typeUrl: "/cosmos.crypto.ed25519.PubKey",
          value: PubKey.encode({ key: consensusKey }).finish(),
        },
        commission: { commissionRates: { rate: "100000000000000000", maxRate: "1", maxChangeRate: "" } },
      },
    });
    const j = fixJson(QueryValidatorResponse.toJSON(res), { decs: STAKING_DECS }) as {
      validator: Record<string, unknown> & { commission: { commissionRates: Record<string, string> } };
    };
    assert.equal(j.validator.status, "BOND_STATUS_BONDED");
    assert.equal(j.validator.delegatorShares, "5.000000000000000000");
    assert.deepEqual(j.validator.consensusPubkey, {
      "@type": "/cosmos.crypto.ed25519.PubKey",
      key: toBase64(consensusKey),
    });
    assert.deepEqual(j.validator.commission.commissionRates, {
      rate: "0.100000000000000000",
      maxRate: "0.000000000000000001",
      maxChangeRate: "0.000000000000000000",
    });
    assert.equal(j.validator.unbondingTime, "1970-01-01T00:00:00.000Z");
  });

  test("refused queries become their reason, in one line", () => {
    const e = queryError(
      new Error("Query failed with (22): rpc error: code = NotFound desc = validator x not found"),
    );
    assert.ok(e instanceof CliError);
    assert.equal(e.message, "validator x not found");
    const other = new Error("something else");
    assert.equal(queryError(other), other);
  });

  test("list queries follow next keys, and stop after MAX_PAGES", async () => {
    let calls = 0;
    const items = await allPages(async (key) => {
      calls++;
      const n = key ? key[0]! : 0;
      return { items: [n], nextKey: n < 2 ? Uint8Array.of(n + 1) : new Uint8Array() };
    });
    assert.deepEqual(items, [0, 1, 2]);
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(
      allPages(async () => {
        calls++;
        return { items: [], nextKey: Uint8Array.of(1) };
      }),
      /longer than 1000 pages/,
    );
    assert.equal(calls, MAX_PAGES);
  });

  test("the reputation extension encodes requests and decodes responses from the .proto", async () => {
    const root = protobuf.loadSync(REPUTATION_PROTO_PATH);
    const t = (n: string) => root.lookupType(`cifer.reputation.v1.${n}`);
    const record = {
      validatorAddress: valoper,
      consensusAddress: valcons,
      reputation: 953000,
      tier: 3,
      tierSince: 40,
      signedBlocks: 77,
      missedBlocks: 2,
    };
    const seen: Array<[string, Uint8Array]> = [];
    const fake = {
      queryAbci: async (path: string, data: Uint8Array) => {
        seen.push([path, data]);
        const value = path.endsWith("/Validator")
          ? t("QueryValidatorResponse").encode({ validator: record }).finish()
          : path.endsWith("/Validators")
            ? t("QueryValidatorsResponse")
                .encode({ validators: [record], pagination: { nextKey: new Uint8Array(), total: 1 } })
                .finish()
            : t("QueryParamsResponse")
                .encode({ params: { signAlpha: 10000, trustedWeightPercent: 150 } })
                .finish();
        return { value, height: 5 };
      },
    } as unknown as QueryClient;
    const { reputation } = setupReputationExtension(fake);
    const r = await reputation.validator(valoper);
    assert.equal(seen[0]![0], "/cifer.reputation.v1.Query/Validator");
    assert.equal(
      (t("QueryValidatorRequest").decode(seen[0]![1]) as unknown as { validatorAddress: string })
        .validatorAddress,
      valoper,
    );
    assert.equal(r.reputation, 953000n);
    assert.equal(r.tier, ReputationTier.Trusted);
    assert.equal(r.tierSince, 40n);
    assert.equal(r.proposalsFailed, 0n);
    const list = await reputation.validators(ReputationTier.Trusted);
    assert.equal(seen[1]![0], "/cifer.reputation.v1.Query/Validators");
    assert.equal((t("QueryValidatorsRequest").decode(seen[1]![1]) as unknown as { tier: number }).tier, 3);
    assert.equal(list.validators.length, 1);
    assert.equal(list.pagination.total, 1n);
    const p = await reputation.params();
    assert.equal(p.signAlpha, 10000n);
    assert.equal(p.trustedWeightPercent, 150n);
    assert.equal(p.flAlpha, 0n);
  });
});

describe("staking, distribution, slashing, reputation: bad arguments fail before any connection", {
  concurrency: 3,
}, () => {
  before(async () => {
    const r = await cifer(["keys", "add", "dev0", "--recover", ...kr()], DEV_MNEMONIC);
    assert.equal(r.code, 0, r.stderr);
  });

  const st = (...args: string[]) => ["tx", "staking", ...args, ...kr(), "--yes"];
  const createArgs = (over: Record<string, string> = {}) => {
    const o: Record<string, string> = {
      "--from": "dev0",
      "--amount": "10CIF",
      "--pubkey": toBase64(consensusKey),
      "--moniker": "v",
      "--commission-rate": "0.1",
      "--commission-max-rate": "0.2",
      "--commission-max-change-rate": "0.01",
      "--min-self-delegation": "1",
      ...over,
    };
    return st("create-validator", ...Object.entries(o).flatMap(([k, v]) => (v === "" ? [] : [k, v])));
  };
  const cases: Array<[string, string[], RegExp, number?]> = [
    ["delegate to an account address", st("delegate", account, "1CIF", "--from", "dev0"), /account address/],
    [
      "delegate to another chain's validator",
      st("delegate", cosmosValoper, "1CIF", "--from", "dev0"),
      /cifvaloper/,
    ],
    ["delegate to a consensus address", st("delegate", valcons, "1CIF", "--from", "dev0"), /got cifvalcons/],
    ["delegate a negative amount", st("delegate", valoper, "-5ucif", "--from", "dev0"), /-5ucif/],
    [
      "delegate a negative amount after --",
      [...st("delegate", valoper, "--from", "dev0"), "--", "-5ucif"],
      /positive/,
    ],
    ["delegate zero", st("delegate", valoper, "0ucif", "--from", "dev0"), /must be positive/],
    ["delegate another denom", st("delegate", valoper, "5uatom", "--from", "dev0"), /one amount of ucif/],
    ["delegate two coins", st("delegate", valoper, "5ucif,1uatom", "--from", "dev0"), /one amount of ucif/],
    ["delegate without --from", st("delegate", valoper, "1CIF"), /required option '--from <key>'/],
    [
      "delegate from an unknown key",
      st("delegate", valoper, "1CIF", "--from", "nobody"),
      /no key named "nobody"/,
      1,
    ],
    ["delegate with bad --fees", st("delegate", valoper, "1CIF", "--from", "dev0", "--fees", "5"), /--fees/],
    [
      "delegate with bad --chain-id",
      st("delegate", valoper, "1CIF", "--from", "dev0", "--chain-id", "a b"),
      /chain id/,
    ],
    [
      "unbond from an account address",
      st("unbond", account, "1CIF", "--from", "dev0"),
      /invalid validator address/,
    ],
    ["unbond zero", st("unbond", valoper, "0CIF", "--from", "dev0"), /must be positive/],
    [
      "redelegate to the same validator",
      st("redelegate", valoper, valoper, "1CIF", "--from", "dev0"),
      /same validator/,
    ],
    [
      "redelegate to a bad validator",
      st("redelegate", valoper, "cifvaloper1x", "1CIF", "--from", "dev0"),
      /destination validator address/,
    ],
    [
      "create-validator: rate above max rate",
      createArgs({ "--commission-rate": "0.3" }),
      /--commission-rate 0.3 is more than --commission-max-rate 0.2/,
    ],
    [
      "create-validator: max change above max rate",
      createArgs({ "--commission-max-change-rate": "0.5" }),
      /--commission-max-change-rate 0.5 is more than/,
    ],
    [
      "create-validator: rate above 1",
      createArgs({ "--commission-max-rate": "1.5" }),
      /--commission-max-rate "1.5"/,
    ],
    ["create-validator: rate as a percentage", createArgs({ "--commission-rate": "10%" }), /between 0 and 1/],
    [
      "create-validator: zero min self-delegation",
      createArgs({ "--min-self-delegation": "0" }),
      /positive integer/,
    ],
    [
      "create-validator: amount below min self-delegation",
      createArgs({ "--min-self-delegation": "20CIF" }),
      /below --min-self-delegation/,
    ],
    ["create-validator: zero amount", createArgs({ "--amount": "0CIF" }), /must be positive/],
    [
      "create-validator: missing --pubkey",
      createArgs({ "--pubkey": "" }),
      /required option '--pubkey <key>'/,
    ],
    [
      "create-validator: missing --moniker",
      createArgs({ "--moniker": "" }),
      /required option '--moniker <name>'/,
    ],
    ["create-validator: long moniker", createArgs({ "--moniker": "m".repeat(71) }), /--moniker is too long/],
    ["create-validator: 33-byte key", createArgs({ "--pubkey": toBase64(new Uint8Array(33)) }), /33 bytes/],
    ["create-validator: missing key file", createArgs({ "--pubkey": join(tmp, "nope.json") }), /--pubkey/],
    ["edit-validator: nothing to edit", st("edit-validator", "--from", "dev0"), /nothing to edit/],
    [
      "edit-validator: rate above 1",
      st("edit-validator", "--from", "dev0", "--commission-rate", "2"),
      /between 0 and 1/,
    ],
    [
      "withdraw-rewards: bad validator",
      ["tx", "distribution", "withdraw-rewards", account, "--from", "dev0", ...kr(), "--yes"],
      /invalid validator address/,
    ],
    [
      "withdraw-rewards --commission of another validator",
      ["tx", "distribution", "withdraw-rewards", valoper, "--commission", "--from", "dev0", ...kr(), "--yes"],
      new RegExp(`not the operator of ${valoper}; its validator would be ${valoper0}`),
    ],
    [
      "set-withdraw-addr to a validator address",
      ["tx", "distribution", "set-withdraw-addr", valoper, "--from", "dev0", ...kr(), "--yes"],
      /invalid withdraw address/,
    ],
    [
      "fund-community-pool zero",
      ["tx", "distribution", "fund-community-pool", "0ucif", "--from", "dev0", ...kr(), "--yes"],
      /must be positive/,
    ],
    [
      "unjail without --from",
      ["tx", "slashing", "unjail", ...kr(), "--yes"],
      /required option '--from <key>'/,
    ],
    [
      "query validators --status",
      ["query", "staking", "validators", "--status", "jailed"],
      /--status "jailed"/,
    ],
    ["query validator by account", ["query", "staking", "validator", account], /invalid validator address/],
    [
      "query delegation: delegator is a valoper",
      ["query", "staking", "delegation", valoper, valoper],
      /invalid delegator address/,
    ],
    [
      "query unbonding-delegation: bad validator",
      ["query", "staking", "unbonding-delegation", account, account],
      /invalid validator address/,
    ],
    [
      "query redelegations: bad delegator",
      ["query", "staking", "redelegations", "cif1abc"],
      /invalid delegator address/,
    ],
    [
      "query rewards: bad validator",
      ["query", "distribution", "rewards", account, valcons],
      /invalid validator address/,
    ],
    [
      "query commission: account",
      ["query", "distribution", "commission", account],
      /invalid validator address/,
    ],
    [
      "query withdraw-addr: valoper",
      ["query", "distribution", "withdraw-addr", valoper],
      /invalid delegator address/,
    ],
    [
      "query signing-info: garbage",
      ["query", "slashing", "signing-info", "garbage"],
      /invalid validator \(consensus address or public key\)/,
    ],
    [
      "query signing-info: bad valcons",
      ["query", "slashing", "signing-info", "cifvalcons1abc"],
      /invalid consensus address/,
    ],
    [
      "query reputation validator: account",
      ["query", "reputation", "validator", account],
      /invalid validator address/,
    ],
    [
      "query reputation validators --tier",
      ["query", "reputation", "validators", "--tier", "gold"],
      /--tier "gold"/,
    ],
  ];
  for (const [name, args, pattern, code] of cases) {
    test(name, async () =>
      assertOneLineError(await cifer(args), pattern, { exitCode: code ?? 2, offline: true }),
    );
  }

  test("valid arguments do reach for the node (so the errors above came from validation)", async () => {
    const r = await cifer(st("delegate", valoper, "1CIF", "--from", "dev0"));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: cannot reach the node at http:\/\/127\.0\.0\.1:9/);
    const q = await cifer(["query", "slashing", "signing-info", toBase64(consensusKey)]);
    assert.match(q.stderr, /^Error: cannot reach the node/);
  });
});
