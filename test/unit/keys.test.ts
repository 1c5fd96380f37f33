import assert from "node:assert/strict";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { DEV_MNEMONIC, devAccounts } from "../../chain/wiring/genesis.ts";
import {
  cosmosHdPath,
  generateMnemonic,
  InsecurePermissionsError,
  InvalidKeyNameError,
  KeyExistsError,
  KeyNotFoundError,
  Keyring,
  KeyringError,
  normalizeMnemonic,
  PassphraseRequiredError,
  WrongPassphraseError,
} from "../../client/keys/index.ts";

const posix = process.platform !== "win32";
/** Cheap scrypt for tests; the default (2^17) is exercised once below. */
const FAST_SCRYPT = { n: 2 ** 12, r: 8, p: 1 };
const PASS = "correct horse battery staple";
const mode = (p: string) => statSync(p).mode & 0o777;

let root: string;
let n = 0;
const freshDir = () => join(root, `kr-${n++}`);
const testKeyring = (dir = freshDir()) => new Keyring({ dir, backend: "test" });
const fileKeyring = (dir: string, passphrase: string | undefined, scrypt = FAST_SCRYPT) =>
  new Keyring({
    dir,
    backend: "file",
    scrypt,
    ...(passphrase !== undefined ? { passphrase: async () => passphrase } : {}),
  });

before(() => {
  root = mkdtempSync(join(tmpdir(), "cifer-keys-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("HD derivation and mnemonics", () => {
  test("the dev mnemonic at index 0 derives the same address as DirectSecp256k1HdWallet (prefix cif)", async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, { prefix: "cif" });
    const [expected] = await wallet.getAccounts();
    const kr = testKeyring();
    const { info } = await kr.add("dev0", { mnemonic: DEV_MNEMONIC });
    assert.equal(info.address, expected!.address);
    assert.equal(info.hdPath, "m/44'/118'/0'/0/0");
    assert.equal(info.pubkey.key, Buffer.from(expected!.pubkey).toString("base64"));
    assert.equal(info.address, (await devAccounts(1))[0]!.address);
  });

  test("--index selects m/44'/118'/0'/0/i, matching the genesis dev accounts", async () => {
    const devs = await devAccounts(3);
    const kr = testKeyring();
    for (const d of devs) {
      const { info } = await kr.add(`dev${d.index}`, { mnemonic: DEV_MNEMONIC, index: d.index });
      assert.equal(info.address, d.address);
      assert.equal(info.hdPath, d.hdPath);
    }
    assert.equal(cosmosHdPath(2, 7), "m/44'/118'/2'/0/7");
    assert.throws(() => cosmosHdPath(0, 2 ** 31));
    assert.throws(() => cosmosHdPath(-1, 0));
  });

  test("the example uses the genesis dev mnemonic", () => {
    const example = readFileSync(join(import.meta.dirname, "..", "..", "examples", "send-tokens.ts"), "utf8");
    assert.ok(example.includes(`"${DEV_MNEMONIC}"`));
  });

  test("new mnemonics are 24 valid words, different each time", () => {
    const a = generateMnemonic();
    const b = generateMnemonic();
    assert.equal(a.split(" ").length, 24);
    assert.equal(normalizeMnemonic(a), a);
    assert.notEqual(a, b);
  });

  test("mnemonics are normalized and checked (words, count, checksum)", () => {
    assert.equal(
      normalizeMnemonic(`  ${DEV_MNEMONIC.toUpperCase().replaceAll(" ", "\n\t ")}\n`),
      DEV_MNEMONIC,
    );
    assert.throws(() => normalizeMnemonic(""), /empty mnemonic/);
    assert.throws(() => normalizeMnemonic("economy stock theory"), /12, 15, 18, 21 or 24 words/);
    assert.throws(
      () => normalizeMnemonic(DEV_MNEMONIC.replace("economy", "economyx")),
      /not a BIP39 English word/,
    );
    const words = DEV_MNEMONIC.split(" ");
    [words[0], words[1]] = [words[1]!, words[0]!];
    assert.throws(() => normalizeMnemonic(words.join(" ")), /invalid mnemonic/i);
  });
});

