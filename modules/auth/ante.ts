import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { SignDoc } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { AnteHandler } from "../../chain/app/app.ts";
import type { Context } from "../../chain/app/context.ts";
import { SdkCode, sdkError } from "../../chain/app/errors.ts";
import { event } from "../../chain/app/events.ts";
import type { DecodedTx } from "../../chain/app/tx.ts";
import { secp256k1AddressBytes, toAddress } from "../../chain/crypto/address.ts";
import { bytesEqual, toBase64, toHexUpper } from "../../chain/crypto/hash.ts";
import { InvalidPubKeyError, secp256k1KeyObject, verifySecp256k1 } from "../../chain/crypto/secp256k1.ts";
import { coinString, parseCoins } from "../../chain/types/coins.ts";
import { type GasPrice, requiredFee } from "../../chain/types/gas-price.ts";
import type { FeeBankKeeper } from "./expected-keepers.ts";
import type { Account, AuthKeeper } from "./keeper.ts";

export const SECP256K1_PUBKEY_TYPE = "/cosmos.crypto.secp256k1.PubKey";
export const FEE_COLLECTOR = "fee_collector";
/** A 64-byte signature with its protobuf tag and length. */
const SIMULATED_SIG_BYTES = 66;
/** A fee coin such as {denom: "ucif", amount: "123456"} with its framing. */
const SIMULATED_FEE_COIN_BYTES = 20;

export interface AnteOptions {
  auth: AuthKeeper;
  bank: FeeBankKeeper;
  /** Node-local minimum gas prices, checked in CheckTx only (not consensus), as in the Cosmos SDK. */
  minGasPrices: () => GasPrice[];
  chainId: string;
  /** Denom of the notional fee whose deduction a simulation meters when the simulated tx has none. */
  feeDenom: string;
}

/**
 * Remembers txs whose signatures verified, keyed by tx hash and the signers' account numbers and
 * keys, so a tx verified in CheckTx is not verified again when its block executes.
 */
class VerifiedSigCache {
  private readonly seen = new Map<string, string>();
  constructor(private readonly limit = 50_000) {}
  has(hash: Uint8Array, binding: string): boolean {
    return this.seen.get(toHexUpper(hash)) === binding;
  }
  add(hash: Uint8Array, binding: string): void {
    if (this.seen.size >= this.limit) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(toHexUpper(hash), binding);
  }
}

function decodePubKey(any: Any | undefined): Uint8Array | undefined {
  if (!any) return undefined;
  if (any.typeUrl !== SECP256K1_PUBKEY_TYPE) {
    throw sdkError(
      SdkCode.InvalidPubKey,
      `unsupported public key type ${any.typeUrl}; only ${SECP256K1_PUBKEY_TYPE}`,
    );
  }
  let key: Uint8Array;
  try {
    key = Secp256k1PubKey.decode(any.value).key;
  } catch {
    throw sdkError(SdkCode.InvalidPubKey, "cannot decode secp256k1 public key");
  }
  try {
    secp256k1KeyObject(key);
  } catch (e) {
    if (e instanceof InvalidPubKeyError) throw sdkError(SdkCode.InvalidPubKey, e.message);
    throw e;
  }
  return key;
}

/**
 * The x/auth ante chain, in the SDK's order: timeout height, tx size gas, fee check and deduction,
 * set public keys, signature count and gas, sequence and signature verification, sequence increment.
 */
