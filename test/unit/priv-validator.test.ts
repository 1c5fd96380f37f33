import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  createEd25519KeyFile,
  DoubleSignError,
  FilePrivValidator,
  loadEd25519KeyFile,
  SignStep,
} from "../../chain/consensus/priv-validator.ts";
import { verifyEd25519 } from "../../chain/crypto/ed25519.ts";
import { utf8 } from "../../chain/crypto/hash.ts";

const dir = mkdtempSync(join(tmpdir(), "cifer-pv-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a restarted validator re-signs identical bytes but never conflicting ones", () => {
  const key = createEd25519KeyFile(join(dir, "key.json"));
  const state = join(dir, "state.json");
  const pv = new FilePrivValidator(key, state);
  const sig = pv.sign(5n, 0, SignStep.Precommit, utf8("block A at 5"));
  assert.ok(verifyEd25519(key.pubkey, utf8("block A at 5"), sig));

  // A new instance reads the fsynced last-sign state, as after a crash.
  const restarted = new FilePrivValidator(loadEd25519KeyFile(join(dir, "key.json")), state);
  assert.deepEqual(restarted.sign(5n, 0, SignStep.Precommit, utf8("block A at 5")), sig);
  assert.throws(() => restarted.sign(5n, 0, SignStep.Precommit, utf8("block B at 5")), DoubleSignError);
  assert.throws(() => restarted.sign(4n, 3, SignStep.Precommit, utf8("older height")), DoubleSignError);
  assert.throws(() => restarted.sign(5n, 0, SignStep.Prevote, utf8("earlier step")), DoubleSignError);
  assert.ok(restarted.sign(6n, 0, SignStep.Precommit, utf8("block at 6")).length === 64);
});

test("a key file readable by others is refused", () => {
  const path = join(dir, "open.json");
  createEd25519KeyFile(path);
  chmodSync(path, 0o644);
  assert.throws(() => loadEd25519KeyFile(path), /readable by group or others/);
});
