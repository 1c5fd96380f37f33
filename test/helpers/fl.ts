import assert from "node:assert/strict";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { TxResult } from "../../chain/app/app.ts";
import type { BlockInfo } from "../../chain/app/context.ts";
import type { AbciEvent } from "../../chain/app/events.ts";
import { moduleAddress, parseAddress, toAddress } from "../../chain/crypto/address.ts";
import { FL_CODESPACE, type FlCode } from "../../modules/fl/errors.ts";
import {
  QueryValidatorRequest as RepRequest,
  QueryValidatorResponse as RepResponse,
} from "../../modules/reputation/proto.ts";
import { sha256, utf8 } from "../../chain/crypto/hash.ts";
import { cidFromDigest } from "../../modules/fl/cid.ts";
import {
  encode,
  type FlCodec,
  MsgCreateTask,
  QueryRoundRequest,
  QueryRoundResponse,
  QueryTaskRequest,
  QueryTaskResponse,
  Rule,
  type Round,
  type Stage,
  type Task,
} from "../../modules/fl/proto.ts";
import { type AppHarness, CHAIN_ID } from "./app-harness.ts";
import { account, balance } from "./queries.ts";
import { signTx, type TestKey } from "./signer.ts";

/** What every tx of the fl tests pays: 2M gas at the harness's minimum gas price of 0.0025ucif. */
export const FL_FEE = 5000n;
export const FL_ACCOUNT = moduleAddress("fl");

/** A tiny model: one dense layer 3 -> 2 (6 kernel + 2 bias float32 = 8 parameters, 32 bytes). */
export const MODEL_SPEC = JSON.stringify({
  modelTopology: {
    class_name: "Sequential",
    config: {
      name: "tiny",
      layers: [{ class_name: "Dense", config: { units: 2, batch_input_shape: [null, 3] } }],
    },
  },
  weightSpecs: [
    { name: "dense/kernel", shape: [3, 2], dtype: "float32" },
    { name: "dense/bias", shape: [2], dtype: "float32" },
  ],
});
export const MODEL_BYTES = 32n;

/** A blob's CID and hash (its sha256), for any label. */
export function blob(label: string): { cid: string; hash: string } {
  const digest = sha256(utf8(label));
  return { cid: cidFromDigest(digest), hash: Buffer.from(digest).toString("hex") };
}

export const anyOf = <T>(c: FlCodec<T>, m: Partial<T>): Any => ({
  typeUrl: c.typeUrl,
  value: encode(c, c.fromPartial(m)),
});

/** A valid MsgCreateTask, changed by `over`. */
export function createTaskMsg(owner: string, over: Record<string, unknown> = {}) {
  return MsgCreateTask.fromPartial({
    owner,
    modelSpec: MODEL_SPEC,
    genesisWeightsCid: blob("genesis weights").cid,
    rewardPool: { denom: "ucif", amount: "1000000" },
    rounds: 2,
    roundBlocks: 5n,
    minParticipants: 2,
    maxParticipants: 10,
    rule: Rule.FedAvg,
    ruleParams: { f: 0, m: 0, betaPpm: 0 },
    committeeSize: 3,
    subgroupSize: 0,
    ...over,
  });
}

/**
 * Signs and delivers fl (and other) txs through an AppHarness. Account numbers are read from the
 * chain once; sequences are tracked here: a tx refused before its fee is charged (a stateless
 * check, or the ante handler) does not use its sequence, one whose message fails does.
 */
export class FlDriver {
  private readonly accounts = new Map<string, { number: bigint; sequence: bigint }>();
  /** Fees each address paid through this driver. */
  readonly fees = new Map<string, bigint>();

  constructor(readonly h: AppHarness) {}

  private async accountOf(k: TestKey) {
    let a = this.accounts.get(k.address);
    if (!a) {
      const acc = await account((p, d) => this.h.query(p, d), k.address);
      assert.ok(acc, `no account for ${k.address}`);
      a = { number: acc.accountNumber, sequence: acc.sequence };
      this.accounts.set(k.address, a);
    }
    return a;
  }

