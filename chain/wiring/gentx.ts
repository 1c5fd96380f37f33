import { makeCosmoshubPath } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet, makeAuthInfoBytes, makeSignDoc } from "@cosmjs/proto-signing";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { MsgCreateValidator } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { Dec } from "../types/dec.ts";
import { BECH32_PREFIX, parseAddress, toAddress } from "../crypto/address.ts";
import { VALOPER_PREFIX } from "../../modules/staking/store.ts";
import { DENOM } from "./genesis.ts";

export interface GenTxSpec {
  chainId: string;
  /** The operator's account key: a mnemonic and its HD index (m/44'/118'/0'/0/index). */
  mnemonic: string;
  hdIndex: number;
  /** The node's ed25519 consensus key. */
  consensusPubKey: Uint8Array;
  moniker: string;
  selfDelegation: bigint;
  minSelfDelegation?: bigint;
  commission?: { rate: string; maxRate: string; maxChangeRate: string };
}

export const GENTX_GAS = 400_000n;

/** The account address of `mnemonic` at m/44'/118'/0'/0/hdIndex. */
export async function operatorAddress(mnemonic: string, hdIndex: number): Promise<string> {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, {
    hdPaths: [makeCosmoshubPath(hdIndex)],
    prefix: BECH32_PREFIX,
  });
  return (await wallet.getAccounts())[0]!.address;
}

/**
 * A genesis transaction (the SDK's `gentx`): the operator's signed MsgCreateValidator with its
 * self-delegation, fee-free, signed with account number 0 as every genesis tx is. Returns the
 * operator's account address and the TxRaw in base64 for genutil.gen_txs.
 */
export async function buildGenTx(
  s: GenTxSpec,
): Promise<{ operator: string; valoper: string; txBase64: string }> {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(s.mnemonic, {
    hdPaths: [makeCosmoshubPath(s.hdIndex)],
    prefix: BECH32_PREFIX,
  });
  const [account] = await wallet.getAccounts();
  const operator = account!.address;
  const valoper = toAddress(parseAddress(operator), VALOPER_PREFIX);
  const c = s.commission ?? { rate: "0.1", maxRate: "0.2", maxChangeRate: "0.01" };
  const msg = MsgCreateValidator.fromPartial({
    description: { moniker: s.moniker },
    commission: {
      rate: Dec.parse(c.rate).toProto(),
      maxRate: Dec.parse(c.maxRate).toProto(),
      maxChangeRate: Dec.parse(c.maxChangeRate).toProto(),
    },
    minSelfDelegation: (s.minSelfDelegation ?? 1n).toString(),
    delegatorAddress: "",
    validatorAddress: valoper,
    pubkey: {
      typeUrl: "/cosmos.crypto.ed25519.PubKey",
      value: Ed25519PubKey.encode({ key: s.consensusPubKey }).finish(),
    },
    value: { denom: DENOM, amount: s.selfDelegation.toString() },
  });
  const bodyBytes = TxBody.encode(
    TxBody.fromPartial({
      messages: [
        {
          typeUrl: "/cosmos.staking.v1beta1.MsgCreateValidator",
          value: MsgCreateValidator.encode(msg).finish(),
        },
      ],
      memo: `gentx ${s.moniker}`,
    }),
  ).finish();
  const pubkey = {
    typeUrl: "/cosmos.crypto.secp256k1.PubKey",
    value: Secp256k1PubKey.encode({ key: account!.pubkey }).finish(),
  };
  const authInfoBytes = makeAuthInfoBytes(
    [{ pubkey, sequence: 0 }],
    [],
    Number(GENTX_GAS),
    undefined,
    undefined,
  );
  const { signed, signature } = await wallet.signDirect(
    operator,
    makeSignDoc(bodyBytes, authInfoBytes, s.chainId, 0),
  );
  const raw = TxRaw.encode({
    bodyBytes: signed.bodyBytes,
    authInfoBytes: signed.authInfoBytes,
    signatures: [Buffer.from(signature.signature, "base64")],
  }).finish();
  return { operator, valoper, txBase64: Buffer.from(raw).toString("base64") };
}
