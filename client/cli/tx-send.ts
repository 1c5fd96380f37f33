/**
 * What every `cifer tx ...` command shares: its options (--node, --chain-id, --memo, --yes, -o, the fee
 * and keyring options, --from), the validation of those options before anything touches the network,
 * the confirmation, signing, broadcasting, waiting for the block, and the printing of the result.
 *
 *   const tx = prepareTx(opts, opts.from);                      // local only: flags, keyring, key
 *   await sendTx(tx, async (client) => ({ messages, summary })); // network: build, confirm, sign, send
 */
import type { EncodeObject, OfflineDirectSigner } from "@cosmjs/proto-signing";
import type { DeliverTxResponse } from "@cosmjs/stargate";
import { type Command, Option } from "commander";
import { formatCoin } from "../amounts.ts";
import type { CiferClient } from "../cifer-client.ts";
import type { KeyInfo } from "../keys/keyring.ts";
import { CliError } from "./errors.ts";
import { confirm, type OutputFormat, printFields, printJson } from "./io.ts";
import {
  type FeeFlags,
  type FeePlan,
  type KeyringFlags,
  nodeOption,
  openKeyring,
  outputOf,
  outputOption,
  parseChainIdArg,
  parseFeeFlags,
  parseMemoArg,
  parseNodeUrl,
  resolveFee,
  resolveKey,
  withClient,
  withFeeOptions,
  withKeyringOptions,
} from "./options.ts";

/**
 * How often a sent tx is looked for in blocks. CosmJS's default, 3 s, is several blocks of this
 * chain: every command would wait up to 3 s after its tx was in.
 */
export const BROADCAST_POLL_MS = 500;

export type TxFlags = KeyringFlags &
  FeeFlags & {
    node: string;
    chainId?: string;
    memo?: string;
    yes?: boolean;
    output?: string;
    from?: string;
  };

/**
 * Options every transaction command takes; `from: true` adds the required `--from <key>` (commands
 * such as `tx bank send` take the signer as an argument instead).
 */
export function withTxOptions(cmd: Command, o: { from: boolean }): Command {
  if (o.from) {
    cmd.addOption(
      new Option("--from <key>", "name (or address) of the signing key of the keyring").makeOptionMandatory(),
    );
  }
  cmd
    .addOption(nodeOption())
    .option("--chain-id <id>", "refuse to sign unless the node serves this chain id")
    .option("--memo <text>", "transaction memo (at most 256 characters)")
    .option("-y, --yes", "sign and broadcast without asking for confirmation")
    .addOption(outputOption());
  withFeeOptions(cmd);
  return withKeyringOptions(cmd);
}

/** A transaction whose options are validated and whose signing key is found, before any network access. */
export interface PreparedTx {
  key: KeyInfo;
  signer: OfflineDirectSigner;
  plan: FeePlan;
  memo: string;
  url: string;
  chainId: string | undefined;
  format: OutputFormat;
}

/** Validates the shared options (fees, memo, node, chain id, output), then finds the key in the keyring. */
export function prepareTx(opts: TxFlags, fromArg: string): PreparedTx {
  const plan = parseFeeFlags(opts);
  const memo = parseMemoArg(opts.memo);
  const url = parseNodeUrl(opts.node);
  const chainId = opts.chainId !== undefined ? parseChainIdArg(opts.chainId) : undefined;
  const format = outputOf(opts);
  const keyring = openKeyring(opts);
  const key = resolveKey(keyring, fromArg);
  return { key, signer: keyring.lazySigner(key.name), plan, memo, url, chainId, format };
}

/** The messages of a transaction and what the confirmation shows about them ([label, value] lines). */
export interface TxDraft {
  messages: EncodeObject[];
  summary: Array<[string, string]>;
  /**
   * Work the transaction needs once the user has confirmed it, before it is signed (e.g. uploading
   * the blob a message names): nothing leaves the machine for a transaction the user declined.
   */
  beforeSign?: () => Promise<void>;
}

/** What a command adds to the printed result of its transaction (e.g. the id of what it created). */
export type ResultFields = (res: DeliverTxResponse) => Record<string, unknown>;

function printResult(res: DeliverTxResponse, format: OutputFormat, extra?: ResultFields): void {
  const out = {
    txhash: res.transactionHash,
    height: res.height,
    code: res.code,
    gas_used: res.gasUsed.toString(),
    gas_wanted: res.gasWanted.toString(),
    ...(res.code !== 0 ? { raw_log: res.rawLog ?? "" } : {}),
    ...(res.code === 0 && extra ? extra(res) : {}),
  };
  if (format === "json") printJson(out);
  else printFields(out);
}

/**
 * Connects with the key's signer, checks the chain id, builds the draft (which may query the chain),
 * computes the fee, asks for confirmation unless --yes, runs the draft's beforeSign, signs,
 * broadcasts and waits for the block. Prints the result (with `extra` fields when it succeeded); a
 * transaction that fails in its block is an error (after printing it).
 */
export async function sendTx(
  tx: PreparedTx,
  opts: { yes?: boolean },
  build: TxDraft | ((client: CiferClient) => Promise<TxDraft>),
  extra?: ResultFields,
): Promise<DeliverTxResponse> {
  const { key, url, memo } = tx;
  const res = await withClient(
    url,
    async (client) => {
      const actualChainId = await client.getChainId();
      if (tx.chainId !== undefined && tx.chainId !== actualChainId) {
        throw new CliError(
          `chain id mismatch: the node at ${url} serves ${actualChainId}, not ${tx.chainId}`,
        );
      }
      const draft = typeof build === "function" ? await build(client) : build;
      const fee = await resolveFee(client, key.address, draft.messages, memo, tx.plan);
      if (!opts.yes) {
        const lines: Array<[string, string]> = [
          ["chain", `${actualChainId} (${url})`],
          ["from", `${key.name} (${key.address})`],
          ...draft.summary,
          ["fee", `${fee.amount.map(formatCoin).join(", ") || "0"} (gas limit ${fee.gas})`],
          ...(memo ? ([["memo", memo]] as Array<[string, string]>) : []),
        ];
        const width = Math.max(...lines.map(([k]) => k.length)) + 2;
        process.stderr.write(`${lines.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`).join("\n")}\n\n`);
        if (!(await confirm("Sign and broadcast this transaction?")))
          throw new CliError("aborted: nothing was signed");
      }
      await draft.beforeSign?.();
      return client.signAndBroadcast(key.address, draft.messages, fee, memo);
    },
    tx.signer,
    { broadcastPollIntervalMs: BROADCAST_POLL_MS },
  );
  printResult(res, tx.format, extra);
  if (res.code !== 0) {
    throw new CliError(
      `transaction ${res.transactionHash} failed in block ${res.height} with code ${res.code}: ${res.rawLog ?? ""}`,
    );
  }
  return res;
}
