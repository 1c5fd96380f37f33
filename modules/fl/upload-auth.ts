/**
 * Who uploads an FL update. `PUT /blobs?task=T&round=R&cid=C` must carry the header
 * `x-cifer-upload-auth: <pubkey>.<signature>` (base64 each): the participant's secp256k1 key and its
 * SIGN_MODE_DIRECT signature of a SignDoc whose body is an empty TxBody with the memo
 * `cifer-fl-upload/v1 task=T round=R cid=C`, on this chain id, account number 0, empty AuthInfo.
 * Any Cosmos direct signer (CosmJS wallets, Keplr's signDirect) produces it, and the node can then
 * limit updates per account and round (issue #5: size limits per blob and per account and round).
 *
 * Such a SignDoc can never be a transaction: it has no messages and no signer infos, both of which
 * the ante handler requires, and its memo names the upload. The trainer SDK (client/fl/trainer.ts)
 * signs with it and the node's upload check (service/upload-check.ts) verifies with it, so both
 * sides build the same bytes from this one file.
 */
import { makeSignBytes, makeSignDoc } from "@cosmjs/proto-signing";
import type { SignDoc } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { TxBody } from "cosmjs-types/cosmos/tx/v1beta1/tx";

export const UPLOAD_AUTH_HEADER = "x-cifer-upload-auth";
const PREFIX = "cifer-fl-upload/v1";
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface UploadClaim {
  taskId: bigint;
  round: number;
  cid: string;
}

export class UploadAuthError extends Error {
  override name = "UploadAuthError";
}

export const uploadClaimMemo = (c: UploadClaim): string =>
  `${PREFIX} task=${c.taskId} round=${c.round} cid=${c.cid}`;

export function uploadSignDoc(chainId: string, c: UploadClaim): SignDoc {
  const body = TxBody.encode(TxBody.fromPartial({ memo: uploadClaimMemo(c) })).finish();
  return makeSignDoc(body, new Uint8Array(), chainId, 0);
}

/** The bytes a direct signer signs (sha256 of them, by ECDSA). */
export const uploadSignBytes = (chainId: string, c: UploadClaim): Uint8Array =>
  makeSignBytes(uploadSignDoc(chainId, c));

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

export const formatUploadAuth = (pubkey: Uint8Array, signature: Uint8Array): string =>
  `${b64(pubkey)}.${b64(signature)}`;

/** The header's key and signature, checked for shape only (33-byte compressed key, 64-byte r||s). */
export function parseUploadAuth(value: string | undefined): { pubkey: Uint8Array; signature: Uint8Array } {
  if (value === undefined || value === "")
    throw new UploadAuthError(
      `missing ${UPLOAD_AUTH_HEADER}: an update upload (?task=) must be signed by the participant`,
    );
  if (value.length > 256) throw new UploadAuthError(`${UPLOAD_AUTH_HEADER} is too long`);
  const parts = value.split(".");
  if (parts.length !== 2 || !parts.every((p) => B64.test(p)))
    throw new UploadAuthError(`${UPLOAD_AUTH_HEADER}: expected <base64 pubkey>.<base64 signature>`);
  const pubkey = new Uint8Array(Buffer.from(parts[0]!, "base64"));
  const signature = new Uint8Array(Buffer.from(parts[1]!, "base64"));
  if (pubkey.length !== 33 || (pubkey[0] !== 2 && pubkey[0] !== 3))
    throw new UploadAuthError(`${UPLOAD_AUTH_HEADER}: the key must be a 33-byte compressed secp256k1 key`);
  if (signature.length !== 64)
    throw new UploadAuthError(`${UPLOAD_AUTH_HEADER}: the signature must be 64 bytes (r||s)`);
  return { pubkey, signature };
}
