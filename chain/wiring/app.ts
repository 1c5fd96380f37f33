import { App } from "../app/app.ts";
import { moduleAddress } from "../crypto/address.ts";
import type { KVReader } from "../store/kv.ts";
import type { GasPrice } from "../types/gas-price.ts";
import { FEE_COLLECTOR, newAnteHandler } from "../../modules/auth/ante.ts";
import { AuthModule } from "../../modules/auth/module.ts";
import { BankModule } from "../../modules/bank/module.ts";
import { DENOM, MODULE_ACCOUNTS } from "./genesis.ts";

export interface AppWiringOptions {
  chainId: string;
  committed: KVReader;
  minGasPrices: () => GasPrice[];
}

/**
 * The app wiring (the Cosmos SDK's app.go): the one place in chain/ that names modules. Order matters:
 * genesis and block hooks run in this order.
 */
export function createApp(o: AppWiringOptions): App {
  const auth = new AuthModule();
  const bank = new BankModule({
    auth: auth.keeper,
    blockedAddresses: [FEE_COLLECTOR, ...MODULE_ACCOUNTS.map((m) => m.name)].map(moduleAddress),
    listAccounts: (ctx) => auth.addresses(ctx),
  });
  const ante = newAnteHandler({
    auth: auth.keeper,
    bank: bank.keeper,
    minGasPrices: o.minGasPrices,
    chainId: o.chainId,
    feeDenom: DENOM,
  });
  return new App({ chainId: o.chainId, modules: [auth, bank], ante, committed: o.committed });
}
