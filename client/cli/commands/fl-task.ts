/** `cifer fl create-task | join | cancel`: a model owner's and a trainer's transactions. */
import type { Coin } from "@cosmjs/proto-signing";
import type { DeliverTxResponse } from "@cosmjs/stargate";
import { type Command, Option } from "commander";
import { cidOf } from "../../../chain/blobs/cid.ts";
import { flParamsFromWire } from "../../../modules/fl/params.ts";
import { Privacy, Rule, TaskStatus } from "../../../modules/fl/proto.ts";
import { checkCreateTask } from "../../../modules/fl/task-spec.ts";
import { BASE_DENOM, formatCoin } from "../../amounts.ts";
import type { CiferClient } from "../../cifer-client.ts";
import { putBlob } from "../../fl/blobs.ts";
import { EvaluatorError, type PreparedEvalSet, prepareEvalSet } from "../../fl/eval-set.ts";
import { joinBondOf, joinBondShortfall } from "../../fl/join-bond.ts";
import {
  createdTaskId,
  type MsgCreateTaskFields,
  msgCancelTask,
  msgCreateTask,
  msgJoinTask,
} from "../../fl/msgs.ts";
import { CliError, UsageError } from "../errors.ts";
import { evaluatorsText, payoutName, ruleText, taskStatusName } from "../fl-format.ts";
import {
  parseCountArg,
  parseEvalArgs,
  parseRuleArg,
  parseRuleParamsArgs,
  parseTaskIdArg,
  readModelArgs,
} from "../fl-options.ts";
import { formatTokens } from "../format.ts";
import { parseBondAmountArg, parseIntArg, withExamples } from "../options.ts";
import { allPages } from "../query-common.ts";
import { prepareTx, sendTx, type TxFlags, withTxOptions } from "../tx-send.ts";
import { CKKS_PUBLIC_KEY_FILE, readCkksKeyArg } from "./fl-ckks.ts";

type CreateTaskFlags = TxFlags & {
  model?: string;
  modelSpec?: string;
  weights?: string;
  reward: string;
  rounds: string;
  roundBlocks: string;
  minParticipants: string;
  maxParticipants: string;
  rule: string;
  f?: string;
  m?: string;
  beta?: string;
  committeeSize: string;
  subgroupSize: string;
  evalData?: string;
  evaluators?: string;
  payout?: string;
  joinBond?: string;
  privacy: string;
  ckksPublicKey?: string;
};

const taskOption = () =>
  new Option("--task <id>", "task id (see 'cifer query fl tasks')").makeOptionMandatory();

/** An event attribute of a delivered tx, e.g. fl_task_cancelled.refunded. */
function eventAttr(res: DeliverTxResponse, type: string, key: string): string | undefined {
  return res.events.find((e) => e.type === type)?.attributes.find((a) => a.key === key)?.value;
}

/** The task if it is open or running; a clear error otherwise. */
async function liveTask(client: CiferClient, id: bigint) {
  const { task } = await client.query.fl.task(id);
  if (task.status !== TaskStatus.Open && task.status !== TaskStatus.Running)
    throw new CliError(`task ${id} has ended (${taskStatusName(task.status)})`);
  return task;
}

