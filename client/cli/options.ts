/**
 * Options and argument validation shared by the CLI commands. Every argument is validated here, before
 * anything touches the network or the disk, and a bad one is a UsageError with one clear line.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { StdFee } from "@cosmjs/amino";
import type { Coin, EncodeObject, OfflineSigner } from "@cosmjs/proto-signing";
import { calculateFee, GasPrice } from "@cosmjs/stargate";
import { type Command, Option } from "commander";
import { BECH32_PREFIX, parseAddress } from "../../chain/crypto/address.ts";
import { DEFAULT_GAS_PRICE, parseCoins } from "../amounts.ts";
import { CiferClient, DEFAULT_RPC_URL } from "../cifer-client.ts";
import { cosmosHdPath, InvalidHdPathError, MAX_HD_INDEX, normalizeHdPath } from "../keys/hd.ts";
import {
  type KeyInfo,
  Keyring,
  KEYRING_BACKENDS,
  type KeyringBackend,
  validateKeyName,
} from "../keys/keyring.ts";
import { nodeError, UsageError } from "./errors.ts";
import { cliPassphraseProvider, type OutputFormat } from "./io.ts";

/** Runs a validator and turns whatever it throws into a UsageError naming the argument. */
function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}

// ----- help -----------------------------------------------------------------------------------------

/** Appends an "Examples:" section to a command's --help. */
export function withExamples(cmd: Command, examples: string[]): Command {
  return cmd.addHelpText("after", `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}`);
}

// ----- output ---------------------------------------------------------------------------------------

export const outputOption = () =>
  new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text");

export const outputOf = (opts: { output?: string }): OutputFormat =>
  opts.output === "json" ? "json" : "text";

// ----- node -----------------------------------------------------------------------------------------

export const nodeOption = () =>
  new Option("--node <url>", "RPC endpoint of a Cifer node").env("CIFER_NODE").default(DEFAULT_RPC_URL);

