/**
 * `cifer fl train`: the trainer SDK (client/fl/trainer.ts) on a local CSV, with the TensorFlow.js
 * backend printed first, a progress line per round on stderr and one summary line per round on
 * stdout. Ctrl-C (or SIGTERM) stops after the step under way; a second one quits at once.
 */
import { type Command, Option } from "commander";
import { ATTACKS } from "../../fl/attacks.ts";
import { formatCoin } from "../../amounts.ts";
import { type RoundOutcome, type TrainerEvent, FlTrainer, TrainerError } from "../../fl/trainer.ts";
import { CliError } from "../errors.ts";
import { taskStatusName } from "../fl-format.ts";
import { loadDatasetArg, parseAttackArg, parsePositiveNumberArg, parseTaskIdArg } from "../fl-options.ts";
import {
  nodeOption,
  parseIntArg,
  resolveFee,
  withClient,
  withExamples,
  withFeeOptions,
  withKeyringOptions,
} from "../options.ts";
import { ProgressLine, progressBar } from "../progress.ts";
import { BROADCAST_POLL_MS, prepareTx, type TxFlags } from "../tx-send.ts";
import { loadTf } from "../tf.ts";

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;

type TrainFlags = TxFlags & {
  task: string;
  data: string;
  rounds?: string;
  epochs?: string;
  batchSize?: string;
  learningRate?: string;
  pollInterval: string;
  attack?: string;
};

const short = (cid: string) => (cid.length > 20 ? `${cid.slice(0, 14)}…${cid.slice(-6)}` : cid);
const lossText = (loss: number | undefined) => (loss === undefined ? "" : `, loss ${loss.toFixed(4)}`);
const ucif = (v: bigint) => formatCoin({ denom: "ucif", amount: v.toString() });

/** The stdout line of a round that ended. */
export function outcomeLine(o: RoundOutcome): string {
  const parts = [
    `round ${o.round}: ${o.status}`,
    `update ${o.update.cid} (${o.update.samples} samples${lossText(o.update.loss)})`,
    o.globalCid ? `global model ${o.globalCid}` : "no global model",
    `reward ${ucif(o.reward)}`,
  ];
  if (o.excluded) parts.push("excluded by the committee");
  return parts.join(", ");
}

/** Renders the trainer's events: transient progress on stderr, a summary line per round on stdout. */
function renderer(progress: ProgressLine) {
  return (e: TrainerEvent) => {
    switch (e.phase) {
      case "joined":
        return progress.log(
          `joined task ${e.taskId}${BigInt(e.bond.amount) > 0n ? `, bond ${formatCoin(e.bond)} held until the task ends` : ""} (tx ${e.txHash} at height ${e.height})`,
        );
      case "waiting":
        return progress.set(
          progress.tty ? `waiting: ${e.detail} · height ${e.height}` : `waiting: ${e.detail}`,
        );
      case "training":
        return progress.set(
          `round ${e.round}: training ${progressBar(e.epoch, e.epochs)} epoch ${e.epoch}/${e.epochs}${lossText(e.loss)}`,
        );
      case "uploading":
        return progress.set(`round ${e.round}: uploading ${e.bytes} bytes`);
      case "submitted":
        return progress.log(
          e.txHash
            ? `round ${e.round}: submitted ${short(e.update.cid)} (${e.update.samples} samples${lossText(e.update.loss)}) in tx ${e.txHash} at height ${e.height}`
            : `round ${e.round}: already submitted ${short(e.update.cid)}; following it`,
        );
      case "missed":
        progress.clear();
        return process.stdout.write(`round ${e.round}: missed (${e.reason})\n`);
      case "final":
        progress.clear();
        return process.stdout.write(`${outcomeLine(e.outcome)}\n`);
      case "ended":
        return progress.clear();
    }
  };
}

