/** `cifer market mint-data | transfer | disclose | portfolio | mint-model`: minting and managing assets. */
import { createHash } from "node:crypto";
import { type Command, Option } from "commander";
import { ChainError } from "../../../chain/app/errors.ts";
import { cidFromDigest } from "../../../modules/fl/cid.ts";
import { AssetKind, type Disclosure } from "../../../modules/market/proto.ts";
import {
  createdAssetId,
  msgCreatePortfolio,
  msgMintData,
  msgMintModel,
  msgTransferAsset,
  msgUpdateDisclosure,
} from "../../market/msgs.ts";
import { putBlob } from "../../fl/blobs.ts";
import { taskModelOf } from "../../market/provenance.ts";
import { CliError, UsageError } from "../errors.ts";
import { parseTaskIdArg } from "../fl-options.ts";
import { assetKindName, fractionText, shareText } from "../market-format.ts";
import { parseAddressArg, withExamples } from "../options.ts";
import { prepareTx, sendTx, type TxFlags, withTxOptions } from "../tx-send.ts";
import { assetOf, checkTexts, ownedAsset } from "./market-chain.ts";
import {
  hashFileArg,
  parseAssetIdArg,
  parseAssetListArg,
  parseCidArg,
  parseFractionArg,
  parseHashArg,
  parsePortfolioItemsArg,
  readSpecArg,
  readWeightsArg,
  requiredTextArg,
} from "./market-options.ts";

const ASSET_ARG = "asset id (see 'cifer query market assets')";

type DisclosureFlags = { abstract?: string; sampleCid?: string; statistics?: string };

/** The disclosure flags that were given ("" clears a field), the sample CID checked. */
function disclosureArgs(o: DisclosureFlags): Partial<Disclosure> {
  const d: Partial<Disclosure> = {};
  if (o.abstract !== undefined) d.abstract = o.abstract;
  if (o.statistics !== undefined) d.statistics = o.statistics;
  if (o.sampleCid !== undefined)
    d.sampleCid = o.sampleCid === "" ? "" : parseCidArg(o.sampleCid, "--sample-cid").cid;
  return d;
}

const disclosureOptions = (cmd: Command, clears: boolean) =>
  cmd
    .option(
      "--abstract <text>",
      `what the dataset holds, shown before a sale${clears ? ' ("" clears it)' : ""}`,
    )
    .option(
      "--sample-cid <cid>",
      `a small public sample, by CID (bafkrei..., e.g. uploaded to a node's blob store)${clears ? ' ("" clears it)' : ""}`,
    )
    .option(
      "--statistics <text>",
      `free-form statistics, e.g. JSON of class counts${clears ? ' ("" clears them)' : ""}`,
    );

