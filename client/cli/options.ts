/**
 * Options and argument validation shared by the CLI commands. Every argument is validated here, before
 * anything touches the network or the disk, and a bad one is a UsageError with one clear line.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { StdFee } from "@cosmjs/amino";
import { fromBase64 } from "@cosmjs/encoding";
import type { Coin, EncodeObject, OfflineSigner } from "@cosmjs/proto-signing";
import type { SigningStargateClientOptions } from "@cosmjs/stargate";
import { type Command, Option } from "commander";
import { BECH32_PREFIX, parseAddress } from "../../chain/crypto/address.ts";
import { Dec } from "../../chain/types/dec.ts";
import { VALCONS_PREFIX, VALOPER_PREFIX } from "../addresses.ts";
import { BASE_DENOM, DEFAULT_GAS_PRICE, DISPLAY_DENOM, parseCoins } from "../amounts.ts";
import type { CiferClient } from "../cifer-client.ts";
import { DEFAULT_RPC_URL } from "../endpoint.ts";
import { ED25519_PUBKEY_TYPE_URL } from "../msgs.ts";
import { REPUTATION_TIER_NAMES, ReputationTier } from "../reputation.ts";
import { cosmosHdPath, InvalidHdPathError, MAX_HD_INDEX, normalizeHdPath } from "../keys/hd.ts";
import {
  type KeyInfo,
  Keyring,
  KEYRING_BACKENDS,
  type KeyringBackend,
  validateKeyName,
} from "../keys/keyring.ts";
import { nodeError, queryError, UsageError } from "./errors.ts";
import { cliPassphraseProvider, type OutputFormat, readSmallFile } from "./io.ts";

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

/**
 * Connects (read-only without a signer; `options` as CosmJS takes them), runs `fn`, always
 * disconnects; network errors become one clear line.
 */