export function registerFlTrainCommand(fl: Command): void {
  const train = fl
    .command("train")
    .description(
      "train on a task with local data: joins if needed, then each round fetches the global model, trains it locally with TensorFlow.js, uploads the weights and submits them, and follows the round to its reward; only weights leave this machine. Exits when the task ends or after --rounds",
    )
    .addOption(new Option("--task <id>", "task id").makeOptionMandatory())
    .addOption(
      new Option(
        "--data <file>",
        "local CSV (or .csv.gz): one sample per row, the features then the integer label, no header",
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--from <key>",
        "name (or address) of the trainer's key of the keyring",
      ).makeOptionMandatory(),
    )
    .option("--rounds <n>", "submit to this many rounds, then stop once the last one ended")
    .option("--epochs <n>", "local epochs per round (default: the task's)")
    .option("--batch-size <n>", "mini-batch size (default: the task's)")
    .option("--learning-rate <x>", "learning rate (default: the task's)")
    .addOption(
      new Option("--poll-interval <ms>", "how often the chain is read while waiting").default("1000"),
    )
    // For demos and tests of robust rules only: this trainer then sends a byzantine update.
    .addOption(new Option("--attack <kind>", `demo only: send an attack (${ATTACKS.join(", ")})`).hideHelp())
    .addOption(nodeOption())
    .option("--chain-id <id>", "refuse to sign unless the node serves this chain id");
  withFeeOptions(train);
  withKeyringOptions(train);
  withExamples(train, [
    "cifer fl train --task 1 --data ./my-digits.csv --from trainer1",
    "cifer fl train --task 1 --data ./data.csv.gz --from trainer1 --rounds 2 --epochs 3",
    "CIFER_TF_BACKEND=cpu cifer fl train --task 1 --data ./data.csv --from trainer1 --node http://10.0.0.2:26657",
  ]);
  train.action(async (opts: TrainFlags) => {
    const taskId = parseTaskIdArg(opts.task);
    const rounds = opts.rounds !== undefined ? parseIntArg(opts.rounds, "--rounds", 1, 1_000_000) : undefined;
    const epochs = opts.epochs !== undefined ? parseIntArg(opts.epochs, "--epochs", 1, 10_000) : undefined;
    const batchSize =
      opts.batchSize !== undefined ? parseIntArg(opts.batchSize, "--batch-size", 1, 1_000_000) : undefined;
    const learningRate =
      opts.learningRate !== undefined
        ? parsePositiveNumberArg(opts.learningRate, "--learning-rate")
        : undefined;
    const pollIntervalMs = parseIntArg(opts.pollInterval, "--poll-interval", 100, 60_000);
    const attack = opts.attack !== undefined ? parseAttackArg(opts.attack) : undefined;
    const data = loadDatasetArg(opts.data);
    const tx = prepareTx(opts, opts.from!);

    const tf = await loadTf();
    process.stdout.write(`TensorFlow.js backend: ${tf.backend}\n`);

    const progress = new ProgressLine();
    const controller = new AbortController();
    let signals = 0;
    const onSignal = () => {
      if (++signals > 1) process.exit(EXIT_INTERRUPTED);
      progress.log("stopping after the current step (Ctrl-C again to quit at once)");
      controller.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      const result = await withClient(
        tx.url,
        async (client) => {
          const chainId = await client.getChainId();
          if (tx.chainId !== undefined && tx.chainId !== chainId)
            throw new CliError(
              `chain id mismatch: the node at ${tx.url} serves ${chainId}, not ${tx.chainId}`,
            );
          progress.log(
            `training as ${tx.key.name} (${tx.key.address}) on ${data.count} samples of ${data.features} features from ${opts.data}${attack ? `; ATTACK ${attack} (demo)` : ""}`,
          );
          const trainer = new FlTrainer({
            client,
            address: tx.key.address,
            nodeUrl: tx.url,
            taskId,
            data,
            tf: tf.tf,
            ...(rounds !== undefined ? { rounds } : {}),
            ...(epochs !== undefined ? { epochs } : {}),
            ...(batchSize !== undefined ? { batchSize } : {}),
            ...(learningRate !== undefined ? { learningRate } : {}),
            ...(attack !== undefined ? { attack } : {}),
            pollIntervalMs,
            fee: (messages) => resolveFee(client, tx.key.address, messages, "", tx.plan),
            signal: controller.signal,
            onProgress: renderer(progress),
          });
          try {
            return await trainer.run();
          } catch (e) {
            if (e instanceof TrainerError) throw new CliError(e.message);
            throw e;
          }
        },
        tx.signer,
        { broadcastPollIntervalMs: BROADCAST_POLL_MS },
      );
      progress.clear();
      const earned = result.outcomes.reduce((n, o) => n + o.reward, 0n);
      const summary = `${result.submitted} round${result.submitted === 1 ? "" : "s"} submitted, ${ucif(earned)} earned`;
      if (result.stop === "aborted") {
        process.stderr.write(`stopped (interrupted): ${summary}\n`);
        process.exitCode = EXIT_INTERRUPTED;
        return;
      }
      const why =
        result.stop === "task-ended"
          ? `task ${taskId} ${taskStatusName(result.task.status)}`
          : `stopped after ${rounds} round${rounds === 1 ? "" : "s"}`;
      process.stdout.write(`done: ${why}; ${summary}\n`);
    } finally {
      progress.clear();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  });
}
