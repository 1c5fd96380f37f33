import { SdkCode, sdkError } from "./errors.ts";

/** Gas accounting for one tx (or one query). Infinite meters are used for block hooks and simulation. */
export class GasMeter {
  private used = 0n;

  constructor(readonly limit: bigint | null) {}

  static infinite(): GasMeter {
    return new GasMeter(null);
  }

  consume(amount: bigint, descriptor: string): void {
    this.used += amount;
    if (this.limit !== null && this.used > this.limit) {
      throw sdkError(
        SdkCode.OutOfGas,
        `out of gas in location: ${descriptor}; gasWanted: ${this.limit}, gasUsed: ${this.used}`,
      );
    }
  }

  get consumed(): bigint {
    return this.used;
  }
}
