/**
 * `cifer market ...`: the data and model marketplace. Data owners mint $Data (a dataset's hash; the
 * data never leaves them), curators bundle $Portfolios, model owners mint $Models (with the
 * provenance of the FL task that trained them), owners list assets on bonding curves, buyers buy
 * access (grants a data owner's server checks) or escrow a payment against an accuracy threshold,
 * and buyers review what they bought.
 */
import type { Command } from "commander";
import { withExamples } from "../options.ts";
import { registerMarketAssetCommands } from "./market-assets.ts";
import { registerMarketEscrowCommands } from "./market-escrow.ts";
import { registerMarketReviewCommands } from "./market-reviews.ts";
import { registerMarketSaleCommands } from "./market-sales.ts";

export function registerMarketCommands(program: Command): void {
  const market = program
    .command("market")
    .description(
      "data and model marketplace: mint $Data, $Portfolio and $Model NFTs, list them on bonding curves, buy access, escrow against an accuracy threshold, review",
    );
  withExamples(market, [
    "cifer market mint-data --file ./digits.csv --schema 'csv: 64 features, label 0-9' --license CC-BY-4.0 --from alice",
    "cifer market list 1 --curve linear --m 100000 --b 1CIF --from alice",
    "cifer market buy 1 --max-price 2CIF --from bob",
    "cifer market portfolio --item 1:0.5 --item 2:0.5 --curator-share 0.1 --from curator",
    "cifer market mint-model --task 1 --from owner",
    "cifer query market assets --kind data",
  ]);
  registerMarketAssetCommands(market);
  registerMarketSaleCommands(market);
  registerMarketEscrowCommands(market);
  registerMarketReviewCommands(market);
}