describe("test backend", () => {
  test("add, list, show, import, delete", async () => {
    const dir = freshDir();
    const kr = testKeyring(dir);
    assert.deepEqual(kr.list(), []);
    const { info: alice, mnemonic } = await kr.add("alice");
    assert.equal(mnemonic.split(" ").length, 24);
    assert.match(alice.address, /^cif1[02-9ac-hj-np-z]{38}$/);
    assert.equal(alice.backend, "test");

    // recovering the mnemonic elsewhere gives the same key
    const other = testKeyring();
    assert.equal((await other.add("alice-copy", { mnemonic })).info.address, alice.address);

    await kr.add("bob", { mnemonic: DEV_MNEMONIC, index: 1 });
    assert.deepEqual(
      kr.list().map((k) => k.name),
      ["alice", "bob"],
    );
    assert.deepEqual(kr.show("alice"), alice);
    assert.equal(kr.findByAddress(alice.address)?.name, "alice");
    assert.equal(kr.findByAddress("cif1nothing"), undefined);

    const wallet = await kr.signer("alice");
    assert.equal((await wallet.getAccounts())[0]!.address, alice.address);
    assert.equal(await kr.exportMnemonic("alice"), mnemonic);

    kr.delete("alice");
    assert.throws(() => kr.show("alice"), KeyNotFoundError);
    assert.throws(() => kr.delete("alice"), KeyNotFoundError);
    assert.deepEqual(
      kr.list().map((k) => k.name),
      ["bob"],
    );
  });

  test("directory is 0700 and key files are 0600, whatever the umask", { skip: !posix }, async () => {
    const old = process.umask(0o000);
    try {
      const dir = join(freshDir(), "nested");
      const kr = testKeyring(dir);
      await kr.add("k");
      assert.equal(mode(dir), 0o700);
      assert.equal(mode(join(dir, "k.key.json")), 0o600);
    } finally {
      process.umask(old);
    }
  });

  test("duplicate names are refused and nothing is overwritten", async () => {
    const kr = testKeyring();
    const { info } = await kr.add("dup");
    await assert.rejects(kr.add("dup"), KeyExistsError);
    await assert.rejects(kr.add("dup", { mnemonic: DEV_MNEMONIC }), /already exists/);
    assert.equal(kr.show("dup").address, info.address);
  });

  test("key names are validated", async () => {
    const kr = testKeyring();
    for (const bad of ["", "a b", "../x", "x/y", "é", "a".repeat(65), "name\n"]) {
      await assert.rejects(kr.add(bad), InvalidKeyNameError, JSON.stringify(bad));
      assert.throws(() => kr.show(bad), InvalidKeyNameError);
    }
    for (const good of ["a", "A-b_c.d", "a".repeat(64)]) await kr.add(good);
  });

  test("invalid mnemonics and HD paths are refused before writing anything", async () => {
    const kr = testKeyring();
    await assert.rejects(kr.add("m", { mnemonic: "not a mnemonic" }), /mnemonic/);
    await assert.rejects(kr.add("m", { hdPath: "m/44'/x" }), /invalid HD path/);
    await assert.rejects(kr.add("m", { index: -1 }), /HD index/);
    assert.deepEqual(kr.list(), []);
  });

  test("a group/world-readable key file is refused, as ssh does", { skip: !posix }, async () => {
    const dir = freshDir();
    const kr = testKeyring(dir);
    await kr.add("open");
    const p = join(dir, "open.key.json");
    chmodSync(p, 0o644);
    assert.throws(
      () => kr.show("open"),
      (e: Error) => e instanceof InsecurePermissionsError && /0644.*too open.*chmod 600/.test(e.message),
    );
    assert.throws(() => kr.list(), InsecurePermissionsError);
    await assert.rejects(kr.signer("open"), InsecurePermissionsError);
    chmodSync(p, 0o640);
    assert.throws(() => kr.show("open"), InsecurePermissionsError);
    chmodSync(p, 0o600);
    assert.equal(kr.show("open").name, "open");
    // deleting an exposed key is still possible
    chmodSync(p, 0o666);
    kr.delete("open");
  });

  test("a group/world-writable keyring directory is refused", { skip: !posix }, async () => {
    const dir = freshDir();
    const kr = testKeyring(dir);
    await kr.add("k");
    chmodSync(dir, 0o777);
    assert.throws(
      () => kr.list(),
      (e: Error) => e instanceof InsecurePermissionsError && /chmod 700/.test(e.message),
    );
    await assert.rejects(kr.add("k2"), InsecurePermissionsError);
    chmodSync(dir, 0o700);
    assert.equal(kr.list().length, 1);
  });

  test("symbolic links and corrupted files are refused", { skip: !posix }, async () => {
    const dir = freshDir();
    const kr = testKeyring(dir);
    const { info } = await kr.add("real");
    symlinkSync(join(dir, "real.key.json"), join(dir, "link.key.json"));
    assert.throws(() => kr.show("link"), /symbolic link/);
    rmSync(join(dir, "link.key.json"));

    writeFileSync(join(dir, "junk.key.json"), "{not json", { mode: 0o600 });
    assert.throws(() => kr.show("junk"), /not valid JSON/);
    rmSync(join(dir, "junk.key.json"));

    // a file renamed to another key name is not silently used under the wrong name
    const text = readFileSync(join(dir, "real.key.json"), "utf8");
    writeFileSync(join(dir, "renamed.key.json"), text, { mode: 0o600 });
    assert.throws(() => kr.show("renamed"), /holds key "real"/);
    rmSync(join(dir, "renamed.key.json"));

    // an edited address is detected before signing
    const f = JSON.parse(text);
    f.address = (await devAccounts(1))[0]!.address;
    writeFileSync(join(dir, "real.key.json"), JSON.stringify(f), { mode: 0o600 });
    await assert.rejects(kr.signer("real"), /corrupted/);
    assert.notEqual(f.address, info.address);
  });

  test("keys of one backend are not used by the other", async () => {
    const dir = freshDir();
    await testKeyring(dir).add("t");
    assert.throws(() => fileKeyring(dir, PASS).show("t"), /belongs to the test keyring backend/);
  });

  test("unknown backends are refused", () => {
    assert.throws(
      () => new Keyring({ dir: freshDir(), backend: "os" as never }),
      /unsupported keyring backend "os"/,
    );
  });
});

