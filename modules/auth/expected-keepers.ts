import type { Context } from "../../chain/app/context.ts";
import type { Coin64 } from "../../chain/types/coins.ts";

/** What the ante handler needs from the bank module (the SDK's expected_keepers.go). */
export interface FeeBankKeeper {
  sendCoinsFromAccountToModule(ctx: Context, from: string, module: string, coins: Coin64[]): Promise<void>;
}
