/**
 * BIP39 mnemonics and BIP32/BIP44 derivation of Cifer account keys, exactly as the Cosmos SDK keyring does:
 * secp256k1 keys at m/44'/118'/<account>'/0/<index> (coin type 118, like the Cosmos Hub, so wallets that
 * already know Cosmos derive the same addresses), bech32 prefix `cif`.
 */
import { Bip39, EnglishMnemonic, Random, stringToPath, pathToString } from "@cosmjs/crypto";
import { toBase64 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { BECH32_PREFIX } from "../../chain/crypto/address.ts";

export const COIN_TYPE = 118;
/** BIP32 indices are 31-bit; the high bit marks a hardened component. */
export const MAX_HD_INDEX = 0x7fffffff;

export class InvalidMnemonicError extends Error {
  override name = "InvalidMnemonicError";
}
export class InvalidHdPathError extends Error {
  override name = "InvalidHdPathError";
}

/** The Cosmos SDK's default path for a given account and address index: m/44'/118'/account'/0/index. */
export function cosmosHdPath(account = 0, index = 0): string {
  for (const [what, v] of [
    ["account", account],
    ["index", index],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0 || v > MAX_HD_INDEX) {
      throw new InvalidHdPathError(`HD ${what} must be an integer in [0, ${MAX_HD_INDEX}], got ${v}`);
    }
  }
  return `m/44'/${COIN_TYPE}'/${account}'/0/${index}`;
}

/** Validates and normalizes an HD path string such as m/44'/118'/0'/0/0. */
export function normalizeHdPath(path: string): string {
  try {
    return pathToString(stringToPath(path.trim()));
  } catch (e) {
    throw new InvalidHdPathError(`invalid HD path ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
}

/** A fresh 24-word mnemonic from 256 bits of OS randomness. */
export function generateMnemonic(): string {
  return Bip39.encode(Random.getBytes(32)).toString();
}

/**
 * Normalizes a mnemonic as typed or stored in a file (any whitespace, any case) and checks the words
 * and the BIP39 checksum. Returns the canonical single-spaced lowercase form.
 */
export function normalizeMnemonic(input: string): string {
  const words = input.normalize("NFKD").trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) throw new InvalidMnemonicError("empty mnemonic");
  if (![12, 15, 18, 21, 24].includes(words.length)) {
    throw new InvalidMnemonicError(`a mnemonic has 12, 15, 18, 21 or 24 words, got ${words.length}`);
  }
  const unknown = words.find((w) => !EnglishMnemonic.wordlist.includes(w));
  if (unknown !== undefined) {
    throw new InvalidMnemonicError(
      `invalid mnemonic: ${JSON.stringify(unknown)} is not a BIP39 English word`,
    );
  }
  try {
    return new EnglishMnemonic(words.join(" ")).toString();
  } catch (e) {
    throw new InvalidMnemonicError(`invalid mnemonic: ${(e as Error).message}`);
  }
}

export interface DerivedAccount {
  address: string;
  /** Compressed secp256k1 public key, base64. */
  pubkey: string;
  hdPath: string;
}

/** The CosmJS signer for one HD path of a mnemonic (what the CLI and examples sign with). */
export async function walletFromMnemonic(
  mnemonic: string,
  hdPath: string,
  prefix = BECH32_PREFIX,
): Promise<DirectSecp256k1HdWallet> {
  return DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { hdPaths: [stringToPath(hdPath)], prefix });
}

export async function deriveAccount(
  mnemonic: string,
  hdPath: string,
  prefix = BECH32_PREFIX,
): Promise<DerivedAccount> {
  const wallet = await walletFromMnemonic(mnemonic, hdPath, prefix);
  const [account] = await wallet.getAccounts();
  if (!account) throw new Error("wallet derived no account");
  return { address: account.address, pubkey: toBase64(account.pubkey), hdPath };
}
