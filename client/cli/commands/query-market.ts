/** `cifer query market ...`: the cifer.market.v1 queries (assets, prices, grants, escrows, reviews, params). */
import type { Command } from "commander";
import { UsageError } from "../errors.ts";
import { parseTaskIdArg } from "../fl-options.ts";
import { formatTokens } from "../format.ts";
import { printFields, printTable } from "../io.ts";
import {
  ASSET_HEADERS,
  assetFields,
  assetJson,
  assetRow,
  ESCROW_HEADERS,
  escrowFields,
  escrowJson,
  escrowRow,
  GRANT_HEADERS,
  grantFields,
  grantRow,
  paramsFields,
  REVIEW_HEADERS,
  reviewerFields,
  reviewRow,
} from "../market-format.ts";
import { outputOf, parseAddressArg, parseNodeUrl, withClient, withExamples } from "../options.ts";
import { allPages, emit, type QueryFlags, withQueryOptions } from "../query-common.ts";
import {
  parseAssetIdArg,
  parseAssetKindArg,
  parseEscrowIdArg,
  parseEscrowStatusArg,
} from "./market-options.ts";

const ASSET_ARG = "asset id (a positive integer)";

const none = (what: string) => process.stdout.write(`no ${what}\n`);

export function registerMarketQueryCommands(query: Command): void {
  const market = query
    .command("market")
    .description("marketplace queries: assets, prices, access grants, escrows, reviews, params");
  withExamples(market, [
    "cifer query market assets --kind data",
    "cifer query market asset 1",
    "cifer query market access 1 cif1...",
  ]);

  const params = market
    .command("params")
    .description("the market module's parameters (fees, limits, windows, rewards)");
  withQueryOptions(params);
  withExamples(params, ["cifer query market params", "cifer query market params -o json"]);
  params.action(async (opts: QueryFlags) => {
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const p = await withClient(url, (c) => c.query.market.params());
    emit(
      format,
      () => ({ params: p }),
      () => printFields(paramsFields(p)),
    );
  });

  const asset = market
    .command("asset")
    .description("one asset: its content ($Data, $Portfolio or $Model), owner, listing and sales")
    .argument("<asset-id>", ASSET_ARG);
  withQueryOptions(asset);
  withExamples(asset, ["cifer query market asset 1", "cifer query market asset 1 -o json"]);
  asset.action(async (idArg: string, opts: QueryFlags) => {
    const id = parseAssetIdArg(idArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const a = await withClient(url, (c) => c.query.market.asset(id));
    emit(
      format,
      () => ({ asset: assetJson(a) }),
      () => printFields(assetFields(a)),
    );
  });

  const assets = market
    .command("assets")
    .description("every asset, or those of one kind and/or one owner")
    .option("--kind <kind>", "data, portfolio or model")
    .option("--owner <address>", "only this owner's assets (cif1...)");
  withQueryOptions(assets);
  withExamples(assets, [
    "cifer query market assets",
    "cifer query market assets --kind model",
    "cifer query market assets --kind data --owner cif1... -o json",
  ]);
  assets.action(async (opts: QueryFlags & { kind?: string; owner?: string }) => {
    const kind = parseAssetKindArg(opts.kind);
    const owner = opts.owner !== undefined ? parseAddressArg(opts.owner, "--owner address") : "";
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const all = await withClient(url, (c) =>
      allPages(async (key) => {
        const r = await c.query.market.assets(kind, owner, key);
        return { items: r.assets, nextKey: r.pagination?.nextKey };
      }),
    );
    emit(
      format,
      () => ({ assets: all.map(assetJson) }),
      () => (all.length === 0 ? none("assets") : printTable(ASSET_HEADERS, all.map(assetRow))),
    );
  });

  const price = market
    .command("price")
    .description("the price of a listed asset's next sale, and of the sale after it")
    .argument("<asset-id>", ASSET_ARG);
  withQueryOptions(price);
  withExamples(price, ["cifer query market price 1", "cifer query market price 1 -o json"]);
  price.action(async (idArg: string, opts: QueryFlags) => {
    const id = parseAssetIdArg(idArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const r = await withClient(url, (c) => c.query.market.price(id));
    emit(
      format,
      () => r,
      () =>
        printFields({
          asset: id.toString(),
          price: formatTokens(r.price || "0"),
          sales: r.sales.toString(),
          next_price: formatTokens(r.nextPrice || "0"),
        }),
    );
  });

  const access = market
    .command("access")
    .description(
      "whether an address holds a valid access grant on an asset now: the query a data owner's server makes (see client/README.md)",
    )
    .argument("<asset-id>", ASSET_ARG)
    .argument("<address>", "the requester's account address (cif1...)");
  withQueryOptions(access);
  withExamples(access, [
    "cifer query market access 1 cif1...",
    "cifer query market access 1 cif1... -o json",
  ]);
  access.action(async (idArg: string, addressArg: string, opts: QueryFlags) => {
    const id = parseAssetIdArg(idArg);
    const address = parseAddressArg(addressArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const r = await withClient(url, (c) => c.query.market.access(id, address));
    emit(
      format,
      () => r,
      () =>
        printFields({
          granted: r.granted ? "yes" : "no",
          at_height: r.height.toString(),
          ...(r.grant ? grantFields(r.grant) : { grant: "none" }),
        }),
    );
  });

  const grants = market
    .command("grants")
    .description("the access grants of one holder, or of one asset")
    .option("--holder <address>", "the grants this address holds (cif1...)")
    .option("--asset <id>", "the grants sold on this asset");
  withQueryOptions(grants);
  withExamples(grants, [
    "cifer query market grants --holder cif1...",
    "cifer query market grants --asset 1 -o json",
  ]);
  grants.action(async (opts: QueryFlags & { holder?: string; asset?: string }) => {
    if ((opts.holder === undefined) === (opts.asset === undefined))
      throw new UsageError("give exactly one of --holder ADDRESS and --asset ID");
    const filter =
      opts.holder !== undefined
        ? { holder: parseAddressArg(opts.holder, "--holder address") }
        : { assetId: parseAssetIdArg(opts.asset, "--asset") };
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const all = await withClient(url, (c) =>
      allPages(async (key) => {
        const r = await c.query.market.grants(filter, key);
        return { items: r.grants, nextKey: r.pagination?.nextKey };
      }),
    );
    emit(
      format,
      () => ({ grants: all }),
      () => (all.length === 0 ? none("grants") : printTable(GRANT_HEADERS, all.map(grantRow))),
    );
  });

  const escrow = market
    .command("escrow")
    .description(
      "one accuracy-threshold escrow: its committee, commits and reveals, median accuracy and outcome",
    )
    .argument("<escrow-id>", "escrow id (a positive integer)");
  withQueryOptions(escrow);
  withExamples(escrow, ["cifer query market escrow 1", "cifer query market escrow 1 -o json"]);
  escrow.action(async (idArg: string, opts: QueryFlags) => {
    const id = parseEscrowIdArg(idArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const e = await withClient(url, (c) => c.query.market.escrow(id));
    emit(
      format,
      () => ({ escrow: escrowJson(e) }),
      () => printFields(escrowFields(e)),
    );
  });

  const escrows = market
    .command("escrows")
    .description("every escrow, or those of one status")
    .option("--status <status>", "committing, revealing, passed, failed, released or refunded");
  withQueryOptions(escrows);
  withExamples(escrows, ["cifer query market escrows", "cifer query market escrows --status passed -o json"]);
  escrows.action(async (opts: QueryFlags & { status?: string }) => {
    const status = parseEscrowStatusArg(opts.status);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const all = await withClient(url, (c) =>
      allPages(async (key) => {
        const r = await c.query.market.escrows(status, key);
        return { items: r.escrows, nextKey: r.pagination?.nextKey };
      }),
    );
    emit(
      format,
      () => ({ escrows: all.map(escrowJson) }),
      () => (all.length === 0 ? none("escrows") : printTable(ESCROW_HEADERS, all.map(escrowRow))),
    );
  });

  const reviews = market
    .command("reviews")
    .description("the reviews of an asset, with their ratings and deposits")
    .argument("<asset-id>", ASSET_ARG);
  withQueryOptions(reviews);
  withExamples(reviews, ["cifer query market reviews 5", "cifer query market reviews 5 -o json"]);
  reviews.action(async (idArg: string, opts: QueryFlags) => {
    const id = parseAssetIdArg(idArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const all = await withClient(url, (c) =>
      allPages(async (key) => {
        const r = await c.query.market.reviews(id, key);
        return { items: r.reviews, nextKey: r.pagination?.nextKey };
      }),
    );
    emit(
      format,
      () => ({ reviews: all }),
      () => (all.length === 0 ? none("reviews") : printTable(REVIEW_HEADERS, all.map(reviewRow))),
    );
  });

  const reviewer = market
    .command("reviewer")
    .description("a reviewer's standing: reviews, helpful and unhelpful ratings, forfeited deposits, score")
    .argument("<address>", "the reviewer's address (cif1...)");
  withQueryOptions(reviewer);
  withExamples(reviewer, [
    "cifer query market reviewer cif1...",
    "cifer query market reviewer cif1... -o json",
  ]);
  reviewer.action(async (addressArg: string, opts: QueryFlags) => {
    const address = parseAddressArg(addressArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const s = await withClient(url, (c) => c.query.market.reviewer(address));
    emit(
      format,
      () => ({ stats: s ?? null }),
      () => (s ? printFields(reviewerFields(s)) : none(`reviews by ${address}`)),
    );
  });

  const modelOfTask = market
    .command("model-of-task")
    .description("the $Model minted from a finished FL task, if any")
    .argument("<task-id>", "FL task id (see 'cifer query fl tasks')");
  withQueryOptions(modelOfTask);
  withExamples(modelOfTask, [
    "cifer query market model-of-task 1",
    "cifer query market model-of-task 1 -o json",
  ]);
  modelOfTask.action(async (idArg: string, opts: QueryFlags) => {
    const taskId = parseTaskIdArg(idArg, "task id");
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const a = await withClient(url, (c) => c.query.market.modelOfTask(taskId));
    emit(
      format,
      () => ({ asset: a ? assetJson(a) : null }),
      () =>
        a
          ? printFields(assetFields(a))
          : process.stdout.write(
              `task ${taskId} has no $Model yet (its owner mints one with 'cifer market mint-model --task ${taskId}')\n`,
            ),
    );
  });
}