/** http(s) URL of a node RPC. `tcp://host:port` (as Cosmos tools write it) means http. */
export function parseNodeUrl(value: string): string {
  return usage(() => {
    const s = value.trim().replace(/^tcp:\/\//i, "http://");
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw new UsageError(
        `invalid --node ${JSON.stringify(value)}: expected a URL such as ${DEFAULT_RPC_URL}`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new UsageError(
        `invalid --node ${JSON.stringify(value)}: only http:// and https:// endpoints are supported`,
      );
    }
    return s.replace(/\/+$/, "");
  });
}

/** Connects (read-only without a signer), runs `fn`, always disconnects; network errors become one clear line. */
export async function withClient<T>(
  url: string,
  fn: (client: CiferClient) => Promise<T>,
  signer?: OfflineSigner,
): Promise<T> {
  let client: CiferClient | undefined;
  try {
    client = signer ? await CiferClient.connectWithSigner(url, signer) : await CiferClient.connect(url);
    return await fn(client);
  } catch (e) {
    throw nodeError(e, url);
  } finally {
    client?.disconnect();
  }
}

// ----- scalar arguments -----------------------------------------------------------------------------

export function parseAddressArg(value: string, what = "address"): string {
  return usage(() => {
    try {
      parseAddress(value);
    } catch (e) {
      throw new UsageError(`invalid ${what}: ${(e as Error).message}`);
    }
    return value;
  });
}

export function parseAmountArg(value: string, what = "amount", allowZero = false): Coin[] {
  return usage(() => {
    try {
      return parseCoins(value, { allowZero });
    } catch (e) {
      throw new UsageError(what === "amount" ? (e as Error).message : `${what}: ${(e as Error).message}`);
    }
  });
}

export function parseIntArg(value: string, what: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(value.trim()))
    throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: expected an integer`);
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`invalid ${what} ${value}: must be between ${min} and ${max}`);
  }
  return n;
}

export const parsePortArg = (value: string, what: string) => parseIntArg(value, what, 1, 65535);

const CHAIN_ID_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,49}$/;
export function parseChainIdArg(value: string): string {
  if (!CHAIN_ID_RE.test(value)) {
    throw new UsageError(
      `invalid chain id ${JSON.stringify(value)}: 1 to 50 characters among letters, digits, '_', '.' and '-' (e.g. cifer-local-1)`,
    );
  }
  return value;
}

export function parseTxHashArg(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) {
    throw new UsageError(`invalid transaction hash ${JSON.stringify(value)}: expected 64 hex characters`);
  }
  return value.toUpperCase();
}

/** Memo length limit of the Cosmos SDK's default auth params (max_memo_characters). */
export const MAX_MEMO_CHARACTERS = 256;
export function parseMemoArg(value: string | undefined): string {
  const memo = value ?? "";
  if ([...memo].length > MAX_MEMO_CHARACTERS) {
    throw new UsageError(`memo is too long: at most ${MAX_MEMO_CHARACTERS} characters`);
  }
  return memo;
}

// ----- keyring --------------------------------------------------------------------------------------

export interface KeyringFlags {
  keyringBackend?: string;
  keyringDir?: string;
  home?: string;
}

/** --keyring-backend, --keyring-dir and --home, for every command that uses keys. */
export function withKeyringOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--keyring-backend <backend>",
        "keyring backend: file (encrypted) or test (unencrypted, for throwaway keys)",
      )
        .choices([...KEYRING_BACKENDS])
        .env("CIFER_KEYRING_BACKEND")
        .default("file"),
    )
    .addOption(
      new Option("--keyring-dir <dir>", "directory of the key files (default: <home>/keyring-<backend>)"),
    )
    .addOption(
      new Option("--home <dir>", "client home directory")
        .env("CIFER_HOME")
        .default(join(homedir(), ".cifer"), "~/.cifer"),
    );
}

export function keyringDirOf(flags: KeyringFlags): string {
  const backend = flags.keyringBackend ?? "file";
  if (flags.keyringDir) return resolve(flags.keyringDir);
  return join(resolve(flags.home ?? join(homedir(), ".cifer")), `keyring-${backend}`);
}

export function openKeyring(flags: KeyringFlags): Keyring {
  const backend = (flags.keyringBackend ?? "file") as KeyringBackend;
  return new Keyring({ dir: keyringDirOf(flags), backend, passphrase: cliPassphraseProvider });
}

export function parseKeyNameArg(value: string): string {
  return usage(() => validateKeyName(value));
}

/** A key given by name, or by the address of one of the keyring's keys. */
export function resolveKey(keyring: Keyring, nameOrAddress: string): KeyInfo {
  if (nameOrAddress.startsWith(`${BECH32_PREFIX}1`) && nameOrAddress.length > 30) {
    parseAddressArg(nameOrAddress, "from address");
    const info = keyring.findByAddress(nameOrAddress);
    if (!info) throw new UsageError(`no key with address ${nameOrAddress} in ${keyring.dir}`);
    return info;
  }
  return keyring.show(parseKeyNameArg(nameOrAddress));
}

/** --account, --index and --hd-path, for `keys add` and `keys import`. */
export function withHdOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--account <n>", "HD account number: m/44'/118'/<n>'/0/<index>").default("0"))
    .addOption(new Option("--index <n>", "HD address index: m/44'/118'/<account>'/0/<n>").default("0"))
    .addOption(new Option("--hd-path <path>", "full BIP44 HD path (instead of --account/--index)"));
}

export function hdPathOf(opts: { account?: string; index?: string; hdPath?: string }): string {
  return usage(() => {
    if (opts.hdPath !== undefined) {
      if ((opts.account ?? "0") !== "0" || (opts.index ?? "0") !== "0") {
        throw new UsageError("--hd-path cannot be combined with --account or --index");
      }
      return normalizeHdPath(opts.hdPath);
    }
    try {
      return cosmosHdPath(
        parseIntArg(opts.account ?? "0", "--account", 0, MAX_HD_INDEX),
        parseIntArg(opts.index ?? "0", "--index", 0, MAX_HD_INDEX),
      );
    } catch (e) {
      if (e instanceof InvalidHdPathError) throw new UsageError(e.message);
      throw e;
    }
  });
}

// ----- fees -----------------------------------------------------------------------------------------

/** The Cosmos SDK CLI's default gas limit when neither --gas nor auto is asked for. */
export const DEFAULT_GAS_LIMIT = 200_000;
export const DEFAULT_GAS_ADJUSTMENT = 1.4;

export interface FeeFlags {
  fees?: string;
  gas?: string;
  gasAdjustment?: string;
  gasPrices?: string;
}

/** How to pay: explicit fees, or gas x price; gas explicit or simulated ("auto") x adjustment. */
export type FeePlan = { gas: "auto" | number; adjustment: number } & (
  | { fees: Coin[] }
  | { gasPrice: GasPrice }
);

export function withFeeOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--fees <coins>", "fees to pay, e.g. 5000ucif (instead of gas x gas price)"))
    .addOption(
      new Option(
        "--gas <auto|limit>",
        "gas limit, or 'auto' to simulate (default: auto; 200000 with --fees)",
      ),
    )
    .addOption(
      new Option("--gas-adjustment <factor>", "multiplier of the simulated gas with --gas auto").default(
        String(DEFAULT_GAS_ADJUSTMENT),
      ),
    )
    .addOption(
      new Option("--gas-prices <price>", `gas price (default ${DEFAULT_GAS_PRICE}, the nodes' minimum)`),
    );
}

