import { Bip39, EnglishMnemonic, Slip10, Slip10Curve, stringToPath } from "@cosmjs/crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, SignDoc, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { secp256k1AddressBytes, toAddress } from "../../chain/crypto/address.ts";
import { SECP256K1_ORDER } from "../../chain/crypto/secp256k1.ts";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";

/**
 * Test signer: builds and signs TxRaw bytes directly, so tests can also build the malformed txs that
 * CosmJS refuses to make (high-S signatures, wrong chain id or account number, foreign keys).
 */
export interface TestKey {
  privkey: Uint8Array;
  pubkey: Uint8Array;
  address: string;
}

export async function devKey(index: number, mnemonic = DEV_MNEMONIC): Promise<TestKey> {
  const seed = await Bip39.mnemonicToSeed(new EnglishMnemonic(mnemonic));
  const { privkey } = Slip10.derivePath(
    Slip10Curve.Secp256k1,
    seed,
    stringToPath(`m/44'/118'/0'/0/${index}`),
  );
  return keyFromPrivate(privkey);
}

export function randomKey(): TestKey {
  return keyFromPrivate(secp256k1.utils.randomSecretKey());
}

export function keyFromPrivate(privkey: Uint8Array): TestKey {
  const pubkey = secp256k1.getPublicKey(privkey, true);
  return { privkey, pubkey, address: toAddress(secp256k1AddressBytes(pubkey)) };
}

export interface TxSpec {
  msgs: Any[];
  chainId: string;
  accountNumber: bigint;
  sequence: bigint;
  fee?: { amount: { denom: string; amount: string }[]; gasLimit: bigint };
  memo?: string;
  timeoutHeight?: bigint;
  /** Defaults to the signer's own key. */
  signAs?: TestKey;
  /** Replace s by n - s: a valid but non-canonical (high-S) signature. */
  highS?: boolean;
  /** Omit the public key from signer info (it must then already be stored on chain). */
  omitPubKey?: boolean;
}

export const DEFAULT_FEE = { amount: [{ denom: "ucif", amount: "5000" }], gasLimit: 200_000n };

export function signTx(key: TestKey, spec: TxSpec): Uint8Array {
  const bodyBytes = TxBody.encode(
    TxBody.fromPartial({
      messages: spec.msgs,
      memo: spec.memo ?? "",
      timeoutHeight: spec.timeoutHeight ?? 0n,
    }),
  ).finish();
  const authInfoBytes = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [
        {
          publicKey: spec.omitPubKey
            ? undefined
            : {
                typeUrl: "/cosmos.crypto.secp256k1.PubKey",
                value: PubKey.encode({ key: key.pubkey }).finish(),
              },
          modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
          sequence: spec.sequence,
        },
      ],
      fee: spec.fee ?? DEFAULT_FEE,
    }),
  ).finish();
  const signDoc = SignDoc.encode({
    bodyBytes,
    authInfoBytes,
    chainId: spec.chainId,
    accountNumber: spec.accountNumber,
  }).finish();
  let sig: Uint8Array = secp256k1.sign(signDoc, (spec.signAs ?? key).privkey);
  if (spec.highS) sig = toHighS(sig);
  return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [sig] }).finish();
}

function toHighS(sig: Uint8Array): Uint8Array {
  const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString("hex")}`);
  const flipped = (SECP256K1_ORDER - s).toString(16).padStart(64, "0");
  return Uint8Array.from([...sig.subarray(0, 32), ...Buffer.from(flipped, "hex")]);
}