  /** Delivers the txs in one block; returns their results in order. */
  async block(txs: Array<[TestKey, Any | Any[]]>, consensus: Partial<BlockInfo> = {}): Promise<TxResult[]> {
    const signed: Uint8Array[] = [];
    const pending = new Map<string, bigint>();
    for (const [k, msg] of txs) {
      const a = await this.accountOf(k);
      const seq = pending.get(k.address) ?? a.sequence;
      pending.set(k.address, seq + 1n);
      signed.push(
        signTx(k, {
          msgs: Array.isArray(msg) ? msg : [msg],
          chainId: CHAIN_ID,
          accountNumber: a.number,
          sequence: seq,
          fee: { amount: [{ denom: "ucif", amount: FL_FEE.toString() }], gasLimit: 2_000_000n },
        }),
      );
    }
    const results = await this.h.block(signed, consensus);
    // A tx whose message failed was charged and used its sequence; one refused before (a stateless
    // check or the ante handler) was not. Tests put at most one refusable tx per signer in a block.
    for (const [i, r] of results.entries()) {
      const k = txs[i]![0];
      if (r.code !== 0 && !r.log.startsWith("failed to execute message")) continue;
      this.accounts.get(k.address)!.sequence++;
      this.fees.set(k.address, (this.fees.get(k.address) ?? 0n) + FL_FEE);
    }
    return results;
  }

  /** One tx in its own block, whatever its result. */
  async deliver(k: TestKey, msg: Any | Any[]): Promise<TxResult> {
    return (await this.block([[k, msg]]))[0]!;
  }

  /** One tx in its own block; expect 0 or the [codespace, code] of its refusal. */
  async tx(k: TestKey, msg: Any | Any[], expect: 0 | [string, number] = 0): Promise<TxResult> {
    const [r] = await this.block([[k, msg]]);
    if (expect === 0) assert.equal(r!.code, 0, r!.log);
    else assert.deepEqual([r!.codespace, r!.code], expect, r!.log);
    return r!;
  }

  /** Empty blocks until the harness has committed `height`. */
  async until(height: bigint): Promise<void> {
    while (this.h.height < height) await this.h.block([]);
  }

  balance(address: string): Promise<bigint> {
    return balance((p, d) => this.h.query(p, d), address);
  }

  fee(address: string): bigint {
    return this.fees.get(address) ?? 0n;
  }

  async query<Req, Res>(path: string, req: FlCodec<Req>, res: FlCodec<Res>, m: Partial<Req>): Promise<Res> {
    const r = await this.h.query(`/cifer.fl.v1.Query/${path}`, encode(req, req.fromPartial(m)));
    assert.equal(r.code, 0, r.log);
    return res.decode(r.value);
  }

  async task(id: bigint): Promise<Task> {
    return (await this.query("Task", QueryTaskRequest, QueryTaskResponse, { taskId: id })).task!;
  }

  async round(id: bigint, round: number): Promise<{ round: Round; stages: Stage[] }> {
    const r = await this.query("Round", QueryRoundRequest, QueryRoundResponse, { taskId: id, round });
    return { round: r.round!, stages: r.stages };
  }
}

/** A refusal of the fl codespace, as FlDriver.tx expects it. */
export const flCode = (c: FlCode): [string, number] => [FL_CODESPACE, c];
export const eventsOf = (events: AbciEvent[], type: string) => events.filter((e) => e.type === type);
export const attr = (e: AbciEvent, key: string) => e.attributes.find((a) => a.key === key)?.value;
/** The account (cif...) of a validator operator (cifvaloper...): the same bytes. */
export const accountOfValoper = (valoper: string) => toAddress(parseAddress(valoper, "cifvaloper"));

/** The reputation module's EMA step (alpha in millionths) for one fl observation. */
export const emaStep = (alpha: bigint) => (r: bigint, good: boolean) =>
  r + (alpha * ((good ? 1_000_000n : 0n) - r)) / 1_000_000n;

/** A validator's reputation R (millionths), through the reputation query. */
export async function reputationOf(h: AppHarness, valoper: string): Promise<bigint> {
  const r = await h.query(
    "/cifer.reputation.v1.Query/Validator",
    RepRequest.encode({ validatorAddress: valoper }).finish(),
  );
  assert.equal(r.code, 0, r.log);
  return RepResponse.decode(r.value).validator!.reputation;
}
