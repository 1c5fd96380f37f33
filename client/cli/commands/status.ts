/** `cifer status`: what the node reports about itself and the chain. */
import type { Command } from "commander";
import { printFields, printJson } from "../io.ts";
import { nodeOption, outputOf, outputOption, parseNodeUrl, withClient, withExamples } from "../options.ts";

export function registerStatusCommand(program: Command): void {
  const status = program
    .command("status")
    .description("chain id, latest block height and time, node moniker and validator of a node")
    .addOption(nodeOption())
    .addOption(outputOption());
  withExamples(status, ["cifer status", "cifer status --node http://127.0.0.1:26667 -o json"]);
  status.action(async (opts: { node: string; output?: string }) => {
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const s = await withClient(url, (c) => c.status());
    const out = {
      chain_id: s.chainId,
      latest_block_height: s.latestBlockHeight,
      latest_block_time: s.latestBlockTime,
      latest_block_hash: s.latestBlockHash,
      catching_up: s.catchingUp,
      moniker: s.moniker,
      node_id: s.nodeId,
      node_version: s.nodeVersion,
      validator_address: s.validator.address,
      validator_pubkey: s.validator.pubkey,
      voting_power: s.validator.votingPower,
    };
    if (format === "json") printJson(out);
    else printFields(out);
  });
}
