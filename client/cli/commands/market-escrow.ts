/**
 * `cifer market escrow open | settle`: accuracy-threshold purchases. The buyer's test set is
 * encrypted and its key wrapped for the validators exactly as an FL task's eval set
 * (client/fl/eval-set.ts, with the buyer as the set's owner), uploaded to the node's blob store once
 * confirmed, and the payment escrowed; a committee scores the model on it, and the escrow pays the
 * seller only if the median accuracy meets the threshold.
 */
import { type Command, Option } from "commander";
import { AssetKind, EscrowStatus } from "../../../modules/market/proto.ts";
import { putBlob } from "../../fl/blobs.ts";
import { checkDataFits, inputFeaturesOf } from "../../fl/data-fit.ts";
import { type EvalData, EvaluatorError, type PreparedEvalSet, prepareEvalSet } from "../../fl/eval-set.ts";
import { type ModelSpec, parseModelSpec } from "../../fl/model.ts";
import { TrainerError } from "../../fl/trainer-types.ts";
import { msgOpenEscrow, msgSettleEscrow, openedEscrowId, settledEscrow } from "../../market/msgs.ts";
import { CliError } from "../errors.ts";
import { evaluatorsText, percentOfPpm } from "../fl-format.ts";
import { formatTokens } from "../format.ts";
import { escrowStatusName } from "../market-format.ts";
import { parseIntArg, withExamples } from "../options.ts";
import { prepareTx, sendTx, type TxFlags, withTxOptions } from "../tx-send.ts";
import { assetOf } from "./market-chain.ts";
import {
  loadTestSetArg,
  parseAssetIdArg,
  parseEscrowIdArg,
  parseFractionArg,
  parseMaxPriceArg,
  parseValidatorsArg,
} from "./market-options.ts";

type OpenFlags = TxFlags & {
  model?: string;
  maxPrice: string;
  threshold: string;
  testSet: string;
  deadlineBlocks?: string;
  validators?: string;
};

/**
 * Refuses a test set the model cannot be scored on: features per row against the model's input
 * shape, and labels against its classes when the spec carries the trainers' settings.
 */
export function checkTestSetFits(specText: string, data: EvalData["dataset"]): void {
  let spec: ModelSpec | undefined;
  try {
    spec = parseModelSpec(specText);
  } catch {
    // No training settings: only the input shape can be checked.
  }
  try {
    if (spec) checkDataFits(spec, data);
    else {
      const inputs = inputFeaturesOf(JSON.parse(specText) as ModelSpec);
      if (inputs !== undefined && inputs !== data.features)
        throw new TrainerError(`the data has ${data.features} features per row, the model takes ${inputs}`);
    }
  } catch (e) {
    if (e instanceof TrainerError) throw new CliError(`--test-set: ${e.message}`);
    if (e instanceof SyntaxError) return;
    throw e;
  }
}

