import { type Ed25519Key, ed25519Address, signEd25519 } from "../../chain/crypto/ed25519.ts";
import { checkSignRequest, type SignStep } from "../../chain/consensus/priv-validator.ts";
import type { ConsensusSigner } from "../../chain/consensus/engine/types.ts";

/**
 * The simulator's validator signer: FilePrivValidator's rules (refuse to sign below or differently
 * at the last height/round/step signed) with its state in memory, which survives a simulated crash
 * as the fsynced file would. A byzantine node's signer has no such guard.
 */
export class SimSigner implements ConsensusSigner {
  readonly address: Uint8Array;
  private last: {
    height: bigint;
    round: number;
    step: number;
    signBytes: Uint8Array;
    signature: Uint8Array;
  } = {
    height: 0n,
    round: 0,
    step: 0,
    signBytes: new Uint8Array(),
    signature: new Uint8Array(),
  };
  /** Requests refused because they would have double-signed. */
  refusals = 0;

  constructor(
    readonly key: Ed25519Key,
    readonly guarded: boolean,
  ) {
    this.address = ed25519Address(key.pubkey);
  }

  lastSignBytes(height: bigint, round: number, step: SignStep): Uint8Array | null {
    const l = this.last;
    return l.height === height && l.round === round && l.step === step ? l.signBytes : null;
  }

  sign(height: bigint, round: number, step: SignStep, signBytes: Uint8Array): Uint8Array {
    if (!this.guarded) return signEd25519(this.key, signBytes);
    let again: Uint8Array | null;
    try {
      again = checkSignRequest(this.last, height, round, step, signBytes);
    } catch (e) {
      this.refusals++;
      throw e;
    }
    if (again) return again;
    const signature = signEd25519(this.key, signBytes);
    this.last = { height, round, step, signBytes, signature };
    return signature;
  }
}
