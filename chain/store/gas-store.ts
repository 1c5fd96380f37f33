import type { GasMeter } from "../app/gas.ts";
import type { Entry, KVStore } from "./kv.ts";

/** Storage gas costs: the Cosmos SDK's KVGasConfig, so CosmJS gas estimates behave as on any Cosmos chain. */
export const KV_GAS = {
  hasCost: 1000n,
  deleteCost: 1000n,
  readCostFlat: 1000n,
  readCostPerByte: 3n,
  writeCostFlat: 2000n,
  writeCostPerByte: 30n,
  iterNextCostFlat: 30n,
} as const;

export class GasStore implements KVStore {
  constructor(
    private readonly inner: KVStore,
    private readonly gas: GasMeter,
  ) {}

  async get(key: Uint8Array) {
    this.gas.consume(KV_GAS.readCostFlat, "ReadFlat");
    this.gas.consume(KV_GAS.readCostPerByte * BigInt(key.length), "ReadPerByte");
    const value = await this.inner.get(key);
    if (value) this.gas.consume(KV_GAS.readCostPerByte * BigInt(value.length), "ReadPerByte");
    return value;
  }

  set(key: Uint8Array, value: Uint8Array) {
    this.gas.consume(KV_GAS.writeCostFlat, "WriteFlat");
    this.gas.consume(KV_GAS.writeCostPerByte * BigInt(key.length + value.length), "WritePerByte");
    this.inner.set(key, value);
  }

  delete(key: Uint8Array) {
    this.gas.consume(KV_GAS.deleteCost, "Delete");
    this.inner.delete(key);
  }

  async *iterate(start: Uint8Array, end: Uint8Array | undefined, reverse = false): AsyncIterable<Entry> {
    for await (const [k, v] of this.inner.iterate(start, end, reverse)) {
      this.gas.consume(KV_GAS.iterNextCostFlat, "IterNextFlat");
      this.gas.consume(KV_GAS.readCostPerByte * BigInt(k.length + v.length), "ValuePerByte");
      yield [k, v];
    }
  }
}
