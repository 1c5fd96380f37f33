import { DirectSecp256k1Wallet, makeAuthInfoBytes, makeSignDoc } from "@cosmjs/proto-signing";
import { accountFromAny } from "@cosmjs/stargate";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { SIMULATE_PATH } from "../app/app.ts";
import { SDK_CODESPACE, SdkCode } from "../app/errors.ts";
import { BECH32_PREFIX } from "../crypto/address.ts";
import type { BroadcastResult } from "../rpc/backend.ts";
import { type GasPrice, requiredFee } from "../types/gas-price.ts";
import { Mutex } from "../util/mutex.ts";
import type { OperatorKey } from "./operator-key.ts";
import type { ServiceQuery } from "./services.ts";

const ACCOUNT_PATH = "/cosmos.auth.v1beta1.Query/Account";

export class ServiceTxError extends Error {
  override name = "ServiceTxError";
  constructor(
    readonly stage: "account" | "simulate" | "checktx",
    readonly codespace: string,
    readonly code: number,
    readonly log: string,
  ) {
    super(`${stage} failed${code ? ` (${codespace}/${code})` : ""}: ${log}`);
  }
}

export interface ServiceAccountOptions {
  chainId: string;
  key: OperatorKey;
  query: ServiceQuery;
  /** Into the node's own mempool (CheckTx, then gossip). */
  broadcastTx: (tx: Uint8Array) => Promise<BroadcastResult>;
  gasPrice: GasPrice;
  /** Gas limit = ceil(simulated gas x adjustment) + margin (CosmJS's "auto" uses 1.4 x). */
  gasAdjustment?: number;
  gasMargin?: bigint;
}

/**
 * A node service's account: signs its transactions as any Cosmos client does, with CosmJS's own
 * direct signer (SIGN_MODE_DIRECT over the SignDoc; the same signer CiferClient and the gentx use),
 * and sends them into the node's mempool. Gas comes from a simulation against the check state, so
 * a message that would fail is not paid for. The account number and sequence are read from the
 * chain once and the sequence is kept here; a sequence mismatch (another signer of the account, a
 * tx dropped from the mempool) reads it again and retries once. Sends are serialised.
 */
export class ServiceAccount {
  private account: { number: bigint; sequence: bigint } | null = null;
  /** The sequence a mismatch error said the chain expects (the check state may be ahead of the query). */
  private sequenceHint = 0n;
  private readonly lock = new Mutex();
  private readonly wallet: Promise<DirectSecp256k1Wallet>;
  private readonly pubkeyAny: Any;

  constructor(private readonly o: ServiceAccountOptions) {
    this.wallet = DirectSecp256k1Wallet.fromKey(o.key.privkey, BECH32_PREFIX);
    this.pubkeyAny = {
      typeUrl: "/cosmos.crypto.secp256k1.PubKey",
      value: Secp256k1PubKey.encode({ key: o.key.pubkey }).finish(),
    };
  }

  get address(): string {
    return this.o.key.address;
  }

  /**
   * Simulates, signs and CheckTx's one tx of `msgs`; throws ServiceTxError if any step refuses it.
   * `extraGas` is added to the simulated estimate (work the simulation cannot foresee, such as the
   * report that completes a committee's agreement), `minGas` is a floor (a retry after out of gas).
   */
  send(
    msgs: Any[],
    o: { memo?: string; extraGas?: bigint; minGas?: bigint } = {},
  ): Promise<BroadcastResult & { gasLimit: bigint; fee: bigint }> {
    return this.lock.run(() => this.sendLocked(msgs, o.memo ?? "", o.extraGas ?? 0n, o.minGas ?? 0n));
  }

  private async sendLocked(msgs: Any[], memo: string, extraGas: bigint, minGas: bigint) {
    const bodyBytes = TxBody.encode(TxBody.fromPartial({ messages: msgs, memo })).finish();
    for (let attempt = 0; ; attempt++) {
      const acc = await this.loadAccount();
      const retry = attempt === 0;
      const sim = await this.o.query(
        SIMULATE_PATH,
        SimulateRequest.encode({
          txBytes: TxRaw.encode({
            bodyBytes,
            authInfoBytes: makeAuthInfoBytes(
              [{ pubkey: this.pubkeyAny, sequence: acc.sequence }],
              [],
              0,
              undefined,
              undefined,
            ),
            signatures: [new Uint8Array()],
          }).finish(),
        }).finish(),
      );
      if (sim.code !== 0) {
        if (retry && isWrongSequence(sim)) {
          this.resync(sim.log);
          continue;
        }
        throw new ServiceTxError("simulate", sim.codespace, sim.code, sim.log);
      }
      const used = SimulateResponse.decode(sim.value).gasInfo?.gasUsed ?? 0n;
      const adjusted = BigInt(Math.ceil(Number(used) * (this.o.gasAdjustment ?? 1.5)));
      const estimate = adjusted + (this.o.gasMargin ?? 100_000n) + extraGas;
      const gasLimit = estimate > minGas ? estimate : minGas;
      const fee = requiredFee(this.o.gasPrice, gasLimit);
      const tx = await this.sign(bodyBytes, acc, gasLimit, fee);
      const res = await this.o.broadcastTx(tx);
      if (res.code === 0) {
        acc.sequence++;
        return { ...res, gasLimit, fee };
      }
      if (retry && isWrongSequence(res)) {
        this.resync(res.log);
        continue;
      }
      throw new ServiceTxError("checktx", res.codespace, res.code, res.log);
    }
  }

  private async sign(
    bodyBytes: Uint8Array,
    acc: { number: bigint; sequence: bigint },
    gasLimit: bigint,
    fee: bigint,
  ): Promise<Uint8Array> {
    const authInfoBytes = makeAuthInfoBytes(
      [{ pubkey: this.pubkeyAny, sequence: acc.sequence }],
      fee > 0n ? [{ denom: this.o.gasPrice.denom, amount: fee.toString() }] : [],
      Number(gasLimit),
      undefined,
      undefined,
    );
    const wallet = await this.wallet;
    const { signed, signature } = await wallet.signDirect(
      this.address,
      makeSignDoc(bodyBytes, authInfoBytes, this.o.chainId, acc.number),
    );
    return TxRaw.encode({
      bodyBytes: signed.bodyBytes,
      authInfoBytes: signed.authInfoBytes,
      signatures: [Buffer.from(signature.signature, "base64")],
    }).finish();
  }

  private resync(log: string): void {
    this.account = null;
    const m = /expected (\d+)/.exec(log);
    if (m) this.sequenceHint = BigInt(m[1]!);
  }

  private async loadAccount(): Promise<{ number: bigint; sequence: bigint }> {
    if (this.account) return this.account;
    const r = await this.o.query(
      ACCOUNT_PATH,
      QueryAccountRequest.encode({ address: this.address }).finish(),
    );
    if (r.code !== 0)
      throw new ServiceTxError(
        "account",
        r.codespace,
        r.code,
        `account ${this.address}: ${r.log} (is the operator account funded?)`,
      );
    const any = QueryAccountResponse.decode(r.value).account;
    if (!any) throw new ServiceTxError("account", "", 0, `account ${this.address}: empty answer`);
    const a = accountFromAny(any);
    const sequence = BigInt(a.sequence) > this.sequenceHint ? BigInt(a.sequence) : this.sequenceHint;
    this.sequenceHint = 0n;
    this.account = { number: BigInt(a.accountNumber), sequence };
    return this.account;
  }
}

const isWrongSequence = (r: { code: number; codespace: string }) =>
  r.code === SdkCode.WrongSequence && r.codespace === SDK_CODESPACE;
