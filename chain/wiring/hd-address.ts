import { createECDH, pbkdf2Sync } from "node:crypto";
import { Slip10, Slip10Curve, stringToPath } from "@cosmjs/crypto";
import { secp256k1AddressBytes, toAddress } from "../crypto/address.ts";

/**
 * The secp256k1 private key of a BIP39 mnemonic at m/44'/118'/0'/0/index, as CosmJS's HD wallet
 * derives it, but synchronous (CosmJS's is async), so synchronous builders (genesis, node homes)
 * can name and key dev accounts.
 */
export function hdPrivateKey(mnemonic: string, index: number): Uint8Array {
  // BIP39 seed: PBKDF2-HMAC-SHA512 of the NFKD mnemonic, salt "mnemonic" (no passphrase).
  const seed = pbkdf2Sync(mnemonic.normalize("NFKD"), "mnemonic", 2048, 64, "sha512");
  return Slip10.derivePath(Slip10Curve.Secp256k1, seed, stringToPath(`m/44'/118'/0'/0/${index}`)).privkey;
}

/** The account address of a BIP39 mnemonic at m/44'/118'/0'/0/index (see hdPrivateKey). */
export function hdAddress(mnemonic: string, index: number): string {
  const ecdh = createECDH("secp256k1");
  ecdh.setPrivateKey(hdPrivateKey(mnemonic, index));
  return toAddress(secp256k1AddressBytes(ecdh.getPublicKey(null, "compressed")));
}
