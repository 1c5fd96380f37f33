/** `cifer node init|start`: create a node home and run a node. */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { CliError, errorMessage, UsageError } from "../errors.ts";
import { printFields, printJson } from "../io.ts";
import {
  outputOf,
  outputOption,
  parseChainIdArg,
  parseIntArg,
  parsePortArg,
  withExamples,
} from "../options.ts";

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

/** The node's rule for monikers (chain/node/init.ts), checked here so the message names the flag. */
function parseMoniker(value: string): string {
  if (!/^[\w.-]{1,64}$/.test(value)) {
    throw new UsageError(
      `invalid --moniker ${JSON.stringify(value)}: 1 to 64 characters among letters, digits, '_', '.' and '-'`,
    );
  }
  return value;
}

function parseHome(value: string | undefined): string {
  if (value === undefined || value.trim() === "") throw new UsageError("--home is required");
  return resolve(value);
}

export function registerNodeCommands(program: Command): void {
  const node = program.command("node").description("create and run a Cifer node");
  withExamples(node, [
    "cifer node init --home ./mynode --moniker mynode",
    "cifer node start --home ./mynode",
  ]);

  const init = node
    .command("init")
    .description("create a node home: config, keys and a single-validator development genesis")
    .requiredOption("--home <dir>", "node home directory (created)")
    .requiredOption("--moniker <name>", "human-readable name of the node")
    .option("--chain-id <id>", "chain id of the genesis", "cifer-local-1")
    .option("--rpc-host <host>", "interface the RPC listens on", "127.0.0.1")
    .option("--rpc-port <port>", "RPC port", "26657")
    .option("--p2p-port <port>", "P2P port", "26656")
    .option("--block-interval-ms <ms>", "target time between blocks")
    .option("--overwrite", "replace the config and genesis of an existing home")
    .addOption(outputOption());
  withExamples(init, [
    "cifer node init --home ~/.cifer-node --moniker alice",
    "cifer node init --home ./n1 --moniker n1 --chain-id cifer-dev-2 --rpc-port 36657 --p2p-port 36656",
  ]);
  init.action(
    async (opts: {
      home: string;
      moniker: string;
      chainId: string;
      rpcHost: string;
      rpcPort: string;
      p2pPort: string;
      blockIntervalMs?: string;
      overwrite?: boolean;
      output?: string;
    }) => {
      const home = parseHome(opts.home);
      const moniker = parseMoniker(opts.moniker);
      const chainId = parseChainIdArg(opts.chainId);
      const rpcPort = parsePortArg(opts.rpcPort, "--rpc-port");
      const p2pPort = parsePortArg(opts.p2pPort, "--p2p-port");
      if (rpcPort === p2pPort) throw new UsageError("--rpc-port and --p2p-port must differ");
      if (!/^[a-zA-Z0-9.:[\]-]{1,253}$/.test(opts.rpcHost))
        throw new UsageError(`invalid --rpc-host ${JSON.stringify(opts.rpcHost)}`);
      const blockIntervalMs =
        opts.blockIntervalMs !== undefined
          ? parseIntArg(opts.blockIntervalMs, "--block-interval-ms", 10, 3_600_000)
          : undefined;
      const format = outputOf(opts);

      const { initNodeHome } = await import("../../../chain/node/init.ts");
      const res = await initNodeHome({
        home,
        moniker,
        chainId,
        rpcHost: opts.rpcHost,
        rpcPort,
        p2pPort,
        overwrite: opts.overwrite === true,
        ...(blockIntervalMs !== undefined ? { blockIntervalMs } : {}),
      });
      const out = {
        home: res.home,
        chain_id: chainId,
        moniker,
        node_id: res.nodeId,
        validator_address: res.validatorAddress,
        validator_pubkey: res.validatorPubKey,
        genesis: res.genesisPath,
        config: res.configPath,
        rpc: `http://${opts.rpcHost}:${rpcPort}`,
      };
      if (format === "json") return printJson(out);
      printFields(out);
      process.stderr.write(`\nnode home created; start the node with: cifer node start --home ${res.home}\n`);
    },
  );

  const start = node
    .command("start")
    .description("run a node until SIGINT/SIGTERM (Ctrl-C), then shut it down cleanly")
    .requiredOption("--home <dir>", "node home directory (see 'cifer node init')")
    // No default here: without the flag, config.json's log_level applies.
    .addOption(
      new Option("--log-level <level>", "log verbosity (default: log_level in config.json)").choices([
        ...LOG_LEVELS,
      ]),
    );
  withExamples(start, [
    "cifer node start --home ~/.cifer-node",
    "cifer node start --home ./n1 --log-level debug",
  ]);
  start.action(async (opts: { home: string; logLevel?: LogLevel }) => {
    const home = parseHome(opts.home);
    if (!existsSync(join(home, "config", "config.json"))) {
      throw new UsageError(
        `${home} is not a node home (no config/config.json); create it with: cifer node init --home ${opts.home} --moniker <name>`,
      );
    }
    const { runNode } = await import("../../../chain/node/run.ts");
    const running = await runNode({ home, logLevel: opts.logLevel });
    process.stderr.write(`node running: chain ${running.chainId}, RPC ${running.rpcUrl} (Ctrl-C to stop)\n`);

    await new Promise<void>((resolveRun, rejectRun) => {
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          process.stderr.write(`received ${signal} again while stopping; exiting immediately\n`);
          process.exit(130);
        }
        stopping = true;
        process.stderr.write(`received ${signal}; stopping the node\n`);
        running.stop().then(
          () => resolveRun(),
          (e) =>
            rejectRun(new CliError(`the node did not stop cleanly: ${errorMessage(e)}`, 1, { cause: e })),
        );
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      running.done.then(
        () => {
          if (!stopping) {
            process.stderr.write("the node stopped\n");
            resolveRun();
          }
        },
        (e) => {
          if (!stopping)
            rejectRun(new CliError(`the node stopped with an error: ${errorMessage(e)}`, 1, { cause: e }));
        },
      );
    });
  });
}
