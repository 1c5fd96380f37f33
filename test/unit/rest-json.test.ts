import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { QueryParamsResponse, QueryValidatorsResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { decJson, durationJson, snakeCase } from "../../chain/rest/json.ts";
import { ciferType, cosmjsJson, protobufJson, resolveAny } from "../../chain/rest/types.ts";
import { allProtos } from "../../proto/codec.ts";
import { createApp } from "../../chain/wiring/app.ts";
import protobuf from "protobufjs";

// The SDK REST JSON conventions (gRPC-gateway, OrigName + EmitDefaults) on decoded cosmjs-types and
// cifer (protobufjs) messages.

// biome-ignore lint/suspicious/noExplicitAny: JSON answers under test, read by path
type J = Record<string, any>;

const KEY = new Uint8Array(32).fill(7);
const pubKeyAny = { typeUrl: "/cosmos.crypto.ed25519.PubKey", value: PubKey.encode({ key: KEY }).finish() };

describe("rest json: names", () => {
  it("snakeCase gives back the proto name of every cifer field (protobufjs camelCases them)", () => {
    assert.equal(snakeCase("partSetHeader"), "part_set_header");
    assert.equal(snakeCase("txhash"), "txhash");
    assert.equal(snakeCase("paginationCountTotal"), "pagination_count_total");
    const names: string[] = [];
    const visit = (ns: protobuf.NamespaceBase) => {
      for (const n of ns.nestedArray) {
        if (n instanceof protobuf.Type) for (const f of n.fieldsArray) names.push(f.name);
        if (n instanceof protobuf.Namespace || n instanceof protobuf.Type) visit(n);
      }
    };
    visit(allProtos());
    assert.ok(names.length > 50, `only ${names.length} fields found`);
    for (const n of names) assert.equal(protobuf.util.camelCase(snakeCase(n)), n, n);
  });
});

describe("rest json: values", () => {
  it("writes 64-bit ints as strings, enums by name, LegacyDecs as decimals, Anys expanded", () => {
    const res = QueryValidatorsResponse.fromPartial({
      validators: [
        {
          operatorAddress: "cifvaloper1x",
          consensusPubkey: pubKeyAny,
          status: BondStatus.BOND_STATUS_BONDED,
          tokens: "10000000",
          delegatorShares: "10000000000000000000000000",
          unbondingHeight: 12n,
          unbondingTime: { seconds: 1_767_225_600n, nanos: 500_000_000 },
          commission: {
            commissionRates: {
              rate: "100000000000000000",
              maxRate: "200000000000000000",
              maxChangeRate: "10000000000000000",
            },
          },
          unbondingIds: [3n],
        },
      ],
      pagination: { nextKey: new Uint8Array(), total: 1n },
    });
    const json = cosmjsJson(QueryValidatorsResponse, res) as J;
    const v = json.validators[0];
    assert.equal(v.operator_address, "cifvaloper1x");
    assert.deepEqual(v.consensus_pubkey, {
      "@type": "/cosmos.crypto.ed25519.PubKey",
      key: Buffer.from(KEY).toString("base64"),
    });
    assert.equal(v.status, "BOND_STATUS_BONDED");
    assert.equal(v.unbonding_height, "12");
    assert.equal(v.unbonding_time, "2026-01-01T00:00:00.5Z");
    assert.equal(v.delegator_shares, "10000000.000000000000000000");
    assert.equal(v.commission.commission_rates.rate, "0.100000000000000000");
    assert.equal(v.commission.commission_rates.max_change_rate, "0.010000000000000000");
    // EmitDefaults: every field written, a zero time is Go's, an unset (nullable) message is null.
    assert.deepEqual(v.description, {
      moniker: "",
      identity: "",
      website: "",
      security_contact: "",
      details: "",
    });
    assert.equal(
      (cosmjsJson(QueryValidatorsResponse, QueryValidatorsResponse.fromPartial({})) as J).pagination,
      null,
    );
    assert.equal(v.commission.update_time, "1970-01-01T00:00:00Z");
    assert.deepEqual(v.unbonding_ids, ["3"]);
    assert.deepEqual(json.pagination, { next_key: null, total: "1" });
  });

  it("writes Durations as seconds", () => {
    const json = cosmjsJson(
      QueryParamsResponse,
      QueryParamsResponse.fromPartial({
        params: { unbondingTime: { seconds: 120n, nanos: 0 }, bondDenom: "ucif" },
      }),
    ) as J;
    assert.equal(json.params.unbonding_time, "120s");
    assert.equal(json.params.bond_denom, "ucif");
    assert.equal(json.params.max_validators, 0);
    assert.equal(durationJson({ seconds: 1n, nanos: 500_000_000 }), "1.5s");
    assert.equal(durationJson({ seconds: 0n, nanos: 0 }), "0s");
  });

  it("expands a tx's messages and keys, and omits unset oneof members", () => {
    const send = MsgSend.fromPartial({
      fromAddress: "cif1a",
      toAddress: "cif1b",
      amount: [{ denom: "ucif", amount: "5" }],
    });
    const tx = Tx.fromPartial({
      body: { messages: [{ typeUrl: MsgSend.typeUrl, value: MsgSend.encode(send).finish() }], memo: "hi" },
      authInfo: {
        signerInfos: [
          {
            publicKey: {
              typeUrl: "/cosmos.crypto.secp256k1.PubKey",
              value: PubKey.encode({ key: new Uint8Array(33).fill(2) }).finish(),
            },
            modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
            sequence: 4n,
          },
        ],
        fee: { amount: [{ denom: "ucif", amount: "500" }], gasLimit: 200000n },
      },
      signatures: [new Uint8Array([1, 2, 3])],
    });
    const json = cosmjsJson(Tx, Tx.decode(Tx.encode(tx).finish())) as J;
    assert.deepEqual(json.body.messages[0], {
      "@type": "/cosmos.bank.v1beta1.MsgSend",
      from_address: "cif1a",
      to_address: "cif1b",
      amount: [{ denom: "ucif", amount: "5" }],
    });
    assert.equal(json.body.memo, "hi");
    assert.equal(json.body.timeout_height, "0");
    const signer = json.auth_info.signer_infos[0];
    assert.equal(signer.public_key["@type"], "/cosmos.crypto.secp256k1.PubKey");
    assert.deepEqual(signer.mode_info, { single: { mode: "SIGN_MODE_DIRECT" } });
    assert.equal(signer.sequence, "4");
    assert.equal(json.auth_info.fee.gas_limit, "200000");
    assert.deepEqual(json.signatures, ["AQID"]);
  });

  it("keeps an Any of an unknown type (or undecodable bytes) as @type + value", () => {
    assert.equal(resolveAny("/unknown.Type"), undefined);
    const tx = Tx.fromPartial({
      body: {
        messages: [
          { typeUrl: "/unknown.Type", value: new Uint8Array([9]) },
          { typeUrl: MsgSend.typeUrl, value: new Uint8Array([0xff, 0xff]) },
        ],
      },
    });
    const json = cosmjsJson(Tx, tx) as J;
    assert.deepEqual(json.body.messages[0], { "@type": "/unknown.Type", value: "CQ==" });
    assert.deepEqual(json.body.messages[1], { "@type": MsgSend.typeUrl, value: "//8=" });
  });

  it("LegacyDec atomics become decimals; anything else is kept", () => {
    assert.equal(decJson("1000000000000000000"), "1.000000000000000000");
    assert.equal(decJson(""), "0.000000000000000000");
    assert.equal(decJson("0.5"), "0.5");
  });
});

describe("rest json: cifer types (protobufjs)", () => {
  it("answers snake_case fields, int64 as strings, enum names, empty bytes as null", () => {
    const t = ciferType("/cifer.reputation.v1.QueryValidatorsResponse");
    assert.ok(t, "reputation types are in the shared root");
    const bytes = t
      .encode(
        t.fromObject({
          validators: [{ validatorAddress: "cifvaloper1x", reputation: "525000", tier: 3, tierSince: "7" }],
        }),
      )
      .finish();
    const json = protobufJson(t, bytes) as J;
    const v = json.validators[0];
    assert.equal(v.validator_address, "cifvaloper1x");
    assert.equal(v.reputation, "525000");
    assert.equal(v.tier, "TIER_TRUSTED");
    assert.equal(v.tier_since, "7");
    assert.equal(v.missed_blocks, "0");
    assert.equal(json.pagination, null);
    const page = ciferType("/cifer.fl.v1.PageResponse")!;
    assert.deepEqual(protobufJson(page, page.encode(page.fromObject({ total: "3" })).finish()), {
      next_key: null,
      total: "3",
    });
  });

  it("expands cifer messages inside a tx", () => {
    const t = ciferType("/cifer.fl.v1.MsgJoinTask");
    assert.ok(t);
    const msg = {
      typeUrl: "/cifer.fl.v1.MsgJoinTask",
      value: t.encode(t.fromObject({ participant: "cif1p", taskId: "3" })).finish(),
    };
    const json = cosmjsJson(Tx, Tx.fromPartial({ body: { messages: [msg] } })) as J;
    assert.deepEqual(json.body.messages[0], {
      "@type": "/cifer.fl.v1.MsgJoinTask",
      participant: "cif1p",
      task_id: "3",
    });
  });
});

describe("rest json: Any registry", () => {
  it("resolves every message type URL the app routes", () => {
    const emptyState = { get: async () => undefined, async *iterate() {} };
    const app = createApp({ chainId: "cifer-local-1", committed: emptyState, minGasPrices: () => [] });
    const urls = app.msgTypeUrls;
    assert.ok(urls.includes("/cosmos.bank.v1beta1.MsgSend"), urls.join(", "));
    assert.ok(
      urls.some((u) => u.startsWith("/cifer.")),
      urls.join(", "),
    );
    const missing = urls.filter((u) => resolveAny(u) === undefined);
    assert.deepEqual(missing, []);
  });
});
