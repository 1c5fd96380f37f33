/** `cifer query ...` (alias `q`): read chain state over RPC. */
import { decodeTxRaw } from "@cosmjs/proto-signing";
import type { Command } from "commander";
import { formatCoin } from "../../amounts.ts";
import { CliError, UsageError } from "../errors.ts";
import { printFields, printJson, toJson } from "../io.ts";
import {
  outputOf,
  parseAddressArg,
  parseNodeUrl,
  parseTxHashArg,
  withClient,
  withExamples,
} from "../options.ts";
import { type QueryFlags, withQueryOptions } from "../query-common.ts";
import { registerDistributionQueryCommands } from "./query-distribution.ts";
import { registerFlQueryCommands } from "./query-fl.ts";
import { registerMarketQueryCommands } from "./query-market.ts";
import { registerReputationQueryCommands } from "./query-reputation.ts";
import { registerSlashingQueryCommands } from "./query-slashing.ts";
import { registerStakingQueryCommands } from "./query-staking.ts";

const DENOM_RE = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/;

export function registerQueryCommands(program: Command): void {
  const query = program.command("query").alias("q").description("query chain state");
  withExamples(query, [
    "cifer query bank balances cif1...",
    "cifer query tx 5A0B...",
    "cifer query account cif1...",
    "cifer query staking validators",
    "cifer query distribution rewards cif1...",
    "cifer query reputation validators",
    "cifer query fl tasks",
    "cifer query market assets",
  ]);

  const bank = query.command("bank").description("bank module queries");
  withExamples(bank, ["cifer query bank balances cif1..."]);

  const balances = bank
    .command("balances")
    .description("balances of an address")
    .argument("<address>", "account address (cif1...)")
    .option("--denom <denom>", "only this denomination, e.g. ucif");
  withQueryOptions(balances);
  withExamples(balances, [
    "cifer query bank balances cif1...",
    "cifer query bank balances cif1... --denom ucif -o json",
  ]);
  balances.action(async (addressArg: string, opts: QueryFlags & { denom?: string }) => {
    const address = parseAddressArg(addressArg);
    if (opts.denom !== undefined && !DENOM_RE.test(opts.denom))
      throw new UsageError(`invalid --denom ${JSON.stringify(opts.denom)}`);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const coins = await withClient(url, async (c) =>
      opts.denom !== undefined
        ? [await c.getBalance(address, opts.denom)]
        : [...(await c.getAllBalances(address))],
    );
    if (format === "json") {
      printJson(opts.denom !== undefined ? coins[0] : { balances: coins });
      return;
    }
    if (coins.length === 0) process.stdout.write("no balances\n");
    for (const c of coins) process.stdout.write(`${formatCoin(c)}\n`);
  });

  const tx = query
    .command("tx")
    .description("a transaction by hash: block, result code, gas, messages and events")
    .argument("<hash>", "transaction hash (64 hex characters)");
  withQueryOptions(tx);
  withExamples(tx, ["cifer query tx 5A0BF1C1...E9 -o json"]);
  tx.action(async (hashArg: string, opts: QueryFlags) => {
    const hash = parseTxHashArg(hashArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const found = await withClient(url, (c) => c.getTx(hash));
    if (!found) throw new CliError(`transaction ${hash} not found on ${url}`);
    const { createCiferRegistry } = await import("../../registry.ts");
    const registry = createCiferRegistry();
    const decoded = decodeTxRaw(found.tx);
    const messages = decoded.body.messages.map((m) => {
      try {
        return { "@type": m.typeUrl, ...registry.decode(m) };
      } catch {
        return { "@type": m.typeUrl, value: m.value };
      }
    });
    const out = {
      txhash: found.hash,
      height: found.height,
      index: found.txIndex,
      code: found.code,
      gas_used: found.gasUsed.toString(),
      gas_wanted: found.gasWanted.toString(),
      ...(found.code !== 0 ? { raw_log: found.rawLog } : {}),
      memo: decoded.body.memo,
      fee: {
        amount: decoded.authInfo.fee?.amount ?? [],
        gas_limit: decoded.authInfo.fee?.gasLimit.toString() ?? "0",
      },
      messages,
      events: found.events,
    };
    if (format === "json") {
      printJson(out);
      return;
    }
    const { messages: msgs, events, ...rest } = out;
    printFields(rest);
    process.stdout.write("messages:\n");
    for (const m of msgs) process.stdout.write(`  ${toJson(m, 0)}\n`);
    process.stdout.write(`events: ${[...new Set(events.map((e) => e.type))].join(", ") || "none"}\n`);
  });

  const account = query
    .command("account")
    .description("account number, sequence and public key of an address")
    .argument("<address>", "account address (cif1...)");
  withQueryOptions(account);
  withExamples(account, ["cifer query account cif1..."]);
  account.action(async (addressArg: string, opts: QueryFlags) => {
    const address = parseAddressArg(addressArg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const acc = await withClient(url, (c) => c.getAccount(address));
    if (!acc)
      throw new CliError(`account ${address} not found (an account exists once it has received tokens)`);
    const out = {
      address: acc.address,
      account_number: acc.accountNumber.toString(),
      sequence: acc.sequence,
      pubkey: acc.pubkey,
    };
    if (format === "json") printJson(out);
    else printFields({ ...out, pubkey: acc.pubkey ?? "none (the account has not signed a transaction yet)" });
  });

  registerStakingQueryCommands(query);
  registerDistributionQueryCommands(query);
  registerSlashingQueryCommands(query);
  registerReputationQueryCommands(query);
  registerFlQueryCommands(query);
  registerMarketQueryCommands(query);
}