export function newAnteHandler(opts: AnteOptions): AnteHandler {
  const sigCache = new VerifiedSigCache();
  return async (ctx: Context, tx: DecodedTx, simulate: boolean) => {
    const { auth, bank } = opts;
    const params = await auth.getParams(ctx);
    const body = tx.body;
    const fee = tx.authInfo.fee!;

    if (body.timeoutHeight > 0n && ctx.block.height > body.timeoutHeight) {
      throw sdkError(
        SdkCode.TxTimeoutHeight,
        `block height: ${ctx.block.height}, timeout height: ${body.timeoutHeight}`,
      );
    }
    ctx.gas.consume(params.txSizeCostPerByte * BigInt(tx.bytes.length), "txSize");
    if (simulate) {
      // A simulated tx carries empty signatures and often an empty fee; charge the bytes the real
      // ones will add (as the SDK's ConsumeTxSizeGasDecorator does), so the estimate is not short.
      const missingSigBytes =
        tx.raw.signatures.filter((sig) => sig.length === 0).length * SIMULATED_SIG_BYTES;
      const missingFeeBytes = fee.amount.length === 0 ? SIMULATED_FEE_COIN_BYTES : 0;
      ctx.gas.consume(params.txSizeCostPerByte * BigInt(missingSigBytes + missingFeeBytes), "txSize");
    }

    const feeCoins = parseCoins(fee.amount, true);
    if (ctx.isCheck && !simulate) {
      const prices = opts.minGasPrices();
      if (prices.length > 0) {
        const ok = prices.some(
          (p) => (feeCoins.find((c) => c.denom === p.denom)?.amount ?? 0n) >= requiredFee(p, fee.gasLimit),
        );
        if (!ok) {
          const need = prices.map((p) => `${requiredFee(p, fee.gasLimit)}${p.denom}`).join(",");
          throw sdkError(
            SdkCode.InsufficientFee,
            `insufficient fees; got: ${coinString(feeCoins) || "0"} required: ${need}`,
          );
        }
      }
    }

    const accounts: Account[] = [];
    for (const signer of tx.signers) {
      const acc = await auth.getAccount(ctx, signer);
      if (!acc) throw sdkError(SdkCode.UnknownAddress, `account ${signer} does not exist`);
      accounts.push(acc);
    }
    const feePayer = tx.signers[0]!;
    if (feeCoins.length > 0) {
      await bank.sendCoinsFromAccountToModule(ctx, feePayer, FEE_COLLECTOR, feeCoins);
    } else if (simulate) {
      // Clients simulate with an empty fee (CosmJS does), yet the real tx will pay one: meter the
      // deduction on a throwaway branch so "auto" gas covers it.
      await bank
        .sendCoinsFromAccountToModule(ctx.branch(), feePayer, FEE_COLLECTOR, [
          { denom: opts.feeDenom, amount: 1n },
        ])
        .catch(() => {});
    }
    ctx.events.emit(
      event("tx", [
        ["fee", coinString(feeCoins)],
        ["fee_payer", feePayer],
      ]),
    );

    // Set the public key of each signer on first use, checking that it hashes to the signer address.
    const pubkeys: Uint8Array[] = [];
    for (let i = 0; i < accounts.length; i++) {
      const acc = accounts[i]!;
      const info = tx.authInfo.signerInfos[i]!;
      const given = decodePubKey(info.publicKey);
      const stored = decodePubKey(acc.base.pubKey);
      const key = given ?? stored;
      if (!key) {
        if (simulate) continue;
        throw sdkError(SdkCode.InvalidPubKey, `pubkey on account ${acc.base.address} is not set`);
      }
      if (toAddress(secp256k1AddressBytes(key)) !== acc.base.address) {
        throw sdkError(
          SdkCode.InvalidPubKey,
          `pubKey does not match signer address ${acc.base.address} with signer index: ${i}`,
        );
      }
      if (stored && given && !bytesEqual(stored, given)) {
        throw sdkError(SdkCode.InvalidPubKey, `pubKey does not match the key stored for ${acc.base.address}`);
      }
      if (!stored && given) acc.base.pubKey = info.publicKey;
      pubkeys.push(key);
      ctx.gas.consume(params.sigVerifyCostSecp256k1, "ante verify: secp256k1");
    }

    const binding = accounts
      .map((a, i) => `${a.base.accountNumber}:${toHexUpper(pubkeys[i] ?? new Uint8Array())}`)
      .join(",");
    const verified = !simulate && sigCache.has(tx.hash, binding);
    for (let i = 0; i < accounts.length; i++) {
      const acc = accounts[i]!;
      const info = tx.authInfo.signerInfos[i]!;
      if (info.sequence !== acc.base.sequence) {
        throw sdkError(
          SdkCode.WrongSequence,
          `account sequence mismatch, expected ${acc.base.sequence}, got ${info.sequence}`,
        );
      }
      if (simulate || verified) continue;
      if (info.modeInfo?.single?.mode !== SignMode.SIGN_MODE_DIRECT) {
        throw sdkError(SdkCode.NotSupported, "only SIGN_MODE_DIRECT single signatures are supported");
      }
      const signDoc = SignDoc.encode({
        bodyBytes: tx.raw.bodyBytes,
        authInfoBytes: tx.raw.authInfoBytes,
        chainId: opts.chainId,
        // Genesis transactions are signed before accounts are numbered: the SDK signs them with 0.
        accountNumber: ctx.mode === "genesis" ? 0n : acc.base.accountNumber,
      }).finish();
      if (!verifySecp256k1(pubkeys[i]!, signDoc, tx.raw.signatures[i]!)) {
        throw sdkError(
          SdkCode.Unauthorized,
          `signature verification failed; please verify account number (${acc.base.accountNumber}), sequence (${acc.base.sequence}) and chain-id (${opts.chainId})`,
        );
      }
    }
    if (!simulate && !verified) sigCache.add(tx.hash, binding);

    for (let i = 0; i < accounts.length; i++) {
      const acc = accounts[i]!;
      ctx.events.emit(event("tx", [["acc_seq", `${acc.base.address}/${acc.base.sequence}`]]));
      ctx.events.emit(event("tx", [["signature", toBase64(tx.raw.signatures[i] ?? new Uint8Array())]]));
      acc.base.sequence += 1n;
      auth.setAccount(ctx, acc);
    }
  };
}
