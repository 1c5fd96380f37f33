import { existsSync, readFileSync, statSync } from "node:fs";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { secp256k1AddressBytes, toAddress } from "../crypto/address.ts";
import { bytesEqual, fromBase64, toBase64 } from "../crypto/hash.ts";
import { obj, str } from "../types/json.ts";
import { writeFileAtomicSync } from "../util/fs.ts";

/**
 * The validator operator's account key (secp256k1, `cif1...`), kept next to the consensus key so
 * node services can sign transactions as the operator (an FL committee member reports with its
 * operator account). The file mirrors priv_validator_key.json's shape with CometBFT's secp256k1
 * type names:
 *
 *   {"address": "cif1...", "pub_key": {"type": "tendermint/PubKeySecp256k1", "value": <33 bytes b64>},
 *    "priv_key": {"type": "tendermint/PrivKeySecp256k1", "value": <32 bytes b64>}}
 *
 * Mode 0600; like the keyring and the consensus key, a file others can read or write is refused.
 */
export interface OperatorKey {
  privkey: Uint8Array;
  /** Compressed (33 bytes). */
  pubkey: Uint8Array;
  /** bech32 account address. */
  address: string;
}

export class OperatorKeyError extends Error {
  override name = "OperatorKeyError";
}

export function operatorKeyFromPrivate(privkey: Uint8Array): OperatorKey {
  if (privkey.length !== 32 || !secp256k1.utils.isValidSecretKey(privkey))
    throw new OperatorKeyError("not a valid secp256k1 private key (32 bytes, 0 < key < n)");
  const pubkey = secp256k1.getPublicKey(privkey, true);
  return { privkey: Uint8Array.from(privkey), pubkey, address: toAddress(secp256k1AddressBytes(pubkey)) };
}

export function operatorKeyJson(key: OperatorKey): string {
  return `${JSON.stringify(
    {
      address: key.address,
      pub_key: { type: "tendermint/PubKeySecp256k1", value: toBase64(key.pubkey) },
      priv_key: { type: "tendermint/PrivKeySecp256k1", value: toBase64(key.privkey) },
    },
    null,
    2,
  )}\n`;
}

/** Writes the key file atomically with mode 0600 (replacing an existing one). */
export function writeOperatorKeyFile(path: string, privkey: Uint8Array): OperatorKey {
  const key = operatorKeyFromPrivate(privkey);
  writeFileAtomicSync(path, operatorKeyJson(key), 0o600);
  return key;
}

export function loadOperatorKeyFile(path: string): OperatorKey {
  if (!existsSync(path)) throw new OperatorKeyError(`${path} does not exist`);
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new OperatorKeyError(
      `${path} is accessible by group or others (mode 0${mode.toString(8)}): it holds the operator's private key; chmod 600 it`,
    );
  let key: OperatorKey;
  try {
    const j = obj(JSON.parse(readFileSync(path, "utf8")), path);
    const priv = obj(j.priv_key, "priv_key");
    if (priv.type !== "tendermint/PrivKeySecp256k1")
      throw new OperatorKeyError(`priv_key.type must be "tendermint/PrivKeySecp256k1"`);
    key = operatorKeyFromPrivate(fromBase64(str(priv.value, "priv_key.value")));
    if (j.pub_key !== undefined) {
      const pub = fromBase64(str(obj(j.pub_key, "pub_key").value, "pub_key.value"));
      if (!bytesEqual(pub, key.pubkey)) throw new OperatorKeyError("pub_key does not match priv_key");
    }
    if (j.address !== undefined && j.address !== key.address)
      throw new OperatorKeyError(`address ${String(j.address)} does not match priv_key (${key.address})`);
  } catch (e) {
    throw new OperatorKeyError(`${path}: ${(e as Error).message}`);
  }
  return key;
}
