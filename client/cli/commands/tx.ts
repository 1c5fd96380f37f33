/** `cifer tx ...`: sign and broadcast transactions, waiting for their inclusion in a block. */
import type { DeliverTxResponse } from "@cosmjs/stargate";
import type { Command } from "commander";
import { formatCoin } from "../../amounts.ts";
import { msgSend } from "../../cifer-client.ts";
import { CliError } from "../errors.ts";
import { confirm, printFields, printJson } from "../io.ts";
import {
  type FeeFlags,
  type KeyringFlags,
  nodeOption,
  openKeyring,
  outputOf,
  outputOption,
  parseAddressArg,
  parseAmountArg,
  parseChainIdArg,
  parseFeeFlags,
  parseMemoArg,
  parseNodeUrl,
  resolveFee,
  resolveKey,
  withClient,
  withExamples,
  withFeeOptions,
  withKeyringOptions,
} from "../options.ts";

type TxFlags = KeyringFlags &
  FeeFlags & { node: string; chainId?: string; memo?: string; yes?: boolean; output?: string };

/** Options every transaction command takes. */
function withTxOptions(cmd: Command): Command {
  cmd
    .addOption(nodeOption())
    .option("--chain-id <id>", "refuse to sign unless the node serves this chain id")
    .option("--memo <text>", "transaction memo (at most 256 characters)")
    .option("-y, --yes", "sign and broadcast without asking for confirmation")
    .addOption(outputOption());
  withFeeOptions(cmd);
  return withKeyringOptions(cmd);
}

function printResult(res: DeliverTxResponse, format: "text" | "json"): void {
  const out = {
    txhash: res.transactionHash,
    height: res.height,
    code: res.code,
    gas_used: res.gasUsed.toString(),
    gas_wanted: res.gasWanted.toString(),
    ...(res.code !== 0 ? { raw_log: res.rawLog ?? "" } : {}),
  };
  if (format === "json") printJson(out);
  else printFields(out);
}

export function registerTxCommands(program: Command): void {
  const tx = program.command("tx").description("sign and broadcast transactions");
  withExamples(tx, ["cifer tx bank send alice cif1... 1.5CIF"]);

  const bank = tx.command("bank").description("bank module transactions");
  withExamples(bank, ["cifer tx bank send alice cif1... 1000ucif"]);

  const send = bank
    .command("send")
    .description(
      "send tokens from one of your keys to an address, and wait until the transaction is in a block",
    )
    .argument("<from>", "name (or address) of a key of the keyring")
    .argument("<to-address>", "recipient address (cif1...)")
    .argument("<amount>", "amount: 1000ucif, 1.5CIF (1 CIF = 10^6 ucif), or a comma-separated list");
  withTxOptions(send);
  withExamples(send, [
    "cifer tx bank send alice cif1qy... 1.5CIF",
    "cifer tx bank send alice cif1qy... 1000ucif --fees 5000ucif --memo 'thanks' --yes",
    "cifer tx bank send alice cif1qy... 1000ucif --gas auto --gas-adjustment 1.5 --node http://10.0.0.2:26657",
  ]);
  send.action(async (fromArg: string, toArg: string, amountArg: string, opts: TxFlags) => {
    // Everything the user typed is checked before the keyring or the network is touched.
    const to = parseAddressArg(toArg, "recipient address");
    const amount = parseAmountArg(amountArg);
    const plan = parseFeeFlags(opts);
    const memo = parseMemoArg(opts.memo);
    const url = parseNodeUrl(opts.node);
    const chainId = opts.chainId !== undefined ? parseChainIdArg(opts.chainId) : undefined;
    const format = outputOf(opts);

    const keyring = openKeyring(opts);
    const key = resolveKey(keyring, fromArg);
    const signer = keyring.lazySigner(key.name);
    const res = await withClient(
      url,
      async (client) => {
        const actualChainId = await client.getChainId();
        if (chainId !== undefined && chainId !== actualChainId) {
          throw new CliError(`chain id mismatch: the node at ${url} serves ${actualChainId}, not ${chainId}`);
        }
        const msgs = [msgSend(key.address, to, amount)];
        const fee = await resolveFee(client, key.address, msgs, memo, plan);
        if (!opts.yes) {
          process.stderr.write(
            [
              `chain:  ${actualChainId} (${url})`,
              `from:   ${key.name} (${key.address})`,
              `to:     ${to}`,
              `amount: ${amount.map(formatCoin).join(", ")}`,
              `fee:    ${fee.amount.map(formatCoin).join(", ") || "0"} (gas limit ${fee.gas})`,
              ...(memo ? [`memo:   ${memo}`] : []),
              "",
            ].join("\n"),
          );
          if (!(await confirm("Sign and broadcast this transaction?")))
            throw new CliError("aborted: nothing was signed");
        }
        return client.signAndBroadcast(key.address, msgs, fee, memo);
      },
      signer,
    );
    printResult(res, format);
    if (res.code !== 0) {
      throw new CliError(
        `transaction ${res.transactionHash} failed in block ${res.height} with code ${res.code}: ${res.rawLog ?? ""}`,
      );
    }
  });
}
