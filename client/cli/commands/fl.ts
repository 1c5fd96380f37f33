/** `cifer fl ...`: federated learning for model owners (init-model, create-task, cancel) and trainers (join, train, status). */
import type { Command } from "commander";
import { withExamples } from "../options.ts";
import { registerFlCkksCommands } from "./fl-ckks.ts";
import { registerFlModelCommands } from "./fl-model.ts";
import { registerFlStatusCommand } from "./fl-status.ts";
import { registerFlTaskCommands } from "./fl-task.ts";
import { registerFlTrainCommand } from "./fl-train.ts";

export function registerFlCommands(program: Command): void {
  const fl = program
    .command("fl")
    .description(
      "federated learning: owners open tasks with a model and a reward pool, trainers train it on their own data; only weights leave their machines",
    );
  withExamples(fl, [
    "cifer fl init-model --inputs 64 --hidden 32 --classes 10 --feature-scale 16 --out ./model",
    "cifer fl create-task --model ./model --reward 100CIF --rounds 3 --round-blocks 30 --min-participants 2 --max-participants 10 --rule median --committee-size 3 --from owner",
    "cifer fl train --task 1 --data ./my-data.csv --from trainer1",
    "cifer fl status --task 1",
  ]);
  registerFlModelCommands(fl);
  registerFlTaskCommands(fl);
  registerFlTrainCommand(fl);
  registerFlStatusCommand(fl);
  registerFlCkksCommands(fl);
}
