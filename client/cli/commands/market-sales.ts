/** `cifer market list | delist | buy`: listings on a bonding curve, and buying access. */
import { type Command, Option } from "commander";
import { CurveKind } from "../../../modules/market/proto.ts";
import { boughtAccess, msgBuyAccess, msgDelistAsset, msgListAsset } from "../../market/msgs.ts";
import { CliError } from "../errors.ts";
import { formatTokens } from "../format.ts";
import { accessBlocksText, assetKindName, curveText } from "../market-format.ts";
import { parseIntArg, withExamples } from "../options.ts";
import { prepareTx, sendTx, type TxFlags, withTxOptions } from "../tx-send.ts";
import { assetOf, checkTexts, ownedAsset } from "./market-chain.ts";
import { type CurveFlags, parseAssetIdArg, parseCurveArgs, parseMaxPriceArg } from "./market-options.ts";

const ASSET_ARG = "asset id (see 'cifer query market assets')";

export function registerMarketSaleCommands(market: Command): void {
  // ----- list -------------------------------------------------------------------------------------

  const list = market
    .command("list")
    .description(
      "list your asset for sale on a bonding curve (or change its listing; the sales count stays): each sale pays the current price P(s), s = sales so far, and moves the curve up",
    )
    .argument("<asset-id>", ASSET_ARG)
    .addOption(
      new Option(
        "--curve <kind>",
        "linear: P(s) = m*s + b; power: P(s) = m*s^(NUM/DEN) + b (rounded down exactly)",
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--m <ucif>",
        "slope m: ucif (a bare integer) or an amount such as 0.5CIF",
      ).makeOptionMandatory(),
    )
    .addOption(new Option("--b <ucif>", "base price b: ucif or an amount such as 2CIF").makeOptionMandatory())
    .option("--exponent <num/den>", "power curves: the exponent as a fraction, e.g. 3/2 or 2")
    .addOption(
      new Option("--access-blocks <n>", "how long each grant lasts, in blocks; 0 = forever").default("0"),
    )
    .option("--licence <text>", "the licence terms every grant of this listing carries");
  withTxOptions(list, { from: true });
  withExamples(list, [
    "cifer market list 1 --curve linear --m 100000 --b 1CIF --from alice",
    "cifer market list 2 --curve power --m 1000 --b 500000 --exponent 3/2 --access-blocks 100000 --licence 'research use only' --from curator",
  ]);
  list.action(
    async (idArg: string, opts: TxFlags & CurveFlags & { accessBlocks: string; licence?: string }) => {
      const id = parseAssetIdArg(idArg);
      const curve = parseCurveArgs(opts);
      const accessBlocks = BigInt(
        parseIntArg(opts.accessBlocks, "--access-blocks", 0, Number.MAX_SAFE_INTEGER),
      );
      const licence = opts.licence ?? "";
      const prepared = prepareTx(opts, opts.from!);
      await sendTx(prepared, opts, async (client) => {
        const a = await ownedAsset(client, id, prepared.key);
        const p = await client.query.market.params();
        checkTexts([["--licence", licence]], p);
        if (BigInt(curve.b) > BigInt(p.maxPrice || "0"))
          throw new CliError(`--b ${curve.b} is above the chain's max price of ${p.maxPrice} ucif`);
        if (curve.kind === CurveKind.Power) {
          if (curve.exponentDen > p.maxExponentDen)
            throw new CliError(
              `--exponent ${curve.exponentNum}/${curve.exponentDen}: the chain accepts denominators up to ${p.maxExponentDen}`,
            );
          if (curve.exponentNum > p.maxExponent * curve.exponentDen)
            throw new CliError(
              `--exponent ${curve.exponentNum}/${curve.exponentDen} is above the chain's maximum exponent of ${p.maxExponent}`,
            );
        }
        return {
          messages: [
            msgListAsset({ owner: prepared.key.address, assetId: id, curve, accessBlocks, licence }),
          ],
          summary: [
            [
              "asset",
              `${id} (${assetKindName(a.kind)})${a.listing ? `, ${a.listing.sales} sales so far` : ""}`,
            ],
            ["curve", curveText(curve)],
            ["access", accessBlocksText(accessBlocks)],
            ["licence", licence || "(none)"],
          ],
        };
      });
    },
  );

  // ----- delist -----------------------------------------------------------------------------------

  const delist = market
    .command("delist")
    .description("stop selling access to your asset (grants already sold stay valid)")
    .argument("<asset-id>", ASSET_ARG);
  withTxOptions(delist, { from: true });
  withExamples(delist, ["cifer market delist 1 --from alice"]);
  delist.action(async (idArg: string, opts: TxFlags) => {
    const id = parseAssetIdArg(idArg);
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(prepared, opts, async (client) => {
      const a = await ownedAsset(client, id, prepared.key);
      if (!a.listing?.active) throw new CliError(`asset ${id} is not listed`);
      return {
        messages: [msgDelistAsset(prepared.key.address, id)],
        summary: [["asset", `${id} (${assetKindName(a.kind)}, ${a.listing.sales} sales)`]],
      };
    });
  });

  // ----- buy --------------------------------------------------------------------------------------

  const buy = market
    .command("buy")
    .description(
      "buy access to a listed asset at its current price: the chain refuses the purchase if the price went above --max-price; prints the grant id and the price paid",
    )
    .argument("<asset-id>", ASSET_ARG)
    .addOption(
      new Option(
        "--max-price <amount>",
        "the most you pay (slippage guard): 5CIF or 5000000ucif; see 'cifer query market price ID'",
      ).makeOptionMandatory(),
    );
  withTxOptions(buy, { from: true });
  withExamples(buy, [
    "cifer market buy 1 --max-price 2CIF --from bob",
    "cifer market buy 4 --max-price 1500000ucif --from bob --yes -o json",
  ]);
  buy.action(async (idArg: string, opts: TxFlags & { maxPrice: string }) => {
    const id = parseAssetIdArg(idArg);
    const maxPrice = parseMaxPriceArg(opts.maxPrice);
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(
      prepared,
      opts,
      async (client) => {
        const a = await assetOf(client, id);
        if (a.owner === prepared.key.address) throw new CliError(`you own asset ${id}: nothing to buy`);
        if (!a.listing?.active) throw new CliError(`asset ${id} is not listed for sale`);
        const { price } = await client.query.market.price(id);
        if (BigInt(price) > maxPrice)
          throw new CliError(
            `asset ${id} costs ${formatTokens(price)} now, above --max-price ${formatTokens(maxPrice)}`,
          );
        return {
          messages: [msgBuyAccess(prepared.key.address, id, maxPrice)],
          summary: [
            ["asset", `${id} (${assetKindName(a.kind)}, owner ${a.owner})`],
            ["price now", formatTokens(price)],
            ["max price", formatTokens(maxPrice)],
            ["access", accessBlocksText(a.listing.accessBlocks)],
            ["licence", a.listing.licence || "(none)"],
          ],
        };
      },
      (res) => {
        const bought = boughtAccess(res);
        return bought ? { grant_id: bought.grantId.toString(), price_paid: `${bought.price}ucif` } : {};
      },
    );
  });
}
