import { existsSync, readFileSync } from "node:fs";
import { ConsensusWal } from "../../chain/consensus/engine/wal.ts";
import type { WalEntry } from "../../chain/consensus/engine/types.ts";
import {
  DoubleSignError,
  type FilePrivValidator,
  type SignStep,
} from "../../chain/consensus/priv-validator.ts";
import { fromHex } from "../../chain/crypto/hash.ts";
import type { SimNodeSigner, SimWal } from "./node.ts";

/** The real FilePrivValidator in a simulated node; lastSignBytes read from its fsynced state file. */
export class FileSigner implements SimNodeSigner {
  refusals = 0;

  constructor(
    private readonly pv: FilePrivValidator,
    private readonly statePath: string,
  ) {}

  get address(): Uint8Array {
    return this.pv.address;
  }

  sign(height: bigint, round: number, step: SignStep, signBytes: Uint8Array): Uint8Array {
    try {
      return this.pv.sign(height, round, step, signBytes);
    } catch (e) {
      if (e instanceof DoubleSignError) this.refusals++;
      throw e;
    }
  }

  lastSignBytes(height: bigint, round: number, step: SignStep): Uint8Array | null {
    if (!existsSync(this.statePath)) return null;
    const s = JSON.parse(readFileSync(this.statePath, "utf8")) as Record<string, unknown>;
    if (
      s.height !== height.toString() ||
      s.round !== round ||
      s.step !== step ||
      typeof s.signbytes !== "string"
    )
      return null;
    return fromHex(s.signbytes);
  }
}

/** The real WAL file in a simulated node: a restart re-opens it, as a new process would. */
export class FileWal implements SimWal {
  private wal: ConsensusWal;

  constructor(private readonly path: string) {
    this.wal = ConsensusWal.open(path);
  }

  write(entry: WalEntry, sync: boolean): void {
    this.wal.write(entry, sync);
  }

  entries(): WalEntry[] {
    this.wal.close();
    this.wal = ConsensusWal.open(this.path);
    return [...this.wal.entries];
  }

  close(): void {
    this.wal.close();
  }
}
