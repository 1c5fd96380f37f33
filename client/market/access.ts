/**
 * What a data owner's server needs to serve a buyer: who is asking (a signature by the account's key
 * over a nonce the server chose) and whether that account holds a valid grant on the asset now (one
 * query, `/cifer.market.v1.Query/Access`). The chain never sees the data: the grant is an on-chain
 * licence record, and the owner's server enforces it.
 *
 * The exchange (client/README.md, "Verifying an access grant (data owners)"):
 *   1. The server sends a fresh random nonce (it remembers it for a short while, and accepts it once).
 *   2. The requester signs it with its account key as an ADR-036 "sign/MsgSignData" amino document, the
 *      way Keplr's `signArbitrary(chainId, address, data)` does; with CosmJS, any OfflineAminoSigner
 *      (e.g. Secp256k1HdWallet) signs `adr36SignDoc(address, nonce)`. It returns its cif1 address and
 *      the StdSignature ({pub_key, signature}).
 *   3. The server checks it: `verifyAdr36Signature(address, nonce, signature)` (the public key is the
 *      address's, the signature is valid over that nonce).
 *   4. The server asks the chain: `verifyAccess(client.query, assetId, address)`; `granted` says
 *      whether a grant of that address on that asset is valid at `height` (the block the node
 *      answered at); `grant` is the newest grant (its licence, price, expiry), valid or expired.
 *
 * A node's answer is as trustworthy as the node: a data owner queries a node it runs or trusts.
 */
import {
  makeSignDoc,
  pubkeyToAddress,
  serializeSignDoc,
  type StdSignature,
  type StdSignDoc,
} from "@cosmjs/amino";
import { Secp256k1, Secp256k1Signature, sha256 } from "@cosmjs/crypto";
import { fromBase64, toBase64, toUtf8 } from "@cosmjs/encoding";
import { BECH32_PREFIX } from "../../chain/crypto/address.ts";
import type { MarketAccess, MarketExtension } from "./query.ts";

export type { MarketAccess };

/** The market query verifyAccess needs (CiferClient's `query` has it). */
export interface AccessQueries {
  market: Pick<MarketExtension["market"], "access">;
}

/**
 * Whether `address` holds a valid grant on `assetId` now: the answer of the node's Access query
 * (`granted`, the newest `grant` of the address on the asset, the `height` it answered at).
 */
export async function verifyAccess(
  q: AccessQueries,
  assetId: bigint,
  address: string,
): Promise<MarketAccess> {
  return q.market.access(assetId, address);
}

const bytesOf = (data: string | Uint8Array) => (typeof data === "string" ? toUtf8(data) : data);

/**
 * The ADR-036 document of arbitrary data (what Keplr's signArbitrary signs): one "sign/MsgSignData"
 * message of the signer and the data in base64, no fee, empty chain id and memo, account number and
 * sequence 0, so it can never be a transaction.
 */
export function adr36SignDoc(signer: string, data: string | Uint8Array): StdSignDoc {
  return makeSignDoc(
    [{ type: "sign/MsgSignData", value: { signer, data: toBase64(bytesOf(data)) } }],
    { gas: "0", amount: [] },
    "",
    "",
    0,
    0,
  );
}

/**
 * Whether `signature` (a StdSignature: secp256k1 public key and 64-byte signature, base64, as Keplr
 * and CosmJS's signAmino return it) is `signer`'s ADR-036 signature of `data`: the public key must be
 * the signer's (its cif1 address) and the signature valid over adr36SignDoc(signer, data).
 */
export function verifyAdr36Signature(
  signer: string,
  data: string | Uint8Array,
  signature: StdSignature,
  prefix = BECH32_PREFIX,
): boolean {
  if (signature.pub_key?.type !== "tendermint/PubKeySecp256k1") return false;
  try {
    if (pubkeyToAddress(signature.pub_key, prefix) !== signer) return false;
    const sig = fromBase64(signature.signature);
    if (sig.length !== 64) return false;
    const hash = sha256(serializeSignDoc(adr36SignDoc(signer, data)));
    return Secp256k1.verifySignature(
      Secp256k1Signature.fromFixedLength(sig),
      hash,
      fromBase64(signature.pub_key.value as string),
    );
  } catch {
    // A malformed key or signature (bad base64, not a curve point) is no proof.
    return false;
  }
}