export function registerFlTaskCommands(fl: Command): void {
  // ----- create-task ------------------------------------------------------------------------------

  const create = fl
    .command("create-task")
    .description(
      "open a federated-learning task: uploads the genesis weights (and, with --eval-data, your evaluation data encrypted for the evaluating validators) to the node's blob store, escrows the reward pool, and prints the task id",
    )
    .option("--model <dir>", "directory written by 'cifer fl init-model' (model.json and weights.bin)")
    .option("--model-spec <file>", "TensorFlow.js model JSON without weights (instead of --model)")
    .option(
      "--weights <file>",
      "initial weights: float32 little-endian in weightSpecs order (with --model-spec)",
    )
    .addOption(
      new Option(
        "--reward <amount>",
        "reward pool, paid to trainers and committees: 100CIF or 100000000ucif",
      ).makeOptionMandatory(),
    )
    .addOption(new Option("--rounds <n>", "training rounds").makeOptionMandatory())
    .addOption(
      new Option("--round-blocks <n>", "blocks each round collects updates for").makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--min-participants <n>",
        "participants needed to start, and updates needed per round",
      ).makeOptionMandatory(),
    )
    .addOption(new Option("--max-participants <n>", "most participants that may join").makeOptionMandatory())
    .addOption(
      new Option(
        "--rule <rule>",
        "aggregation rule: median, fedavg, trimmed_mean, krum, multikrum, bulyan, or trust (FLTrust: updates weighted by the committee's trust scores on --eval-data)",
      ).makeOptionMandatory(),
    )
    .option("--f <n>", "byzantine updates tolerated (krum, multikrum, bulyan)")
    .option("--m <n>", "multikrum: how many of the best-scored updates are averaged")
    .option("--beta <fraction>", "trimmed_mean: the fraction cut at each end, below 0.5, e.g. 0.2")
    .addOption(
      new Option("--committee-size <n>", "validators aggregating each subgroup").makeOptionMandatory(),
    )
    .addOption(new Option("--subgroup-size <n>", "updaters per subgroup, 0 = one group").default("0"))
    .option(
      "--eval-data <file>",
      "your evaluation CSV (or .csv.gz, the trainers' format): encrypted here, uploaded to the node, its key wrapped for the evaluators only",
    )
    .option(
      "--evaluators <valopers>",
      "validators that may read --eval-data and evaluate, comma-separated cifvaloper1... (default: every bonded validator)",
    )
    .addOption(
      new Option(
        "--payout <mode>",
        "how trainers share each round: samples (accepted samples) or contribution (BlockFlow scores; needs --eval-data)",
      ).default("samples"),
    )
    .option(
      "--join-bond <amount>",
      "deposit each trainer makes to join, e.g. 1CIF or 1000ucif; returned at the end unless its contribution was zero",
    )
    .addOption(
      new Option(
        "--privacy <mode>",
        "plain, or ckks: trainers encrypt their updates under --ckks-public-key, the committee sums ciphertexts, you decrypt each round's sum and publish it ('cifer fl publish-model'); rule fedavg only",
      )
        .choices(["plain", "ckks"])
        .default("plain"),
    )
    .option(
      "--ckks-public-key <file>",
      `with --privacy ckks: your public key (${CKKS_PUBLIC_KEY_FILE} from 'cifer fl ckks-keygen'), uploaded with the task`,
    );
  withTxOptions(create, { from: true });
  withExamples(create, [
    "cifer fl create-task --model ./digits-model --reward 100CIF --rounds 5 --round-blocks 30 --min-participants 3 --max-participants 10 --rule median --committee-size 3 --from owner",
    "cifer fl create-task --model-spec model.json --weights weights.bin --reward 50CIF --rounds 3 --round-blocks 60 --min-participants 5 --max-participants 20 --rule krum --f 1 --committee-size 4 --from owner --yes",
    "cifer fl create-task --model ./m --reward 10CIF --rounds 2 --round-blocks 20 --min-participants 4 --max-participants 8 --rule trimmed_mean --beta 0.2 --committee-size 3 --from owner",
    "cifer fl create-task --model ./m --reward 100CIF --rounds 5 --round-blocks 30 --min-participants 3 --max-participants 10 --rule trust --eval-data ./eval.csv --payout contribution --join-bond 1CIF --committee-size 3 --from owner",
    "cifer fl create-task --model ./m --reward 10CIF --rounds 2 --round-blocks 30 --min-participants 2 --max-participants 5 --rule median --eval-data ./eval.csv --evaluators cifvaloper1...,cifvaloper1... --committee-size 2 --from owner",
    `cifer fl create-task --model ./m --reward 10CIF --rounds 3 --round-blocks 30 --min-participants 3 --max-participants 10 --rule fedavg --privacy ckks --ckks-public-key ./ckks-keys/${CKKS_PUBLIC_KEY_FILE} --committee-size 3 --from owner`,
  ]);
  create.action(async (opts: CreateTaskFlags) => {
    const model = readModelArgs(opts);
    const reward = parseBondAmountArg(opts.reward, "--reward");
    const rounds = parseCountArg(opts.rounds, "--rounds");
    const roundBlocks = BigInt(parseIntArg(opts.roundBlocks, "--round-blocks", 1, Number.MAX_SAFE_INTEGER));
    const minParticipants = parseCountArg(opts.minParticipants, "--min-participants");
    const maxParticipants = parseCountArg(opts.maxParticipants, "--max-participants");
    if (maxParticipants < minParticipants)
      throw new UsageError(
        `--max-participants ${maxParticipants} is below --min-participants ${minParticipants}`,
      );
    const committeeSize = parseCountArg(opts.committeeSize, "--committee-size");
    const subgroupSize = parseCountArg(opts.subgroupSize, "--subgroup-size", 0);
    if (subgroupSize !== 0 && subgroupSize < minParticipants)
      throw new UsageError(
        `--subgroup-size ${subgroupSize} is below --min-participants ${minParticipants} (0 = one group)`,
      );
    const rule = parseRuleArg(opts.rule);
    const privacy = opts.privacy === "ckks" ? Privacy.Ckks : Privacy.Plain;
    if (privacy === Privacy.Ckks) {
      if (opts.ckksPublicKey === undefined)
        throw new UsageError(
          "--privacy ckks needs --ckks-public-key <file> (make one with 'cifer fl ckks-keygen')",
        );
      if (rule !== Rule.FedAvg)
        throw new UsageError(
          `--privacy ckks sums encrypted updates, so its rule is fedavg, not ${opts.rule}: the robust rules and trust need plaintext updates`,
        );
      if (opts.evalData !== undefined || opts.evaluators !== undefined || opts.payout === "contribution")
        throw new UsageError(
          "--privacy ckks takes no --eval-data, --evaluators or --payout contribution: nobody but you can read an update",
        );
    } else if (opts.ckksPublicKey !== undefined)
      throw new UsageError("--ckks-public-key needs --privacy ckks");
    const ruleParams = parseRuleParamsArgs(rule, opts, minParticipants);
    const { payout, joinBond, evalData, evaluators } = parseEvalArgs(rule, opts, model.spec);
    const ckksKey =
      privacy === Privacy.Ckks
        ? await readCkksKeyArg(opts.ckksPublicKey!, "public", "--ckks-public-key")
        : undefined;
    const ckksKeyCid = ckksKey ? cidOf(ckksKey) : undefined;
    const prepared = prepareTx(opts, opts.from!);
    const genesisWeightsCid = cidOf(model.weights);
    const fields: MsgCreateTaskFields = {
      owner: prepared.key.address,
      modelSpec: model.specText,
      genesisWeightsCid,
      rewardPool: reward,
      rounds,
      roundBlocks,
      minParticipants,
      maxParticipants,
      rule,
      ruleParams,
      committeeSize,
      subgroupSize,
      payout,
      joinBond,
      ...(ckksKeyCid ? { privacy, ckksPublicKeyCid: ckksKeyCid } : {}),
    };
    let evalSet: PreparedEvalSet | undefined;
    await sendTx(
      prepared,
      opts,
      async (client) => {
        if (evalData) {
          try {
            evalSet = await prepareEvalSet({
              query: client.query,
              chainId: await client.getChainId(),
              owner: prepared.key.address,
              data: evalData,
              ...(evaluators ? { validators: evaluators } : {}),
            });
          } catch (e) {
            if (e instanceof EvaluatorError) throw new CliError(`--eval-data: ${e.message}`);
            throw e;
          }
          fields.evalSet = evalSet.evalSet;
        }
        const blobs = [model.weights, ...(evalSet ? [evalSet.blob] : []), ...(ckksKey ? [ckksKey] : [])];
        // The chain's own checks against its current params, before anything is paid or uploaded.
        try {
          checkCreateTask(fields, flParamsFromWire(await client.query.fl.params()), BASE_DENOM);
        } catch (e) {
          throw new CliError(`the chain would refuse this task: ${(e as Error).message}`);
        }
        return {
          messages: [msgCreateTask(fields)],
          summary: [
            ["model", `${model.paramCount} float32 parameters, ${model.specText.length} bytes of spec`],
            ["genesis weights", `${genesisWeightsCid} (uploaded to ${prepared.url} once confirmed)`],
            ["reward pool", formatCoin(reward)],
            ["rounds", `${rounds} of ${roundBlocks} blocks`],
            ["participants", `${minParticipants} to ${maxParticipants}`],
            ["rule", ruleText(rule, ruleParams)],
            [
              "committee",
              `${committeeSize} validators${subgroupSize ? `, subgroups of ${subgroupSize}` : ""}`,
            ],
            ["payout", payoutName(payout)],
            ["join bond", joinBond ? formatTokens(joinBond) : "none"],
            [
              "privacy",
              ckksKeyCid
                ? `ckks: updates encrypted under ${ckksKeyCid} (uploaded once confirmed); you publish each round's model`
                : "plain",
            ],
            ...(evalSet
              ? ([
                  [
                    "eval set",
                    `${evalSet.evalSet.cid}: ${evalSet.evalSet.records} records, ${evalSet.blob.length} bytes encrypted (uploaded once confirmed)`,
                  ],
                  ["evaluators", evaluatorsText(evalSet.evalSet)],
                ] as Array<[string, string]>)
              : []),
          ],
          beforeSign: async () => {
            for (const b of blobs) await putBlob(prepared.url, b);
          },
        };
      },
      (res) => ({
        task_id: createdTaskId(res)?.toString(),
        genesis_weights_cid: genesisWeightsCid,
        ...(evalSet ? { eval_set_cid: evalSet.evalSet.cid } : {}),
        ...(ckksKeyCid ? { ckks_public_key_cid: ckksKeyCid } : {}),
      }),
    );
  });

  // ----- join -------------------------------------------------------------------------------------

  const join = fl
    .command("join")
    .description("join a task as a trainer (then run 'cifer fl train'; train also joins by itself)")
    .addOption(taskOption());
  withTxOptions(join, { from: true });
  withExamples(join, [
    "cifer fl join --task 1 --from trainer1",
    "cifer fl join --task 1 --from trainer1 --yes -o json",
  ]);
  join.action(async (opts: TxFlags & { task: string }) => {
    const taskId = parseTaskIdArg(opts.task);
    const prepared = prepareTx(opts, opts.from!);
    let bond: Coin | undefined;
    await sendTx(
      prepared,
      opts,
      async (client) => {
        const task = await liveTask(client, taskId);
        const participants = await allPages(async (key) => {
          const r = await client.query.fl.participants(taskId, key);
          return { items: r.participants, nextKey: r.pagination?.nextKey };
        });
        if (participants.some((p) => p.address === prepared.key.address))
          throw new CliError(`${prepared.key.name} (${prepared.key.address}) already joined task ${taskId}`);
        if (task.participantCount >= task.maxParticipants)
          throw new CliError(`task ${taskId} is full (${task.maxParticipants} participants)`);
        const short = await joinBondShortfall(client, prepared.key.address, task);
        if (short) throw new CliError(short);
        bond = joinBondOf(task);
        return {
          messages: [msgJoinTask(prepared.key.address, taskId)],
          summary: [
            ["task", `${taskId} (${taskStatusName(task.status)}, ${ruleText(task.rule, task.ruleParams)})`],
            [
              "participants",
              `${task.participantCount} of ${task.maxParticipants} (${task.minParticipants} to start)`,
            ],
            ["payout", payoutName(task.payout)],
            [
              "join bond",
              BigInt(bond.amount) > 0n
                ? `${formatCoin(bond)}, returned when the task ends unless you contributed nothing`
                : "none",
            ],
          ],
        };
      },
      () => (bond && BigInt(bond.amount) > 0n ? { bond: `${bond.amount}${bond.denom}` } : {}),
    );
  });

  // ----- cancel -----------------------------------------------------------------------------------

  const cancel = fl
    .command("cancel")
    .description("cancel your task: the current round is abandoned and the escrow left returns to you")
    .addOption(taskOption());
  withTxOptions(cancel, { from: true });
  withExamples(cancel, ["cifer fl cancel --task 1 --from owner"]);
  cancel.action(async (opts: TxFlags & { task: string }) => {
    const taskId = parseTaskIdArg(opts.task);
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(
      prepared,
      opts,
      async (client) => {
        const task = await liveTask(client, taskId);
        if (task.owner !== prepared.key.address)
          throw new CliError(
            `${prepared.key.name} (${prepared.key.address}) is not the owner of task ${taskId} (${task.owner} is)`,
          );
        return {
          messages: [msgCancelTask(prepared.key.address, taskId)],
          summary: [
            ["task", `${taskId} (${taskStatusName(task.status)}, round ${task.currentRound}/${task.rounds})`],
            ["refund", formatTokens(task.escrow)],
          ],
        };
      },
      (res) => ({ refunded: `${eventAttr(res, "fl_task_cancelled", "refunded") ?? "?"}ucif` }),
    );
  });
}
