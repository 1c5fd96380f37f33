import type { Context } from "../../chain/app/context.ts";
import type { AppModule } from "../../chain/app/module.ts";
import { iteratePrefix } from "../../chain/store/kv.ts";
import { authGenesisToJson, parseAuthGenesis } from "./genesis.ts";
import { ACCOUNT_PREFIX, AuthKeeper, decodeAccount } from "./keeper.ts";
import { authQueries } from "./query-server.ts";

/** x/auth: accounts, account numbers, sequences, params; the ante handler lives in ante.ts. */
export class AuthModule implements AppModule {
  readonly name = "auth";
  readonly storeKey = "auth";
  readonly keeper = new AuthKeeper();

  msgs() {
    return [];
  }

  queries() {
    return authQueries(this.keeper);
  }

  validateGenesis(state: unknown): void {
    parseAuthGenesis(state);
  }

  async initGenesis(ctx: Context, state: unknown): Promise<void> {
    const g = parseAuthGenesis(state);
    this.keeper.setParams(ctx, g.params);
    let next = 0n;
    for (const acc of g.accounts) {
      this.keeper.setAccount(ctx, acc);
      if (acc.base.accountNumber >= next) next = acc.base.accountNumber + 1n;
    }
    this.keeper.setNextAccountNumber(ctx, next);
  }

  /** Every account address in key order, for other modules' genesis export. */
  async *addresses(ctx: Context): AsyncIterable<string> {
    for await (const [, v] of iteratePrefix(ctx.kv(this.storeKey), ACCOUNT_PREFIX))
      yield decodeAccount(v).base.address;
  }

  async exportGenesis(ctx: Context): Promise<unknown> {
    const accounts = [];
    for await (const [, v] of iteratePrefix(ctx.kv(this.storeKey), ACCOUNT_PREFIX))
      accounts.push(decodeAccount(v));
    accounts.sort((a, b) => (a.base.accountNumber < b.base.accountNumber ? -1 : 1));
    return authGenesisToJson({ params: await this.keeper.getParams(ctx), accounts });
  }
}
