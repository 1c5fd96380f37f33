/**
 * A local keyring in the spirit of the Cosmos SDK's: one JSON file per key, `<dir>/<name>.key.json`.
 *
 * - The `test` backend stores the mnemonic in clear (as the SDK's test backend: for throwaway keys and
 *   automation only). The `file` backend stores it encrypted (scrypt + AES-256-GCM, see encryption.ts);
 *   every key of a directory is protected by the same keyring passphrase, checked when a key is added.
 * - The address, public key and HD path are stored in clear so `list`/`show` need no passphrase.
 * - Like ssh, a key file (or directory) that other users could read or replace is refused, not used.
 * - Files are written to a temporary file and hard-linked into place: a crash never leaves a half-written
 *   key, and two concurrent `add`s of the same name cannot overwrite each other.
 */
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { fromBase64 } from "@cosmjs/encoding";
import type { DirectSecp256k1HdWallet, OfflineDirectSigner } from "@cosmjs/proto-signing";
import { BECH32_PREFIX, parseAddress } from "../../chain/crypto/address.ts";
import { readFdUtf8 } from "../fs.ts";
import {
  decryptSecret,
  DecryptionError,
  DEFAULT_SCRYPT,
  encryptSecret,
  type EncryptedSecret,
  type ScryptParams,
} from "./encryption.ts";
import {
  cosmosHdPath,
  deriveAccount,
  generateMnemonic,
  normalizeHdPath,
  normalizeMnemonic,
  walletFromMnemonic,
} from "./hd.ts";

export const KEYRING_BACKENDS = ["file", "test"] as const;
export type KeyringBackend = (typeof KEYRING_BACKENDS)[number];
export const DEFAULT_KEYRING_BACKEND: KeyringBackend = "file";
export const KEY_NAME_RE = /^[a-zA-Z0-9_.-]{1,64}$/;
export const KEY_FILE_SUFFIX = ".key.json";
export const MIN_PASSPHRASE_LENGTH = 8;
const FILE_TYPE = "cifer-keyring-key";
const FILE_VERSION = 1;
const MAX_KEY_FILE_BYTES = 64 * 1024;
const SECP256K1_PUBKEY_TYPE = "/cosmos.crypto.secp256k1.PubKey";

export class KeyringError extends Error {
  override name = "KeyringError";
}
export class InvalidKeyNameError extends KeyringError {
  override name = "InvalidKeyNameError";
}
export class KeyNotFoundError extends KeyringError {
  override name = "KeyNotFoundError";
}
export class KeyExistsError extends KeyringError {
  override name = "KeyExistsError";
}
export class InsecurePermissionsError extends KeyringError {
  override name = "InsecurePermissionsError";
}
export class WrongPassphraseError extends KeyringError {
  override name = "WrongPassphraseError";
}
export class PassphraseRequiredError extends KeyringError {
  override name = "PassphraseRequiredError";
}

/** What the keyring asks for: a passphrase for a brand-new keyring ("new") or for existing keys ("unlock"). */
export interface PassphraseRequest {
  purpose: "new" | "unlock";
  keyName: string;
  keyringDir: string;
}
export type PassphraseProvider = (req: PassphraseRequest) => Promise<string>;

export interface KeyringOptions {
  dir: string;
  backend?: KeyringBackend;
  /** Needed by the `file` backend only. */
  passphrase?: PassphraseProvider;
  prefix?: string;
  /** Tests may lower the cost; files record their own parameters. */
  scrypt?: ScryptParams;
}

export interface KeyInfo {
  name: string;
  type: "local";
  algo: "secp256k1";
  address: string;
  pubkey: { "@type": typeof SECP256K1_PUBKEY_TYPE; key: string };
  hdPath: string;
  createdAt: string;
  backend: KeyringBackend;
}

interface KeyFile {
  type: typeof FILE_TYPE;
  version: typeof FILE_VERSION;
  name: string;
  backend: KeyringBackend;
  algo: "secp256k1";
  address: string;
  pubkey: { "@type": typeof SECP256K1_PUBKEY_TYPE; key: string };
  hd_path: string;
  created_at: string;
  mnemonic?: string;
  crypto?: EncryptedSecret;
}

export interface AddKeyOptions {
  /** Recover from this mnemonic; a new 24-word mnemonic is generated when absent. */
  mnemonic?: string;
  /** Full HD path; otherwise m/44'/118'/account'/0/index. */
  hdPath?: string;
  account?: number;
  index?: number;
}

