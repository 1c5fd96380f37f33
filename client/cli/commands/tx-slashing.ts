/** `cifer tx slashing unjail`: bring a jailed validator back (after its jail time, if not tombstoned). */
import type { Command } from "commander";
import { msgUnjail } from "../../msgs.ts";
import { withExamples } from "../options.ts";
import { prepareTx, sendTx, type TxFlags, withTxOptions } from "../tx-send.ts";
import { requireOperator } from "./tx-staking.ts";

export function registerSlashingTxCommands(tx: Command): void {
  const slashing = tx.command("slashing").description("slashing transactions");
  withExamples(slashing, ["cifer tx slashing unjail --from operator"]);

  const unjail = slashing
    .command("unjail")
    .description(
      "unjail the validator the --from key operates, once its jail time is over (see 'cifer query slashing signing-info'); it rejoins the consensus set at the next epoch",
    );
  withTxOptions(unjail, { from: true });
  withExamples(unjail, [
    "cifer tx slashing unjail --from operator",
    "cifer tx slashing unjail --from cif1... --yes",
  ]);
  unjail.action(async (opts: TxFlags) => {
    const prepared = prepareTx(opts, opts.from!);
    await sendTx(prepared, opts, async (client) => {
      const validator = await requireOperator(client, prepared.key.name, prepared.key.address);
      return { messages: [msgUnjail(validator)], summary: [["unjail", validator]] };
    });
  });
}
