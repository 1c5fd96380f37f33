import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { AppModule } from "../../chain/app/module.ts";
import { arr, obj, str } from "../../chain/types/json.ts";

/**
 * x/genutil: the genesis transactions (gentxs) that create the first validators, delivered by the
 * app after every module's genesis. Each is a signed TxRaw in base64 (the SDK keeps them as JSON
 * txs; the bytes are what is signed either way, and base64 needs no JSON codec for every message).
 */
export class GenutilModule implements AppModule {
  readonly name = "genutil";
  readonly storeKey = "genutil";

  msgs() {
    return [];
  }

  queries() {
    return [];
  }

  validateGenesis(state: unknown): void {
    this.genesisTxs(state);
  }

  genesisTxs(state: unknown): Uint8Array[] {
    const g = obj(state ?? {}, "genutil");
    return arr(g.gen_txs ?? [], "genutil.gen_txs").map((t, i) => {
      const s = str(t, `genutil.gen_txs[${i}]`);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new Error(`genutil.gen_txs[${i}]: not base64`);
      const bytes = new Uint8Array(Buffer.from(s, "base64"));
      try {
        TxRaw.decode(bytes);
      } catch (e) {
        throw new Error(`genutil.gen_txs[${i}]: not a TxRaw: ${(e as Error).message}`);
      }
      return bytes;
    });
  }

  async initGenesis(): Promise<void> {}

  async exportGenesis(): Promise<unknown> {
    // A running chain's validators live in staking; its gentxs have done their work.
    return { gen_txs: [] };
  }
}
