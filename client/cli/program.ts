/** The `cifer` command tree. Kept apart from main.ts so tests and tools can build it without running it. */
import { Command } from "commander";
import { registerFlCommands } from "./commands/fl.ts";
import { registerKeysCommands } from "./commands/keys.ts";
import { registerMarketCommands } from "./commands/market.ts";
import { registerNodeCommands } from "./commands/node.ts";
import { registerQueryCommands } from "./commands/query.ts";
import { registerStatusCommand } from "./commands/status.ts";
import { registerTxCommands } from "./commands/tx.ts";
import { oneLine } from "./errors.ts";
import { withExamples } from "./options.ts";

export const CLI_VERSION = "0.1.0";

/** `-5ucif` looks like an option to any CLI parser: say what is wrong with it. */
function hint(message: string): string {
  return /unknown option '-[0-9.]/.test(message)
    ? `${message.trim()} (amounts and numbers must be positive; an argument starting with '-' goes after --)`
    : message;
}

export function buildProgram(): Command {
  const program = new Command("cifer");
  program
    .description(
      "Cifer chain command line: keys, transactions, queries, federated learning, the data and model market, and nodes",
    )
    .version(CLI_VERSION, "-v, --version", "print the version")
    .option("--debug", "print stack traces of errors (also CIFER_DEBUG=1)")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError(true)
    // Settings below are inherited by every subcommand created afterwards with .command().
    .exitOverride()
    .configureOutput({
      // Commander's own errors ("error: unknown option...", "(Did you mean ...?)") become one line.
      outputError: (str, write) => write(`${oneLine(hint(str.replace(/^error: /, "Error: ")))}\n`),
    });
  withExamples(program, [
    "cifer keys add alice",
    "cifer query bank balances cif1...",
    "cifer tx bank send alice cif1... 1.5CIF",
    "cifer fl train --task 1 --data ./my-data.csv --from trainer1",
    "cifer market buy 1 --max-price 2CIF --from bob",
    "cifer status",
    "cifer node init --home ./mynode --moniker mynode && cifer node start --home ./mynode",
  ]);
  program.addHelpText(
    "after",
    "\nEnvironment: CIFER_NODE (default --node), CIFER_KEYRING_BACKEND, CIFER_KEYRING_PASSPHRASE, CIFER_HOME, CIFER_DEBUG=1\n",
  );
  registerKeysCommands(program);
  registerTxCommands(program);
  registerQueryCommands(program);
  registerFlCommands(program);
  registerMarketCommands(program);
  registerStatusCommand(program);
  registerNodeCommands(program);
  return program;
}
