/** `cifer tx ...`: sign and broadcast transactions, waiting for their inclusion in a block. */
import type { Command } from "commander";
import { formatCoin } from "../../amounts.ts";
import { msgSend } from "../../msgs.ts";
import { parseAddressArg, parseAmountArg, withExamples } from "../options.ts";
import { prepareTx, sendTx, type TxFlags, withTxOptions } from "../tx-send.ts";
import { registerDistributionTxCommands } from "./tx-distribution.ts";
import { registerSlashingTxCommands } from "./tx-slashing.ts";
import { registerStakingTxCommands } from "./tx-staking.ts";

export function registerTxCommands(program: Command): void {
  const tx = program.command("tx").description("sign and broadcast transactions");
  withExamples(tx, [
    "cifer tx bank send alice cif1... 1.5CIF",
    "cifer tx staking delegate cifvaloper1... 10CIF --from alice",
    "cifer tx distribution withdraw-all-rewards --from alice",
  ]);

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
  withTxOptions(send, { from: false });
  withExamples(send, [
    "cifer tx bank send alice cif1qy... 1.5CIF",
    "cifer tx bank send alice cif1qy... 1000ucif --fees 5000ucif --memo 'thanks' --yes",
    "cifer tx bank send alice cif1qy... 1000ucif --gas auto --gas-adjustment 1.5 --node http://10.0.0.2:26657",
  ]);
  send.action(async (fromArg: string, toArg: string, amountArg: string, opts: TxFlags) => {
    // Everything the user typed is checked before the keyring or the network is touched.
    const to = parseAddressArg(toArg, "recipient address");
    const amount = parseAmountArg(amountArg);
    const prepared = prepareTx(opts, fromArg);
    await sendTx(prepared, opts, {
      messages: [msgSend(prepared.key.address, to, amount)],
      summary: [
        ["to", to],
        ["amount", amount.map(formatCoin).join(", ")],
      ],
    });
  });

  registerStakingTxCommands(tx);
  registerDistributionTxCommands(tx);
  registerSlashingTxCommands(tx);
}