export async function withClient<T>(
  url: string,
  fn: (client: CiferClient) => Promise<T>,
  signer?: OfflineSigner,
  options: SigningStargateClientOptions = {},
): Promise<T> {
  let client: CiferClient | undefined;
  try {
    // Loaded here, not at the top: CosmJS's clients take ~0.3 s to load, which every command that
    // fails validation or only prints help would pay.
    const { CiferClient } = await import("../cifer-client.ts");
    client = signer
      ? await CiferClient.connectWithSigner(url, signer, options)
      : await CiferClient.connect(url, options);
    return await fn(client);
  } catch (e) {
    throw queryError(nodeError(e, url));
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

/** A validator operator address, cifvaloper1... */
export function parseValoperArg(value: string, what = "validator address"): string {
  try {
    parseAddress(value, VALOPER_PREFIX);
  } catch (e) {
    const hint = value.startsWith(`${BECH32_PREFIX}1`)
      ? ` (that is an account address; a validator's operator address starts with ${VALOPER_PREFIX}1, see 'cifer query staking validators')`
      : "";
    throw new UsageError(`invalid ${what}: ${(e as Error).message}${hint}`);
  }
  return value;
}

/** A validator consensus address, cifvalcons1... */
export function parseValconsArg(value: string, what = "consensus address"): string {
  try {
    parseAddress(value, VALCONS_PREFIX);
  } catch (e) {
    throw new UsageError(`invalid ${what}: ${(e as Error).message}`);
  }
  return value;
}

/** One positive amount of the staking denomination (ucif; CIF amounts are converted): stakes, FL rewards and bonds. */
export function parseBondAmountArg(value: string, what = "amount"): Coin {
  const coins = parseAmountArg(value, what);
  if (coins.length !== 1 || coins[0]!.denom !== BASE_DENOM) {
    throw new UsageError(
      `invalid ${what} ${JSON.stringify(value)}: expected one amount of ${BASE_DENOM} (or ${DISPLAY_DENOM}), e.g. 10CIF or 10000000${BASE_DENOM}`,
    );
  }
  return coins[0]!;
}

/** A commission rate: a decimal in [0, 1] with at most 18 decimals, e.g. 0.1 for 10%. */
export function parseRateArg(value: string, flag: string): string {
  const s = value.trim();
  if (!/^[0-9]+(\.[0-9]{1,18})?$/.test(s) || Dec.parse(s).gt(Dec.ONE)) {
    throw new UsageError(
      `invalid ${flag} ${JSON.stringify(value)}: expected a decimal between 0 and 1 (at most 18 decimals), e.g. 0.1 for 10%`,
    );
  }
  return s;
}

/** The three commission rates of a new validator, checked together as the staking module does. */
export function parseCommissionArgs(o: { rate: string; maxRate: string; maxChangeRate: string }): {
  rate: string;
  maxRate: string;
  maxChangeRate: string;
} {
  const rate = parseRateArg(o.rate, "--commission-rate");
  const maxRate = parseRateArg(o.maxRate, "--commission-max-rate");
  const maxChangeRate = parseRateArg(o.maxChangeRate, "--commission-max-change-rate");
  if (Dec.parse(rate).gt(Dec.parse(maxRate)))
    throw new UsageError(`--commission-rate ${rate} is more than --commission-max-rate ${maxRate}`);
  if (Dec.parse(maxChangeRate).gt(Dec.parse(maxRate)))
    throw new UsageError(
      `--commission-max-change-rate ${maxChangeRate} is more than --commission-max-rate ${maxRate}`,
    );
  return { rate, maxRate, maxChangeRate };
}

/** --min-self-delegation: a positive integer of ucif, or an amount such as 1CIF. Returns the ucif integer. */
export function parseMinSelfDelegationArg(value: string): string {
  const s = value.trim();
  if (/^[0-9]+$/.test(s)) {
    if (BigInt(s) === 0n || s.length > 77)
      throw new UsageError(
        `invalid --min-self-delegation ${JSON.stringify(value)}: must be a positive integer`,
      );
    return BigInt(s).toString();
  }
  return parseBondAmountArg(s, "--min-self-delegation").amount;
}

/** The staking module's limits on a validator's description (x/staking's Description.EnsureLength). */
export const DESCRIPTION_LIMITS = {
  moniker: 70,
  identity: 3000,
  website: 140,
  securityContact: 140,
  details: 280,
} as const;
const DESCRIPTION_FLAGS: Record<keyof typeof DESCRIPTION_LIMITS, string> = {
  moniker: "--moniker",
  identity: "--identity",
  website: "--website",
  securityContact: "--security-contact",
  details: "--details",
};

/** The description fields that were given, each within its length limit. */
export function parseDescriptionArgs(
  o: Partial<Record<keyof typeof DESCRIPTION_LIMITS, string>>,
): Partial<Record<keyof typeof DESCRIPTION_LIMITS, string>> {
  const out: Partial<Record<keyof typeof DESCRIPTION_LIMITS, string>> = {};
  for (const [field, max] of Object.entries(DESCRIPTION_LIMITS) as [
    keyof typeof DESCRIPTION_LIMITS,
    number,
  ][]) {
    const v = o[field];
    if (v === undefined) continue;
    if (v.length > max)
      throw new UsageError(`${DESCRIPTION_FLAGS[field]} is too long: at most ${max} characters`);
    if (v.includes("[do-not-modify]"))
      throw new UsageError(`${DESCRIPTION_FLAGS[field]} cannot contain "[do-not-modify]"`);
    out[field] = v;
  }
  if (out.moniker !== undefined && out.moniker.trim() === "")
    throw new UsageError("--moniker cannot be empty");
  return out;
}

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

function ed25519KeyOf(base64: string, where: string, what: string): Uint8Array {
  let key: Uint8Array;
  try {
    if (!BASE64_RE.test(base64)) throw new Error("not base64");
    key = fromBase64(base64);
  } catch {
    throw new UsageError(`invalid ${what}: ${where} is not base64`);
  }
  if (key.length !== 32)
    throw new UsageError(`invalid ${what}: ${where} has ${key.length} bytes; an ed25519 key has 32`);
  return key;
}

/**
 * The ed25519 consensus public key of a validator: base64 of its 32 bytes, the SDK's JSON form
 * {"@type":"/cosmos.crypto.ed25519.PubKey","key":"<base64>"}, or the path of a CometBFT
 * priv_validator_key.json (only its public key is read).
 */
export function parseConsensusPubkeyArg(value: string, what = "--pubkey"): Uint8Array {
  const s = value.trim();
  if (s.startsWith("{")) {
    let j: { "@type"?: unknown; type?: unknown; key?: unknown; value?: unknown };
    try {
      j = JSON.parse(s);
    } catch {
      throw new UsageError(`invalid ${what}: not valid JSON`);
    }
    const type = j["@type"] ?? j.type;
    if (type !== ED25519_PUBKEY_TYPE_URL && type !== "tendermint/PubKeyEd25519")
      throw new UsageError(
        `invalid ${what}: the consensus key must be ed25519 (${ED25519_PUBKEY_TYPE_URL}), got ${JSON.stringify(type)}`,
      );
    const key = j.key ?? j.value;
    if (typeof key !== "string") throw new UsageError(`invalid ${what}: missing the key`);
    return ed25519KeyOf(key, "the key", what);
  }
  if (BASE64_RE.test(s) && s.length === 44 && !existsSync(s)) return ed25519KeyOf(s, "the key", what);
  if (!existsSync(s))
    throw new UsageError(
      `invalid ${what} ${JSON.stringify(value)}: expected a base64 ed25519 consensus public key, its JSON, or the path of a priv_validator_key.json`,
    );
  let j: { pub_key?: { type?: unknown; value?: unknown } };
  try {
    j = JSON.parse(readSmallFile(s, `key file ${s}`));
  } catch (e) {
    if (e instanceof SyntaxError) throw new UsageError(`invalid ${what}: ${s} is not a JSON key file`);
    throw new UsageError(`invalid ${what}: ${(e as Error).message}`);
  }
  const pk = j?.pub_key;
  if (pk?.type !== "tendermint/PubKeyEd25519" || typeof pk.value !== "string")
    throw new UsageError(
      `invalid ${what}: ${s} has no ed25519 pub_key (expected a CometBFT priv_validator_key.json)`,
    );
  return ed25519KeyOf(pk.value, `the pub_key of ${s}`, what);
}

const BOND_STATUSES = {
  bonded: "BOND_STATUS_BONDED",
  unbonding: "BOND_STATUS_UNBONDING",
  unbonded: "BOND_STATUS_UNBONDED",
} as const;
export type BondStatusArg = keyof typeof BOND_STATUSES;

/** --status bonded|unbonding|unbonded as CosmJS's BondStatusString. */
export function parseBondStatusArg(
  value: string | undefined,
): "" | (typeof BOND_STATUSES)[keyof typeof BOND_STATUSES] {
  if (value === undefined) return "";
  const s = BOND_STATUSES[value.trim().toLowerCase() as BondStatusArg];
  if (!s)
    throw new UsageError(
      `invalid --status ${JSON.stringify(value)}: expected one of ${Object.keys(BOND_STATUSES).join(", ")}`,
    );
  return s;
}

/** --tier new|initial|trusted|normal|unreliable. */
export function parseTierArg(value: string | undefined): ReputationTier {
  if (value === undefined) return ReputationTier.Unspecified;
  const entry = Object.entries(REPUTATION_TIER_NAMES).find(
    ([t, name]) => Number(t) !== ReputationTier.Unspecified && name === value.trim().toLowerCase(),
  );
  if (!entry)
    throw new UsageError(
      `invalid --tier ${JSON.stringify(value)}: expected one of ${Object.values(REPUTATION_TIER_NAMES).slice(1).join(", ")}`,
    );
  return Number(entry[0]) as ReputationTier;
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

/**
 * How to pay: explicit fees, or gas x price; gas explicit or simulated ("auto") x adjustment. The
 * gas price is kept as text that CosmJS's GasPrice.fromString accepts (checked by parseFeeFlags).
 */
export type FeePlan = { gas: "auto" | number; adjustment: number } & (
  | { fees: Coin[] }
  | { gasPrice: string }
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
  // GasPrice.fromString's own rules (a decimal of at most 18 fractional digits, a denom of 3 to 128
  // characters), stated here so that a bad price fails before CosmJS is loaded.
  if (!/^[0-9]+(\.[0-9]{1,18})?[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/.test(priceText)) {
    throw new UsageError(
      `invalid --gas-prices ${JSON.stringify(flags.gasPrices)}: expected <decimal><denom>, e.g. ${DEFAULT_GAS_PRICE}`,
    );
  }
  return { gas, adjustment, gasPrice: priceText };
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
  const { calculateFee } = await import("@cosmjs/stargate");
  return calculateFee(gas, plan.gasPrice);
}
