/**
 * The three kinds of Cifer addresses, as in the Cosmos SDK: accounts `cif1...`, validator operators
 * `cifvaloper1...` (the same 20 bytes as the operator's account) and validator consensus keys
 * `cifvalcons1...` (the first 20 bytes of sha256 of the ed25519 consensus public key).
 */
import { BECH32_PREFIX, parseAddress, toAddress } from "../chain/crypto/address.ts";
import { ed25519Address } from "../chain/crypto/ed25519.ts";

export const VALOPER_PREFIX = `${BECH32_PREFIX}valoper`;
export const VALCONS_PREFIX = `${BECH32_PREFIX}valcons`;

/** cif1... -> cifvaloper1... (throws InvalidAddressError on a bad account address). */
export const valoperFromAccount = (account: string): string =>
  toAddress(parseAddress(account), VALOPER_PREFIX);

/** cifvaloper1... -> cif1... (the operator's account). */
export const accountFromValoper = (valoper: string): string =>
  toAddress(parseAddress(valoper, VALOPER_PREFIX));

/** The consensus address (cifvalcons1...) of an ed25519 consensus public key (32 bytes). */
export function valconsFromPubkey(pubkey: Uint8Array): string {
  if (pubkey.length !== 32) throw new Error(`an ed25519 public key has 32 bytes, not ${pubkey.length}`);
  return toAddress(ed25519Address(pubkey), VALCONS_PREFIX);
}