export function parseFeeFlags(flags: FeeFlags): FeePlan {
  if (flags.fees !== undefined && flags.gasPrices !== undefined) {
    throw new UsageError("cannot provide both --fees and --gas-prices");
  }
  let gas: "auto" | number;
  if (flags.gas === undefined) gas = flags.fees !== undefined ? DEFAULT_GAS_LIMIT : "auto";
  else if (flags.gas.trim().toLowerCase() === "auto") gas = "auto";
  else gas = parseIntArg(flags.gas, "--gas", 1, Number.MAX_SAFE_INTEGER);

  const adjText = (flags.gasAdjustment ?? String(DEFAULT_GAS_ADJUSTMENT)).trim();
  const adjustment = Number(adjText);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(adjText) || !(adjustment > 0) || adjustment > 100) {
    throw new UsageError(
      `invalid --gas-adjustment ${JSON.stringify(flags.gasAdjustment)}: expected a number in (0, 100], e.g. 1.4`,
    );
  }
  if (flags.fees !== undefined) return { gas, adjustment, fees: parseAmountArg(flags.fees, "--fees", true) };

  const priceText = (flags.gasPrices ?? DEFAULT_GAS_PRICE).trim();
  if (!/^[0-9]+(\.[0-9]{1,18})?[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/.test(priceText)) {
    throw new UsageError(
      `invalid --gas-prices ${JSON.stringify(flags.gasPrices)}: expected <decimal><denom>, e.g. ${DEFAULT_GAS_PRICE}`,
    );
  }
  return { gas, adjustment, gasPrice: usage(() => GasPrice.fromString(priceText)) };
}

/** The fee of these messages under the plan (simulating them when the gas is "auto"). */
export async function resolveFee(
  client: CiferClient,
  signer: string,
  messages: readonly EncodeObject[],
  memo: string,
  plan: FeePlan,
): Promise<StdFee> {
  const gas =
    plan.gas === "auto"
      ? Math.ceil((await client.estimateGas(signer, messages, memo)) * plan.adjustment)
      : plan.gas;
  if ("fees" in plan) return { amount: plan.fees, gas: String(gas) };
  return calculateFee(gas, plan.gasPrice);
}
