import assert from "node:assert/strict";
import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { QueryValidatorRequest, QueryValidatorResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import type { Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { MsgCreateValidator } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { TxResult } from "../../chain/app/app.ts";
import type { BlockInfo } from "../../chain/app/context.ts";
import { parseAddress, toAddress } from "../../chain/crypto/address.ts";
import { type Ed25519Key, generateEd25519 } from "../../chain/crypto/ed25519.ts";
import { Dec } from "../../chain/types/dec.ts";
import { type AppHarness, CHAIN_ID } from "./app-harness.ts";
import { anyOf } from "./msgs.ts";
import { devKey, signTx, type TestKey } from "./signer.ts";

export const CIF = 1_000_000n;
export const valoperOf = (k: TestKey) => toAddress(parseAddress(k.address), "cifvaloper");

/**
 * Drives staking-related txs and queries through an AppHarness: dev accounts as operators and
 * delegators (account numbers 10 + i in the harness genesis), sequences tracked here.
 */
export class StakingDriver {
  readonly keys: TestKey[] = [];
  private readonly seq = new Map<string, bigint>();
  /** Consensus keys of the validators created through this driver, by operator address. */
  readonly consensusKeys = new Map<string, Ed25519Key>();

  private constructor(readonly h: AppHarness) {}

  static async create(h: AppHarness, accounts = 3): Promise<StakingDriver> {
    const d = new StakingDriver(h);
    for (let i = 0; i < accounts; i++) d.keys.push(await devKey(i));
    return d;
  }

  /** Delivers one tx in its own block; expect: 0, or the [codespace, code] of a refusal. */
  async tx(
    k: TestKey,
    msg: Any,
    expect: 0 | [string, number] = 0,
    consensus: Partial<BlockInfo> = {},
  ): Promise<TxResult> {
    const s = this.seq.get(k.address) ?? 0n;
    const bytes = signTx(k, {
      msgs: [msg],
      chainId: CHAIN_ID,
      accountNumber: 10n + BigInt(this.keys.indexOf(k)),
      sequence: s,
      fee: { amount: [{ denom: "ucif", amount: "2000" }], gasLimit: 800_000n },
    });
    const [r] = await this.h.block([bytes], consensus);
    this.seq.set(k.address, s + 1n);
    if (expect === 0) assert.equal(r!.code, 0, r!.log);
    else assert.deepEqual([r!.codespace, r!.code], expect, r!.log);
    return r!;
  }

  async query<Req, Res>(
    path: string,
    req: { encode(m: Req): { finish(): Uint8Array } },
    res: { decode(b: Uint8Array): Res },
    m: Req,
  ): Promise<Res> {
    const r = await this.h.query(path, req.encode(m).finish());
    assert.equal(r.code, 0, r.log);
    return res.decode(r.value);
  }

  async validator(k: TestKey): Promise<Validator> {
    return (
      await this.query(
        "/cosmos.staking.v1beta1.Query/Validator",
        QueryValidatorRequest,
        QueryValidatorResponse,
        {
          validatorAddr: valoperOf(k),
        },
      )
    ).validator!;
  }

  /** MsgCreateValidator for k with a fresh consensus key (remembered in consensusKeys). */
  createValidatorMsg(
    k: TestKey,
    selfDelegation: bigint,
    consensusKey = generateEd25519(),
    commissionRate = "0.1",
  ): Any {
    this.consensusKeys.set(valoperOf(k), consensusKey);
    return anyOf("/cosmos.staking.v1beta1.MsgCreateValidator", MsgCreateValidator, {
      description: {
        moniker: `val-${this.keys.indexOf(k)}`,
        identity: "",
        website: "",
        securityContact: "",
        details: "",
      },
      commission: {
        rate: Dec.parse(commissionRate).toProto(),
        maxRate: Dec.parse("0.2").toProto(),
        maxChangeRate: Dec.parse("0.01").toProto(),
      },
      minSelfDelegation: "1",
      delegatorAddress: "",
      validatorAddress: valoperOf(k),
      pubkey: {
        typeUrl: "/cosmos.crypto.ed25519.PubKey",
        value: PubKey.encode({ key: consensusKey.pubkey }).finish(),
      },
      value: { denom: "ucif", amount: selfDelegation.toString() },
    });
  }
}