export function registerMarketAssetCommands(market: Command): void {
  // ----- mint-data --------------------------------------------------------------------------------

  const mintData = market
    .command("mint-data")
    .description(
      "mint a $Data NFT of a dataset: only its sha256 and metadata go on chain; the data stays with you and is never uploaded",
    )
    .option(
      "--file <path>",
      "the dataset: its sha256 and size are computed here (streamed), nothing is uploaded",
    )
    .option("--hash <hex>", "the dataset's sha256 (64 hex digits), instead of --file")
    .option("--size <bytes>", "the dataset's size in bytes (with --hash)")
    .addOption(
      new Option(
        "--schema <text>",
        "what a record looks like, e.g. 'csv: 64 features, label 0-9'",
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option("--license <text>", "the licence terms of the data, e.g. CC-BY-4.0").makeOptionMandatory(),
    );
  disclosureOptions(mintData, false);
  withTxOptions(mintData, { from: true });
  withExamples(mintData, [
    "cifer market mint-data --file ./digits.csv --schema 'csv: 64 features, label 0-9' --license CC-BY-4.0 --from alice",
    "cifer market mint-data --hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 --size 1048576 --schema parquet --license proprietary --abstract 'ECG traces, 2019-2023' --from alice --yes",
  ]);
  mintData.action(
    async (
      opts: TxFlags &
        DisclosureFlags & { file?: string; hash?: string; size?: string; schema: string; license: string },
    ) => {
      if (opts.file === undefined && opts.hash === undefined)
        throw new UsageError("give --file PATH (hashed here, never uploaded) or --hash HEX (its sha256)");
      if (opts.file !== undefined && opts.hash !== undefined)
        throw new UsageError("give either --file or --hash, not both");
      if (opts.file !== undefined && opts.size !== undefined)
        throw new UsageError("--size is read from --file; give it only with --hash");
      const schema = requiredTextArg(opts.schema, "--schema");
      const license = requiredTextArg(opts.license, "--license");
      const disclosure = disclosureArgs(opts);
      let given: { hash: string; size: bigint } | undefined;
      if (opts.hash !== undefined) {
        const size = opts.size === undefined ? "0" : opts.size.trim();
        if (!/^[0-9]{1,20}$/.test(size) || BigInt(size) > 2n ** 64n - 1n)
          throw new UsageError(`invalid --size ${JSON.stringify(opts.size)}: expected a number of bytes`);
        given = { hash: parseHashArg(opts.hash), size: BigInt(size) };
      }
      // Every flag and the key are checked before a (possibly long) read of the file.
      const prepared = prepareTx(opts, opts.from!);
      const hashed = given ?? (await hashFileArg(opts.file!));
      await sendTx(
        prepared,
        opts,
        async (client) => {
          const p = await client.query.market.params();
          checkTexts(
            [
              ["--schema", schema],
              ["--license", license],
              ["--abstract", disclosure.abstract ?? ""],
              ["--statistics", disclosure.statistics ?? ""],
            ],
            p,
          );
          return {
            messages: [
              msgMintData({
                owner: prepared.key.address,
                dataHash: hashed.hash,
                schema,
                sizeBytes: hashed.size,
                license,
                disclosure: { abstract: "", sampleCid: "", statistics: "", ...disclosure },
              }),
            ],
            summary: [
              [
                "data",
                `sha256 ${hashed.hash}, ${hashed.size} bytes${opts.file ? ` (${opts.file}, not uploaded)` : ""}`,
              ],
              ["schema", schema],
              ["license", license],
              ...(disclosure.abstract
                ? ([["abstract", disclosure.abstract]] as Array<[string, string]>)
                : []),
              ...(disclosure.sampleCid
                ? ([["sample", disclosure.sampleCid]] as Array<[string, string]>)
                : []),
            ],
          };
        },
        (res) => ({ asset_id: createdAssetId(res)?.toString(), data_hash: hashed.hash }),
      );
    },
  );

  // ----- transfer ---------------------------------------------------------------------------------

  const transfer = market
    .command("transfer")
    .description("give an asset to another account: its listing and the revenue to come go with it")
    .argument("<asset-id>", ASSET_ARG)
    .addOption(new Option("--to <address>", "the new owner (cif1...)").makeOptionMandatory());
  withTxOptions(transfer, { from: true });
  withExamples(transfer, ["cifer market transfer 3 --to cif1... --from alice"]);
  transfer.action(async (idArg: string, opts: TxFlags & { to: string }) => {
    const id = parseAssetIdArg(idArg);
    const to = parseAddressArg(opts.to, "--to address");
    const prepared = prepareTx(opts, opts.from!);
    if (to === prepared.key.address)
      throw new UsageError(`--to is ${prepared.key.name}'s own address: the asset would not move`);
    await sendTx(prepared, opts, async (client) => {
      const a = await ownedAsset(client, id, prepared.key);
      return {
        messages: [msgTransferAsset(prepared.key.address, id, to)],
        summary: [
          ["asset", `${id} (${assetKindName(a.kind)})`],
          ["to", to],
        ],
      };
    });
  });

  // ----- disclose ---------------------------------------------------------------------------------

  const disclose = market
    .command("disclose")
    .description(
      "change what a $Data asset shows before a sale: fields you do not give keep their current value",
    )
    .argument("<asset-id>", ASSET_ARG);
  disclosureOptions(disclose, true);
  withTxOptions(disclose, { from: true });
  withExamples(disclose, [
    "cifer market disclose 3 --abstract 'ECG traces of 1200 patients' --from alice",
    "cifer market disclose 3 --sample-cid bafkrei... --statistics '{\"classes\":[600,600]}' --from alice",
    "cifer market disclose 3 --sample-cid '' --from alice",
  ]);
  disclose.action(async (idArg: string, opts: TxFlags & DisclosureFlags) => {
    const id = parseAssetIdArg(idArg);
    if (opts.abstract === undefined && opts.sampleCid === undefined && opts.statistics === undefined)
      throw new UsageError("nothing to change: give --abstract, --sample-cid and/or --statistics");
    const changes = disclosureArgs(opts);
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(prepared, opts, async (client) => {
      const a = await ownedAsset(client, id, prepared.key, AssetKind.Data);
      const p = await client.query.market.params();
      const current = a.data?.disclosure ?? { abstract: "", sampleCid: "", statistics: "" };
      // The message replaces the whole disclosure: what was not given keeps its current value.
      const next: Disclosure = { ...current, ...changes };
      checkTexts(
        [
          ["--abstract", next.abstract],
          ["--statistics", next.statistics],
        ],
        p,
      );
      const shown = (s: string) => (s === "" ? "(none)" : s);
      return {
        messages: [msgUpdateDisclosure(prepared.key.address, id, next)],
        summary: [
          ["asset", id.toString()],
          ["abstract", shown(next.abstract)],
          ["sample", shown(next.sampleCid)],
          ["statistics", shown(next.statistics)],
        ],
      };
    });
  });

  // ----- portfolio --------------------------------------------------------------------------------

  const portfolio = market
    .command("portfolio")
    .description(
      "bundle $Data assets into a $Portfolio you curate: each sale pays the data owners by weight and you your share",
    )
    .addOption(
      new Option(
        "--item <data-id:weight>",
        "a $Data asset and its weight as a decimal fraction; repeat it; the weights sum to exactly 1",
      )
        .argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--curator-share <fraction>",
        "your share of each sale after the protocol fee, e.g. 0.1 (at most the chain's max_curator_share)",
      ).makeOptionMandatory(),
    );
  withTxOptions(portfolio, { from: true });
  withExamples(portfolio, [
    "cifer market portfolio --item 1:0.5 --item 2:0.25 --item 3:0.25 --curator-share 0.1 --from curator",
    "cifer market portfolio --item 4:0.6 --item 7:0.4 --curator-share 0 --from curator --yes",
  ]);
  portfolio.action(async (opts: TxFlags & { item: string[]; curatorShare: string }) => {
    const items = parsePortfolioItemsArg(opts.item);
    const curatorSharePpm = parseFractionArg(opts.curatorShare, "--curator-share", { allowZero: true });
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(
      prepared,
      opts,
      async (client) => {
        const p = await client.query.market.params();
        if (curatorSharePpm > p.maxCuratorSharePpm)
          throw new CliError(
            `--curator-share ${fractionText(curatorSharePpm)} is above the chain's limit of ${fractionText(p.maxCuratorSharePpm)}`,
          );
        if (items.length > p.maxPortfolioItems)
          throw new CliError(`${items.length} items: the chain accepts at most ${p.maxPortfolioItems}`);
        for (const it of items) {
          const a = await assetOf(client, it.dataId, "--item asset");
          if (a.kind !== AssetKind.Data)
            throw new CliError(
              `--item ${it.dataId}: asset ${it.dataId} is a ${assetKindName(a.kind)} asset; a portfolio bundles $Data`,
            );
        }
        return {
          messages: [msgCreatePortfolio({ curator: prepared.key.address, items, curatorSharePpm })],
          summary: [
            ["items", items.map((i) => `${i.dataId}:${fractionText(i.weightPpm)}`).join(", ")],
            ["curator share", shareText(curatorSharePpm)],
          ],
        };
      },
      (res) => ({ asset_id: createdAssetId(res)?.toString() }),
    );
  });

  // ----- mint-model -------------------------------------------------------------------------------

  const mintModel = market
    .command("mint-model")
    .description(
      "mint a $Model NFT: of a finished FL task you own (its model, hashes and contributors read from the chain, which checks them), of a model file you upload to the node's blob store (--weights), or of any model by CID",
    )
    .option("--task <id>", "a finished FL task you own: its final global model and its provenance")
    .option(
      "--weights <file>",
      "the weights to mint (float32 little-endian in the spec's weightSpecs order, e.g. weights.bin of 'cifer fl init-model'): checked against --spec, uploaded to the node's blob store once confirmed (so an escrow's committee can fetch them), minted by their CID and sha256",
    )
    .option(
      "--cid <cid>",
      "the CID (bafkrei...) of weights already in a node's blob store, instead of --weights",
    )
    .option("--hash <hex>", "with --cid: the weights' sha256 (default: the CID's digest; checked against it)")
    .option(
      "--spec <file>",
      "the TensorFlow.js model JSON without weights (with --weights or --cid); an escrow's committee runs the model with its userDefinedMetadata.cifer settings, as 'cifer fl init-model' writes them, and scores a model without them 0",
    )
    .option("--trained-on <ids>", "$Data or $Portfolio assets the model was trained on, comma-separated");
  withTxOptions(mintModel, { from: true });
  withExamples(mintModel, [
    "cifer market mint-model --task 1 --from owner",
    "cifer market mint-model --task 1 --trained-on 2,5 --from owner",
    "cifer market mint-model --weights ./model/weights.bin --spec ./model/model.json --trained-on 3 --from alice",
    "cifer market mint-model --cid bafkrei... --spec ./model/model.json --from alice",
  ]);
  mintModel.action(
    async (
      opts: TxFlags & {
        task?: string;
        weights?: string;
        cid?: string;
        hash?: string;
        spec?: string;
        trainedOn?: string;
      },
    ) => {
      if (
        opts.task !== undefined &&
        (opts.cid !== undefined ||
          opts.weights !== undefined ||
          opts.hash !== undefined ||
          opts.spec !== undefined)
      )
        throw new UsageError(
          "--task takes the model, its hash and spec from the chain's record of the task: give either --task or --cid / --weights with --spec, not both",
        );
      if (opts.weights !== undefined && opts.cid !== undefined)
        throw new UsageError(
          "give either --weights FILE (uploaded here, minted by its CID) or --cid CID (weights already stored), not both",
        );
      if (opts.task === undefined && opts.cid === undefined && opts.weights === undefined)
        throw new UsageError(
          "give --task ID (a finished FL task's model), --weights FILE with --spec FILE (any model, uploaded to the node) or --cid CID with --spec FILE (any model)",
        );
      const trainedOn = opts.trainedOn !== undefined ? parseAssetListArg(opts.trainedOn, "--trained-on") : [];
      const taskId = opts.task !== undefined ? parseTaskIdArg(opts.task) : undefined;
      let byCid: { cid: string; hash: string; spec: string } | undefined;
      // --weights: the bytes to upload once the user has confirmed, before signing (as create-task's
      // genesis weights), so the chain never names a model no node holds.
      let upload: Uint8Array | undefined;
      if (opts.weights !== undefined) {
        if (opts.hash !== undefined)
          throw new UsageError("--hash is computed here from --weights: give it only with --cid");
        if (opts.spec === undefined)
          throw new UsageError(
            "--weights needs --spec FILE (the TensorFlow.js model JSON the weights are of)",
          );
        const spec = readSpecArg(opts.spec);
        upload = readWeightsArg(opts.weights, spec);
        const digest = createHash("sha256").update(upload).digest();
        byCid = { cid: cidFromDigest(digest), hash: digest.toString("hex"), spec };
      }
      if (opts.cid !== undefined) {
        const { cid, digestHex } = parseCidArg(opts.cid, "--cid");
        const hash = opts.hash !== undefined ? parseHashArg(opts.hash) : digestHex;
        if (hash !== digestHex)
          throw new UsageError(
            `--hash ${hash} is not the sha256 the CID names (${digestHex}): the CID is of other bytes`,
          );
        if (opts.spec === undefined)
          throw new UsageError("--cid needs --spec FILE (the TensorFlow.js model JSON without weights)");
        byCid = { cid, hash, spec: readSpecArg(opts.spec) };
      }
      const prepared = prepareTx(opts, opts.from!);
      await sendTx(
        prepared,
        opts,
        async (client) => {
          for (const id of trainedOn) {
            const a = await assetOf(client, id, "--trained-on asset");
            if (a.kind === AssetKind.Model)
              throw new CliError(`--trained-on ${id}: asset ${id} is a model, not data or a portfolio`);
          }
          if (byCid) {
            const p = await client.query.market.params();
            if (BigInt(Buffer.byteLength(byCid.spec, "utf8")) > p.maxModelSpecBytes)
              throw new CliError(`--spec is above the chain's limit of ${p.maxModelSpecBytes} bytes`);
            const weights = upload;
            return {
              messages: [
                msgMintModel({
                  owner: prepared.key.address,
                  modelCid: byCid.cid,
                  modelHash: byCid.hash,
                  modelSpec: byCid.spec,
                  trainedOn,
                }),
              ],
              summary: [
                [
                  "model",
                  weights
                    ? `${byCid.cid}: ${weights.length} bytes of ${opts.weights}, uploaded to ${prepared.url} once confirmed`
                    : byCid.cid,
                ],
                ["spec", `${byCid.spec.length} bytes`],
                ["trained on", trainedOn.length > 0 ? trainedOn.join(", ") : "not stated"],
              ],
              ...(weights
                ? {
                    beforeSign: async () => {
                      await putBlob(prepared.url, weights);
                    },
                  }
                : {}),
            };
          }
          const { task } = await client.query.fl.task(taskId!);
          if (task.owner !== prepared.key.address)
            throw new CliError(
              `task ${taskId} belongs to ${task.owner}: only its owner mints its model, not ${prepared.key.name} (${prepared.key.address})`,
            );
          const existing = await client.query.market.modelOfTask(taskId!);
          if (existing) throw new CliError(`the model of task ${taskId} is already asset ${existing.id}`);
          let model: Awaited<ReturnType<typeof taskModelOf>>;
          try {
            model = await taskModelOf(client.query, taskId!);
          } catch (e) {
            if (e instanceof ChainError) throw new CliError(e.message);
            throw e;
          }
          return {
            messages: [
              msgMintModel({
                owner: prepared.key.address,
                modelCid: model.modelCid,
                modelHash: model.modelHash,
                provenance: model.provenance,
                trainedOn,
              }),
            ],
            summary: [
              ["model", `${model.modelCid} (final model of task ${taskId})`],
              [
                "provenance",
                `${model.provenance.rounds} rounds, ${model.provenance.contributors.length} contributors`,
              ],
              ["trained on", trainedOn.length > 0 ? trainedOn.join(", ") : "not stated"],
            ],
          };
        },
        (res) => ({
          asset_id: createdAssetId(res)?.toString(),
          ...(byCid ? { model_cid: byCid.cid } : {}),
        }),
      );
    },
  );
}
