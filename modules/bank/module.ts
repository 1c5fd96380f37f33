import type { Context } from "../../chain/app/context.ts";
import type { AppModule } from "../../chain/app/module.ts";
import { bankGenesisToJson, parseBankGenesis } from "./genesis.ts";
import { type BankAuth, BankKeeper, decodeAmount, SUPPLY_PREFIX, METADATA_PREFIX } from "./keeper.ts";
import { msgMultiSendDef, msgSendDef } from "./msg-server.ts";
import { bankQueries } from "./query-server.ts";
import { iteratePrefix } from "../../chain/store/kv.ts";
import { fromUtf8 } from "../../chain/crypto/hash.ts";
import { Metadata } from "cosmjs-types/cosmos/bank/v1beta1/bank";

export interface BankModuleDeps {
  auth: BankAuth;
  /** Module account addresses: they may not receive funds through messages. */
  blockedAddresses: string[];
  /** Every account address, for genesis export of balances. */
  listAccounts(ctx: Context): AsyncIterable<string>;
  /** A supply that nothing may change (no mint, no burn): checked as an invariant. */
  fixedSupply?: { denom: string; amount: bigint };
}

/** x/bank: balances, transfers, supply and denom metadata. */
export class BankModule implements AppModule {
  readonly name = "bank";
  readonly storeKey = "bank";
  readonly keeper: BankKeeper;

  constructor(private readonly deps: BankModuleDeps) {
    this.keeper = new BankKeeper(deps.auth, new Set(deps.blockedAddresses));
  }

  msgs() {
    return [msgSendDef(this.keeper), msgMultiSendDef(this.keeper)] as never[];
  }

  queries() {
    return bankQueries(this.keeper);
  }

  validateGenesis(state: unknown): void {
    parseBankGenesis(state);
  }

  async initGenesis(ctx: Context, state: unknown): Promise<void> {
    const g = parseBankGenesis(state);
    this.keeper.setParams(ctx, g.params);
    for (const b of g.balances) if (b.coins.length > 0) await this.keeper.addCoins(ctx, b.address, b.coins);
    for (const c of g.supply) this.keeper.setSupply(ctx, c.denom, c.amount);
    for (const m of g.denomMetadata) this.keeper.setDenomMetadata(ctx, m);
  }

  /** Supply equals the sum of balances, per denom; a fixed supply never moves. */
  async invariants(ctx: Context): Promise<string[]> {
    const broken: string[] = [];
    const sums = await this.keeper.sumBalances(ctx);
    const supply = new Map<string, bigint>();
    for await (const [k, v] of iteratePrefix(ctx.kv(this.storeKey), SUPPLY_PREFIX))
      supply.set(fromUtf8(k.subarray(SUPPLY_PREFIX.length)), decodeAmount(v));
    for (const denom of new Set([...sums.keys(), ...supply.keys()])) {
      const s = supply.get(denom) ?? 0n;
      const b = sums.get(denom) ?? 0n;
      if (s !== b) broken.push(`supply of ${denom} is ${s} but balances add up to ${b}`);
    }
    const fixed = this.deps.fixedSupply;
    if (fixed && (supply.get(fixed.denom) ?? 0n) !== fixed.amount)
      broken.push(
        `supply of ${fixed.denom} is ${supply.get(fixed.denom) ?? 0n}, not the fixed ${fixed.amount}`,
      );
    return broken;
  }

  async exportGenesis(ctx: Context): Promise<unknown> {
    const balances = [];
    for await (const address of this.deps.listAccounts(ctx)) {
      const coins = await this.keeper.getAllBalances(ctx, address);
      if (coins.length > 0) balances.push({ address, coins });
    }
    balances.sort((a, b) => (a.address < b.address ? -1 : 1));
    const supply = [];
    for await (const [k, v] of iteratePrefix(ctx.kv(this.storeKey), SUPPLY_PREFIX)) {
      supply.push({ denom: fromUtf8(k.subarray(SUPPLY_PREFIX.length)), amount: decodeAmount(v) });
    }
    const denomMetadata = [];
    for await (const [, v] of iteratePrefix(ctx.kv(this.storeKey), METADATA_PREFIX))
      denomMetadata.push(Metadata.decode(v));
    return bankGenesisToJson({ params: await this.keeper.getParams(ctx), balances, supply, denomMetadata });
  }
}