export function isKeyringBackend(s: string): s is KeyringBackend {
  return (KEYRING_BACKENDS as readonly string[]).includes(s);
}

export function validateKeyName(name: string): string {
  if (typeof name !== "string" || !KEY_NAME_RE.test(name)) {
    throw new InvalidKeyNameError(
      `invalid key name ${JSON.stringify(name)}: use 1 to 64 characters among letters, digits, '_', '.' and '-'`,
    );
  }
  return name;
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
const canCheckOwner = () => typeof process.getuid === "function";
const enforcePermissions = process.platform !== "win32";

/** Additional authenticated data binding the ciphertext to the cleartext fields of its file. */
function aadOf(f: Pick<KeyFile, "name" | "address" | "pubkey" | "hd_path">): Uint8Array {
  return Buffer.from(
    JSON.stringify([FILE_TYPE, FILE_VERSION, f.name, f.address, f.pubkey.key, f.hd_path]),
    "utf8",
  );
}

function toInfo(f: KeyFile): KeyInfo {
  return {
    name: f.name,
    type: "local",
    algo: f.algo,
    address: f.address,
    pubkey: f.pubkey,
    hdPath: f.hd_path,
    createdAt: f.created_at,
    backend: f.backend,
  };
}

export class Keyring {
  readonly dir: string;
  readonly backend: KeyringBackend;
  private readonly prefix: string;
  private readonly scrypt: ScryptParams;
  private readonly passphraseProvider: PassphraseProvider | undefined;
  /** The passphrase once it was obtained and verified, so one command asks at most once. */
  private passphrase: string | undefined;

  constructor(opts: KeyringOptions) {
    const backend = opts.backend ?? DEFAULT_KEYRING_BACKEND;
    if (!isKeyringBackend(backend)) {
      throw new KeyringError(
        `unsupported keyring backend ${JSON.stringify(backend)}; supported: ${KEYRING_BACKENDS.join(", ")}`,
      );
    }
    this.dir = resolve(opts.dir);
    this.backend = backend;
    this.prefix = opts.prefix ?? BECH32_PREFIX;
    this.scrypt = opts.scrypt ?? DEFAULT_SCRYPT;
    this.passphraseProvider = opts.passphrase;
  }

  pathOf(name: string): string {
    return join(this.dir, `${validateKeyName(name)}${KEY_FILE_SUFFIX}`);
  }

  /** Creates (recover = from a given mnemonic) a key. Returns its info and the mnemonic, to show once. */
  async add(name: string, opts: AddKeyOptions = {}): Promise<{ info: KeyInfo; mnemonic: string }> {
    validateKeyName(name);
    const hdPath =
      opts.hdPath !== undefined
        ? normalizeHdPath(opts.hdPath)
        : cosmosHdPath(opts.account ?? 0, opts.index ?? 0);
    const mnemonic = opts.mnemonic !== undefined ? normalizeMnemonic(opts.mnemonic) : generateMnemonic();
    this.ensureDir();
    if (this.has(name))
      throw new KeyExistsError(`a key named ${JSON.stringify(name)} already exists in ${this.dir}`);
    const derived = await deriveAccount(mnemonic, hdPath, this.prefix);
    const file: KeyFile = {
      type: FILE_TYPE,
      version: FILE_VERSION,
      name,
      backend: this.backend,
      algo: "secp256k1",
      address: derived.address,
      pubkey: { "@type": SECP256K1_PUBKEY_TYPE, key: derived.pubkey },
      hd_path: hdPath,
      created_at: new Date().toISOString(),
    };
    if (this.backend === "test") {
      file.mnemonic = mnemonic;
    } else {
      const passphrase = await this.passphraseForNewKey(name);
      file.crypto = await encryptSecret(mnemonic, passphrase, aadOf(file), this.scrypt);
    }
    this.writeNew(name, `${JSON.stringify(file, null, 2)}\n`);
    return { info: toInfo(file), mnemonic };
  }

  list(): KeyInfo[] {
    if (!this.dirExists()) return [];
    this.checkDir();
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(KEY_FILE_SUFFIX) && KEY_NAME_RE.test(f.slice(0, -KEY_FILE_SUFFIX.length)))
      .sort()
      .map((f) => toInfo(this.readFile(f.slice(0, -KEY_FILE_SUFFIX.length))));
  }

  show(name: string): KeyInfo {
    return toInfo(this.readFile(name));
  }

  /** The key whose address this is, or undefined. */
  findByAddress(address: string): KeyInfo | undefined {
    return this.list().find((k) => k.address === address);
  }

  delete(name: string): void {
    const p = this.pathOf(name);
    this.checkDir();
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(p);
    } catch {
      throw new KeyNotFoundError(`no key named ${JSON.stringify(name)} in ${this.dir}`);
    }
    if (!st.isFile()) throw new KeyringError(`${p} is not a regular file; not deleting it`);
    unlinkSync(p);
  }

  /** The mnemonic of a key (decrypting it with the keyring passphrase for the file backend). */
  async exportMnemonic(name: string): Promise<string> {
    const f = this.readFile(name);
    const mnemonic = f.backend === "test" ? f.mnemonic : await this.decrypt(f);
    if (typeof mnemonic !== "string")
      throw new KeyringError(`key file ${this.pathOf(name)} holds no mnemonic`);
    // Never sign with a key that does not match the address the user sees.
    const derived = await deriveAccount(normalizeMnemonic(mnemonic), f.hd_path, this.prefix);
    if (derived.address !== f.address) {
      throw new KeyringError(
        `key file ${this.pathOf(name)} is corrupted: its secret does not derive ${f.address}`,
      );
    }
    return mnemonic;
  }

  /** A CosmJS signer for this key (SIGN_MODE_DIRECT). */
  async signer(name: string): Promise<DirectSecp256k1HdWallet> {
    const f = this.readFile(name);
    return walletFromMnemonic(await this.exportMnemonic(name), f.hd_path, this.prefix);
  }

  /**
   * A signer that shows the stored public key at once and unlocks the secret only when asked to sign, so
   * fees can be simulated and the user can confirm before any passphrase is asked.
   */
  lazySigner(name: string): OfflineDirectSigner {
    const info = this.show(name);
    let wallet: Promise<DirectSecp256k1HdWallet> | undefined;
    return {
      getAccounts: async () => [
        { address: info.address, algo: "secp256k1", pubkey: fromBase64(info.pubkey.key) },
      ],
      signDirect: async (signerAddress, signDoc) => {
        wallet ??= this.signer(name);
        return (await wallet).signDirect(signerAddress, signDoc);
      },
    };
  }

  // ---------------------------------------------------------------------------------------------------

  has(name: string): boolean {
    try {
      lstatSync(this.pathOf(name));
      return true;
    } catch {
      return false;
    }
  }

  private dirExists(): boolean {
    try {
      return statSync(this.dir).isDirectory();
    } catch {
      return false;
    }
  }

  private ensureDir(): void {
    if (!this.dirExists()) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.checkDir();
  }

  /** The directory must be ours and not writable by others (who could swap key files). */
  private checkDir(): void {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(this.dir);
    } catch {
      return;
    }
    if (!st.isDirectory()) throw new KeyringError(`keyring path ${this.dir} is not a directory`);
    if (!enforcePermissions) return;
    if (canCheckOwner() && st.uid !== process.getuid!()) {
      throw new InsecurePermissionsError(
        `keyring directory ${this.dir} is owned by another user (uid ${st.uid})`,
      );
    }
    if ((st.mode & 0o022) !== 0) {
      throw new InsecurePermissionsError(
        `permissions ${octal(st.mode)} for keyring directory ${this.dir} are too open: it must not be writable by group or others (fix with: chmod 700 ${this.dir})`,
      );
    }
  }

  private readFile(name: string): KeyFile {
    const p = this.pathOf(name);
    this.checkDir();
    let fd: number;
    try {
      fd = openSync(p, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT")
        throw new KeyNotFoundError(`no key named ${JSON.stringify(name)} in ${this.dir}`);
      if (code === "ELOOP")
        throw new InsecurePermissionsError(`key file ${p} is a symbolic link; refusing to use it`);
      throw new KeyringError(`cannot open key file ${p}: ${(e as Error).message}`);
    }
    let text: string;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new KeyringError(`key file ${p} is not a regular file`);
      if (enforcePermissions) {
        if (canCheckOwner() && st.uid !== process.getuid!()) {
          throw new InsecurePermissionsError(
            `key file ${p} is owned by another user (uid ${st.uid}); refusing to use it`,
          );
        }
        if ((st.mode & 0o077) !== 0) {
          throw new InsecurePermissionsError(
            `permissions ${octal(st.mode)} for key file ${p} are too open: it must not be accessible by group or others, so it is ignored (fix with: chmod 600 ${p})`,
          );
        }
      }
      if (st.size > MAX_KEY_FILE_BYTES)
        throw new KeyringError(`key file ${p} is too large (${st.size} bytes)`);
      text = readFdUtf8(fd, st.size);
    } finally {
      closeSync(fd);
    }
    return this.parseFile(p, name, text);
  }

  private parseFile(p: string, name: string, text: string): KeyFile {
    let f: KeyFile;
    try {
      f = JSON.parse(text) as KeyFile;
    } catch {
      throw new KeyringError(`key file ${p} is not valid JSON`);
    }
    const bad = (why: string) => new KeyringError(`key file ${p} is invalid: ${why}`);
    if (f === null || typeof f !== "object" || f.type !== FILE_TYPE) throw bad(`not a ${FILE_TYPE} file`);
    if (f.version !== FILE_VERSION) throw bad(`unsupported version ${JSON.stringify(f.version)}`);
    if (f.name !== name) throw bad(`it holds key ${JSON.stringify(f.name)}, not ${JSON.stringify(name)}`);
    if (!isKeyringBackend(f.backend)) throw bad(`unknown backend ${JSON.stringify(f.backend)}`);
    if (f.backend !== this.backend) {
      throw new KeyringError(
        `key file ${p} belongs to the ${f.backend} keyring backend, but --keyring-backend is ${this.backend}`,
      );
    }
    try {
      parseAddress(f.address, this.prefix);
    } catch (e) {
      throw bad((e as Error).message);
    }
    if (f.pubkey?.["@type"] !== SECP256K1_PUBKEY_TYPE || typeof f.pubkey.key !== "string")
      throw bad("bad pubkey");
    if (typeof f.hd_path !== "string") throw bad("missing hd_path");
    if (f.backend === "test" && typeof f.mnemonic !== "string") throw bad("missing mnemonic");
    if (f.backend === "file" && (typeof f.crypto !== "object" || f.crypto === null))
      throw bad("missing crypto section");
    return f;
  }

  private writeNew(name: string, content: string): void {
    const final = this.pathOf(name);
    const tmp = join(this.dir, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      const buf = Buffer.from(content, "utf8");
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, final); // fails with EEXIST instead of replacing: no race between two adds
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") {
        throw new KeyExistsError(`a key named ${JSON.stringify(name)} already exists in ${this.dir}`);
      }
      throw e;
    } finally {
      unlinkSync(tmp);
    }
    try {
      const dfd = openSync(this.dir, "r");
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      // best effort: some platforms cannot fsync a directory
    }
  }

  private async askPassphrase(purpose: PassphraseRequest["purpose"], keyName: string): Promise<string> {
    if (!this.passphraseProvider) {
      throw new PassphraseRequiredError(
        `the ${this.backend} keyring backend needs a passphrase but none was provided`,
      );
    }
    return this.passphraseProvider({ purpose, keyName, keyringDir: this.dir });
  }

  /** Existing file-backend keys share one passphrase: a new key must use it too. */
  private async passphraseForNewKey(name: string): Promise<string> {
    if (this.passphrase !== undefined) return this.passphrase;
    const existing = this.list().find((k) => k.backend === "file");
    if (existing) {
      const passphrase = await this.askPassphrase("unlock", name);
      try {
        const ef = this.readFile(existing.name);
        await decryptSecret(ef.crypto!, passphrase, aadOf(ef));
      } catch (e) {
        if (e instanceof DecryptionError) {
          throw new WrongPassphraseError(
            `incorrect passphrase: it does not unlock the existing keys of ${this.dir} (all keys of a keyring share one passphrase)`,
          );
        }
        throw e;
      }
      this.passphrase = passphrase;
      return passphrase;
    }
    const passphrase = await this.askPassphrase("new", name);
    if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
      throw new KeyringError(
        `the keyring passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters long`,
      );
    }
    this.passphrase = passphrase;
    return passphrase;
  }

  private async decrypt(f: KeyFile): Promise<string> {
    const passphrase = this.passphrase ?? (await this.askPassphrase("unlock", f.name));
    try {
      const secret = await decryptSecret(f.crypto!, passphrase, aadOf(f));
      this.passphrase = passphrase;
      return secret;
    } catch (e) {
      if (e instanceof DecryptionError) {
        throw new WrongPassphraseError(`cannot decrypt key ${JSON.stringify(f.name)}: ${e.message}`);
      }
      throw e;
    }
  }
}