export function registerMarketEscrowCommands(market: Command): void {
  const escrow = market
    .command("escrow")
    .description(
      "accuracy-threshold purchases: escrow a payment with an encrypted test set; paid only if a validator committee finds the model's accuracy on it at least the threshold, else refunded",
    );
  withExamples(escrow, [
    "cifer market escrow open 2 --model 5 --max-price 10CIF --threshold 0.9 --test-set ./test.csv --from bob",
    "cifer market escrow settle 1 --from bob",
    "cifer query market escrow 1",
  ]);

  // ----- open -------------------------------------------------------------------------------------

  const open = escrow
    .command("open")
    .description(
      "escrow up to --max-price for an asset: your test set is encrypted here, its key wrapped for the validators, uploaded to the node once you confirm, and a committee scores the model on it",
    )
    .argument("<asset-id>", "the asset bought (see 'cifer query market assets')")
    .option(
      "--model <id>",
      "the $Model evaluated: one whose trained-on list names the asset (default: the asset itself, when it is a model)",
    )
    .addOption(
      new Option(
        "--max-price <amount>",
        "the most you pay, escrowed now: 10CIF or 10000000ucif",
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--threshold <fraction>",
        "the accuracy the model must reach on your test set, e.g. 0.9 for 90%",
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--test-set <file>",
        "your test CSV (or .csv.gz): features then an integer label per row, 4 records at least; only its ciphertext leaves your machine",
      ).makeOptionMandatory(),
    )
    .option(
      "--deadline-blocks <n>",
      "blocks until the escrow can be refunded without a verdict (default: twice the committee's commit and reveal phases, within the chain's limits)",
    )
    .option(
      "--validators <valopers>",
      "validators that may read the test set and evaluate, comma-separated cifvaloper1... (default: every bonded validator)",
    );
  withTxOptions(open, { from: true });
  withExamples(open, [
    "cifer market escrow open 2 --model 5 --max-price 10CIF --threshold 0.9 --test-set ./test.csv --from bob",
    "cifer market escrow open 5 --max-price 3CIF --threshold 0.85 --test-set ./test.csv.gz --deadline-blocks 600 --validators cifvaloper1...,cifvaloper1... --from bob --yes",
  ]);
  open.action(async (idArg: string, opts: OpenFlags) => {
    const assetId = parseAssetIdArg(idArg);
    const modelArg = opts.model !== undefined ? parseAssetIdArg(opts.model, "--model") : undefined;
    const maxPrice = parseMaxPriceArg(opts.maxPrice);
    const thresholdPpm = parseFractionArg(opts.threshold, "--threshold");
    const deadlineArg =
      opts.deadlineBlocks !== undefined
        ? BigInt(parseIntArg(opts.deadlineBlocks, "--deadline-blocks", 1, Number.MAX_SAFE_INTEGER))
        : undefined;
    const validators = opts.validators !== undefined ? parseValidatorsArg(opts.validators) : undefined;
    const testSet = loadTestSetArg(opts.testSet);
    const prepared = prepareTx(opts, opts.from!);
    const buyer = prepared.key.address;
    let evalSet: PreparedEvalSet | undefined;
    await sendTx(
      prepared,
      opts,
      async (client) => {
        const asset = await assetOf(client, assetId);
        if (asset.owner === buyer) throw new CliError(`you own asset ${assetId}: nothing to buy`);
        if (!asset.listing?.active) throw new CliError(`asset ${assetId} is not listed for sale`);
        const modelId = modelArg ?? assetId;
        const model = modelId === assetId ? asset : await assetOf(client, modelId, "--model asset");
        if (model.kind !== AssetKind.Model || !model.model)
          throw new CliError(
            modelArg === undefined
              ? `asset ${assetId} is not a model: name the $Model to evaluate with --model ID (one trained on it)`
              : `--model ${modelId} is not a $Model`,
          );
        if (model.id !== assetId && !model.model.trainedOn.includes(assetId))
          throw new CliError(`--model ${modelId} does not state it was trained on asset ${assetId}`);
        checkTestSetFits(model.model.modelSpec, testSet.dataset);
        const { price } = await client.query.market.price(assetId);
        if (BigInt(price) > maxPrice)
          throw new CliError(
            `asset ${assetId} costs ${formatTokens(price)} now, above --max-price ${formatTokens(maxPrice)}`,
          );
        const p = await client.query.market.params();
        const deadlineBlocks = deadlineArg ?? defaultDeadline(p);
        if (deadlineBlocks < p.minEscrowBlocks || deadlineBlocks > p.maxEscrowBlocks)
          throw new CliError(
            `--deadline-blocks ${deadlineBlocks}: the chain accepts ${p.minEscrowBlocks} to ${p.maxEscrowBlocks}`,
          );
        try {
          evalSet = await prepareEvalSet({
            query: client.query,
            chainId: await client.getChainId(),
            owner: buyer,
            data: testSet,
            ...(validators ? { validators } : {}),
          });
        } catch (e) {
          if (e instanceof EvaluatorError) throw new CliError(`--test-set: ${e.message}`);
          throw e;
        }
        const wraps = evalSet.evalSet.wraps.length;
        if (wraps > p.maxKeyWraps)
          throw new CliError(
            `the test set's key would be wrapped for ${wraps} validators, the chain accepts ${p.maxKeyWraps}: name fewer with --validators`,
          );
        const blob = evalSet.blob;
        return {
          messages: [
            msgOpenEscrow({
              buyer,
              assetId,
              modelId,
              maxPrice,
              thresholdPpm,
              evalSet: evalSet.evalSet,
              deadlineBlocks,
            }),
          ],
          summary: [
            ["asset", `${assetId} (owner ${asset.owner})`],
            ["model", `${modelId} (${model.model.modelCid})`],
            ["price now", formatTokens(price)],
            ["escrowed", `${formatTokens(maxPrice)}, the rest returned after the sale`],
            ["threshold", `${percentOfPpm(thresholdPpm)} accuracy (median of the committee)`],
            [
              "test set",
              `${evalSet.evalSet.cid}: ${evalSet.evalSet.records} records, ${blob.length} bytes encrypted (uploaded once confirmed)`,
            ],
            ["evaluators", evaluatorsText(evalSet.evalSet)],
            ["deadline", `${deadlineBlocks} blocks`],
          ],
          beforeSign: async () => {
            await putBlob(prepared.url, blob);
          },
        };
      },
      (res) => ({
        escrow_id: openedEscrowId(res)?.toString(),
        ...(evalSet ? { test_set_cid: evalSet.evalSet.cid } : {}),
      }),
    );
  });

  // ----- settle -----------------------------------------------------------------------------------

  const settle = escrow
    .command("settle")
    .description(
      "settle a decided escrow (anyone may): a passed one pays the seller side at the current price and mints your grant, a failed or expired one refunds the buyer",
    )
    .argument("<escrow-id>", "escrow id (see 'cifer query market escrows')");
  withTxOptions(settle, { from: true });
  withExamples(settle, [
    "cifer market escrow settle 1 --from bob",
    "cifer market escrow settle 1 --from bob --yes -o json",
  ]);
  settle.action(async (idArg: string, opts: TxFlags) => {
    const id = parseEscrowIdArg(idArg);
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(
      prepared,
      opts,
      async (client) => {
        const e = await client.query.market.escrow(id);
        if (e.status === EscrowStatus.Released || e.status === EscrowStatus.Refunded)
          throw new CliError(`escrow ${id} was already settled (${escrowStatusName(e.status)})`);
        if (e.status === EscrowStatus.Committing || e.status === EscrowStatus.Revealing) {
          const height = BigInt(await client.getHeight());
          if (height < e.deadline)
            throw new CliError(
              `escrow ${id} is still being evaluated (${escrowStatusName(e.status)}); settle it once decided, or after its deadline at height ${e.deadline} (now ${height})`,
            );
        }
        return {
          messages: [msgSettleEscrow(prepared.key.address, id)],
          summary: [
            ["escrow", `${id} (${escrowStatusName(e.status)}), asset ${e.assetId}, buyer ${e.buyer}`],
            ["escrowed", formatTokens(e.maxPrice || "0")],
            ...(e.reveals.length > 0
              ? ([
                  [
                    "median",
                    `${percentOfPpm(e.medianAccuracyPpm)} (threshold ${percentOfPpm(e.thresholdPpm)})`,
                  ],
                ] as Array<[string, string]>)
              : []),
          ],
        };
      },
      (res) => {
        const s = settledEscrow(res);
        if (!s) return {};
        return {
          status: escrowStatusName(s.status),
          ...(s.grantId > 0n ? { grant_id: s.grantId.toString() } : {}),
        };
      },
    );
  });
}

/** Twice the committee's commit and reveal phases, within the chain's bounds. */
function defaultDeadline(p: {
  escrowCommitBlocks: bigint;
  escrowRevealBlocks: bigint;
  minEscrowBlocks: bigint;
  maxEscrowBlocks: bigint;
}): bigint {
  const want = 2n * (p.escrowCommitBlocks + p.escrowRevealBlocks);
  return want < p.minEscrowBlocks ? p.minEscrowBlocks : want > p.maxEscrowBlocks ? p.maxEscrowBlocks : want;
}
