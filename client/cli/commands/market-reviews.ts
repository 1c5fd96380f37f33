/** `cifer market review | rate`: reviews of assets by their buyers, and ratings of those reviews. */
import { type Command, Option } from "commander";
import { createdReviewId, msgRateReview, msgReview } from "../../market/msgs.ts";
import { CliError, UsageError } from "../errors.ts";
import { formatTokens } from "../format.ts";
import { assetKindName } from "../market-format.ts";
import { parseIntArg, withExamples } from "../options.ts";
import { prepareTx, sendTx, type TxFlags, withTxOptions } from "../tx-send.ts";
import { assetOf, checkTexts } from "./market-chain.ts";
import { parseAssetIdArg, parseCidArg, parseReviewIdArg } from "./market-options.ts";

export function registerMarketReviewCommands(market: Command): void {
  // ----- review -----------------------------------------------------------------------------------

  const review = market
    .command("review")
    .description(
      "review an asset you bought access to, against a deposit: returned once the review matures unless more raters found it unhelpful than helpful",
    )
    .argument("<asset-id>", "asset id (see 'cifer query market assets')")
    .addOption(new Option("--rating <1-5>", "your rating, 1 (poor) to 5 (excellent)").makeOptionMandatory())
    .option(
      "--examples-cid <cid>",
      "examples backing your review (bafkrei..., e.g. uploaded to a node's blob store)",
    )
    .option("--text <text>", "your review");
  withTxOptions(review, { from: true });
  withExamples(review, [
    "cifer market review 5 --rating 4 --text 'accurate on our ECG test set' --from bob",
    "cifer market review 5 --rating 2 --examples-cid bafkrei... --from bob --yes",
  ]);
  review.action(
    async (idArg: string, opts: TxFlags & { rating: string; examplesCid?: string; text?: string }) => {
      const assetId = parseAssetIdArg(idArg);
      const rating = parseIntArg(opts.rating, "--rating", 1, 5);
      const examplesCid =
        opts.examplesCid !== undefined ? parseCidArg(opts.examplesCid, "--examples-cid").cid : "";
      const text = opts.text ?? "";
      const prepared = prepareTx(opts, opts.from!);
      await sendTx(
        prepared,
        opts,
        async (client) => {
          const a = await assetOf(client, assetId);
          const p = await client.query.market.params();
          checkTexts([["--text", text]], p);
          const access = await client.query.market.access(assetId, prepared.key.address);
          if (!access.grant)
            throw new CliError(
              `${prepared.key.name} (${prepared.key.address}) never bought access to asset ${assetId}: only buyers review`,
            );
          return {
            messages: [msgReview({ reviewer: prepared.key.address, assetId, rating, examplesCid, text })],
            summary: [
              ["asset", `${assetId} (${assetKindName(a.kind)})`],
              ["rating", `${rating}/5`],
              ...(examplesCid ? ([["examples", examplesCid]] as Array<[string, string]>) : []),
              ...(text ? ([["text", text]] as Array<[string, string]>) : []),
              [
                "deposit",
                `${formatTokens(p.reviewDeposit || "0")}, held ${p.reviewLockBlocks} blocks, forfeited if raters find the review unhelpful`,
              ],
            ],
          };
        },
        (res) => ({ review_id: createdReviewId(res)?.toString() }),
      );
    },
  );

  // ----- rate -------------------------------------------------------------------------------------

  const rate = market
    .command("rate")
    .description(
      "rate someone's review as helpful or unhelpful: ratings decide its deposit and its author's reputation",
    )
    .argument("<review-id>", "review id (see 'cifer query market reviews ASSET')")
    .option("--helpful", "the review is helpful")
    .option("--unhelpful", "the review is unhelpful");
  withTxOptions(rate, { from: true });
  withExamples(rate, [
    "cifer market rate 3 --helpful --from carol",
    "cifer market rate 3 --unhelpful --from dave --yes",
  ]);
  rate.action(async (idArg: string, opts: TxFlags & { helpful?: boolean; unhelpful?: boolean }) => {
    const reviewId = parseReviewIdArg(idArg);
    if (opts.helpful === opts.unhelpful)
      throw new UsageError("give exactly one of --helpful and --unhelpful");
    const helpful = opts.helpful === true;
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(prepared, opts, {
      messages: [msgRateReview(prepared.key.address, reviewId, helpful)],
      summary: [
        ["review", reviewId.toString()],
        ["rating", helpful ? "helpful" : "unhelpful"],
      ],
    });
  });
}
