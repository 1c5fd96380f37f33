import { existsSync, readFileSync, statSync } from "node:fs";
import {
  ed25519Address,
  ed25519FromSeed,
  type Ed25519Key,
  generateEd25519,
  signEd25519,
} from "../crypto/ed25519.ts";
import { bytesEqual, fromBase64, fromHex, toBase64, toHexUpper } from "../crypto/hash.ts";
import { obj, str, uint } from "../types/json.ts";
import { failPoint } from "../util/fail-point.ts";
import { writeFileAtomicSync } from "../util/fs.ts";

/** Steps of a height/round, ordered as CometBFT's FilePV orders them. */
export enum SignStep {
  None = 0,
  Propose = 1,
  Prevote = 2,
  Precommit = 3,
}

export class DoubleSignError extends Error {}

interface LastSignState {
  height: bigint;
  round: number;
  step: SignStep;
  signBytes: Uint8Array;
  signature: Uint8Array;
}

/** priv_validator_key.json in CometBFT's format, so operators' tooling recognises it. */
export function privValidatorKeyJson(key: Ed25519Key): string {
  const full = Buffer.concat([key.seed, key.pubkey]);
  return `${JSON.stringify(
    {
      address: toHexUpper(ed25519Address(key.pubkey)),
      pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(key.pubkey) },
      priv_key: { type: "tendermint/PrivKeyEd25519", value: toBase64(full) },
    },
    null,
    2,
  )}\n`;
}

export function loadEd25519KeyFile(path: string): Ed25519Key {
  const mode = statSync(path).mode & 0o077;
  if (mode !== 0)
    throw new Error(
      `${path} is readable by group or others (mode ${(statSync(path).mode & 0o777).toString(8)}); chmod 600 it`,
    );
  const j = obj(JSON.parse(readFileSync(path, "utf8")), path);
  const pk = obj(j.priv_key, `${path}: priv_key`);
  const raw = fromBase64(str(pk.value, `${path}: priv_key.value`));
  if (raw.length !== 64) throw new Error(`${path}: priv_key.value must be 64 bytes (seed || public key)`);
  const key = ed25519FromSeed(raw.subarray(0, 32));
  if (!bytesEqual(key.pubkey, raw.subarray(32)))
    throw new Error(`${path}: public key does not match the private key`);
  return key;
}

export function createEd25519KeyFile(path: string): Ed25519Key {
  const key = generateEd25519();
  writeFileAtomicSync(path, privValidatorKeyJson(key), 0o600);
  return key;
}

/**
 * The double-sign rule of a signer whose last signature is `last`: a request for an earlier
 * height/round/step, or for other bytes at the same one, throws DoubleSignError; the same bytes at
 * the same step return the signature given before; null means the request is new and may be signed.
 */
export function checkSignRequest(
  last: { height: bigint; round: number; step: SignStep; signBytes: Uint8Array; signature: Uint8Array },
  height: bigint,
  round: number,
  step: SignStep,
  signBytes: Uint8Array,
): Uint8Array | null {
  const cmp =
    height !== last.height
      ? height < last.height
        ? -1
        : 1
      : round !== last.round
        ? Math.sign(round - last.round)
        : Math.sign(step - last.step);
  if (cmp < 0) {
    throw new DoubleSignError(
      `refusing to sign ${height}/${round}/${step}: already signed ${last.height}/${last.round}/${last.step}`,
    );
  }
  if (cmp > 0) return null;
  if (bytesEqual(signBytes, last.signBytes)) return last.signature;
  throw new DoubleSignError(`refusing to sign conflicting data at ${height}/${round}/${step}`);
}

/**
 * The validator's signer with its last-sign state (CometBFT's FilePV). The state is fsynced BEFORE a
 * signature is returned, and a request to sign different bytes at a height/round/step already signed
 * is refused, so a restarted validator can never double-sign.
 */
export class FilePrivValidator {
  private last: LastSignState;

  constructor(
    readonly key: Ed25519Key,
    private readonly statePath: string,
  ) {
    this.last = existsSync(statePath)
      ? readState(statePath)
      : {
          height: 0n,
          round: 0,
          step: SignStep.None,
          signBytes: new Uint8Array(),
          signature: new Uint8Array(),
        };
  }

  get address(): Uint8Array {
    return ed25519Address(this.key.pubkey);
  }

  get lastSigned(): { height: bigint; round: number; step: SignStep } {
    return { height: this.last.height, round: this.last.round, step: this.last.step };
  }

  /** The bytes signed at exactly this height/round/step, if that was the last signature (WAL recovery). */
  lastSignBytes(height: bigint, round: number, step: SignStep): Uint8Array | null {
    const l = this.last;
    return l.height === height && l.round === round && l.step === step && l.signBytes.length > 0
      ? l.signBytes
      : null;
  }

  sign(height: bigint, round: number, step: SignStep, signBytes: Uint8Array): Uint8Array {
    const again = checkSignRequest(this.last, height, round, step, signBytes);
    if (again) return again;
    const signature = signEd25519(this.key, signBytes);
    const next = { height, round, step, signBytes, signature };
    writeFileAtomicSync(this.statePath, stateJson(next), 0o600);
    // The narrower window: the signature is on disk here but not yet in the consensus WAL, so a
    // restart can only re-create this vote from the state file (lastSignBytes).
    if (step !== SignStep.Propose)
      failPoint(step === SignStep.Precommit ? "precommit-after-sign" : "prevote-after-sign");
    this.last = next;
    return signature;
  }
}

function stateJson(s: LastSignState): string {
  return `${JSON.stringify(
    {
      height: s.height.toString(),
      round: s.round,
      step: s.step,
      signature: toBase64(s.signature),
      signbytes: toHexUpper(s.signBytes),
    },
    null,
    2,
  )}\n`;
}

function readState(path: string): LastSignState {
  const j = obj(JSON.parse(readFileSync(path, "utf8")), path);
  return {
    height: uint(j.height, `${path}: height`),
    round: Number(uint(j.round, `${path}: round`)),
    step: Number(uint(j.step, `${path}: step`)) as SignStep,
    signature: j.signature ? fromBase64(str(j.signature, `${path}: signature`)) : new Uint8Array(),
    signBytes: j.signbytes ? fromHex(str(j.signbytes, `${path}: signbytes`)) : new Uint8Array(),
  };
}