describe("file backend", () => {
  test("round trip: the mnemonic is encrypted on disk and decrypts with the passphrase", async () => {
    const dir = freshDir();
    const kr = fileKeyring(dir, PASS);
    const { info, mnemonic } = await kr.add("enc", { mnemonic: DEV_MNEMONIC });
    const raw = readFileSync(join(dir, "enc.key.json"), "utf8");
    assert.ok(!raw.includes("economy"), "no plaintext mnemonic on disk");
    const f = JSON.parse(raw);
    assert.equal(f.crypto.cipher, "aes-256-gcm");
    assert.equal(f.crypto.kdf, "scrypt");
    assert.equal(f.mnemonic, undefined);

    // list/show need no passphrase
    const locked = fileKeyring(dir, undefined);
    assert.equal(locked.show("enc").address, info.address);
    await assert.rejects(locked.signer("enc"), PassphraseRequiredError);

    const reopened = fileKeyring(dir, PASS);
    assert.equal(await reopened.exportMnemonic("enc"), mnemonic);
    const wallet = await reopened.signer("enc");
    assert.equal((await wallet.getAccounts())[0]!.address, info.address);
  });

  test("a wrong passphrase is a clear error", async () => {
    const dir = freshDir();
    await fileKeyring(dir, PASS).add("enc");
    const wrong = fileKeyring(dir, "not the passphrase");
    await assert.rejects(
      wrong.signer("enc"),
      (e: Error) => e instanceof WrongPassphraseError && /incorrect passphrase/.test(e.message),
    );
    // and a new key cannot be added under another passphrase
    await assert.rejects(
      wrong.add("second"),
      (e: Error) => e instanceof WrongPassphraseError && /share one passphrase/.test(e.message),
    );
    await fileKeyring(dir, PASS).add("second");
    assert.equal(fileKeyring(dir, PASS).list().length, 2);
  });

  test("tampering with the cleartext metadata makes decryption fail", async () => {
    const dir = freshDir();
    await fileKeyring(dir, PASS).add("enc", { mnemonic: DEV_MNEMONIC });
    const p = join(dir, "enc.key.json");
    const f = JSON.parse(readFileSync(p, "utf8"));
    f.hd_path = "m/44'/118'/0'/0/1";
    writeFileSync(p, JSON.stringify(f), { mode: 0o600 });
    await assert.rejects(fileKeyring(dir, PASS).signer("enc"), WrongPassphraseError);
  });

  test("a new keyring passphrase must be at least 8 characters", async () => {
    await assert.rejects(fileKeyring(freshDir(), "short").add("k"), /at least 8 characters/);
  });

  test("default scrypt parameters (2^17) round trip", async () => {
    const dir = freshDir();
    const kr = new Keyring({ dir, backend: "file", passphrase: async () => PASS });
    const { mnemonic } = await kr.add("strong");
    assert.equal(JSON.parse(readFileSync(join(dir, "strong.key.json"), "utf8")).crypto.kdfparams.n, 2 ** 17);
    assert.equal(
      await new Keyring({ dir, backend: "file", passphrase: async () => PASS }).exportMnemonic("strong"),
      mnemonic,
    );
  });

  test("absurd scrypt parameters in a file are refused instead of allocating", async () => {
    const dir = freshDir();
    await fileKeyring(dir, PASS).add("enc");
    const p = join(dir, "enc.key.json");
    const f = JSON.parse(readFileSync(p, "utf8"));
    f.crypto.kdfparams.n = 2 ** 30;
    writeFileSync(p, JSON.stringify(f), { mode: 0o600 });
    await assert.rejects(fileKeyring(dir, PASS).signer("enc"), /unsupported scrypt parameters/);
  });
});

test("errors are KeyringErrors", () => {
  const dir = freshDir();
  mkdirSync(dir, { mode: 0o700 });
  assert.throws(() => testKeyring(dir).show("missing"), KeyringError);
});
