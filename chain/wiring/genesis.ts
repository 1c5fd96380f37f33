import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { makeCosmoshubPath } from "@cosmjs/amino";
import { BECH32_PREFIX, moduleAddress } from "../crypto/address.ts";
import { validatorToJson } from "../genesis/genesis-doc.ts";
import { ed25519Address } from "../crypto/ed25519.ts";
import type { JsonObject } from "../types/json.ts";
import { parseRfc3339 } from "../types/time.ts";
import { accountToJson } from "../../modules/auth/account-json.ts";
import { FEE_COLLECTOR } from "../../modules/auth/ante.ts";
import { hdAddress } from "./hd-address.ts";
import { BONDED_POOL, NOT_BONDED_POOL } from "../../modules/staking/params.ts";
import {
  DEFAULT_DISTRIBUTION_PARAMS,
  DEFAULT_EMISSION_PARAMS,
  DISTRIBUTION_MODULE,
} from "../../modules/distribution/params.ts";
import { DEFAULT_FL_PARAMS, FL_MODULE, flParamsToJson } from "../../modules/fl/params.ts";
import { DEFAULT_MARKET_PARAMS, MARKET_MODULE, marketParamsToJson } from "../../modules/market/params.ts";

/**
 * Module accounts that start empty: staking's pools, distribution's (rewards, community pool) and
 * fl's (reward pools in escrow, dispute deposits).
 */
const EMPTY_MODULE_ACCOUNTS = [BONDED_POOL, NOT_BONDED_POOL, DISTRIBUTION_MODULE, FL_MODULE, MARKET_MODULE];

export const DEFAULT_CHAIN_ID = "cifer-local-1";
export const DENOM = "ucif";
export const DISPLAY_DENOM = "CIF";
export const UCIF_PER_CIF = 1_000_000n;
export const TOTAL_SUPPLY_UCIF = 1_000_000_000n * UCIF_PER_CIF;

/** The dev mnemonic of the local network: NEVER use it for anything of value. */
export const DEV_MNEMONIC =
  "economy stock theory fatal elder harbor betray wasp final emotion task crumble siren bottom lizard educate guess current outdoor pair theory focus wife stone";
export const DEV_ACCOUNT_COUNT = 5;
export const DEV_ACCOUNT_FUNDS_UCIF = 1_000_000n * UCIF_PER_CIF;

/**
 * The whitepaper allocation of the 1,000,000,000 CIF supply (DESIGN section 10). Module accounts hold
 * most of it; the founders' and advisors' shares are paid to their own vesting accounts instead.
 */
export const ALLOCATION: ReadonlyArray<{ name: string; percent: bigint; vesting?: true }> = [
  { name: "founders", percent: 30n, vesting: true },
  { name: "staking_rewards", percent: 15n },
  { name: "community", percent: 15n },
  { name: "rnd", percent: 10n },
  { name: "reserve", percent: 10n },
  { name: "advisors", percent: 5n, vesting: true },
  { name: "partnerships", percent: 5n },
  { name: "public_sale", percent: 5n },
  { name: "private_sale", percent: 5n },
];
/** The allocations held by module accounts. */
export const MODULE_ACCOUNTS = ALLOCATION.filter((a) => !a.vesting);
export const allocationAmount = (name: string): bigint =>
  (TOTAL_SUPPLY_UCIF * (ALLOCATION.find((a) => a.name === name)?.percent ?? 0n)) / 100n;

/** A ContinuousVestingAccount of genesis, paid from a vested allocation (founders or advisors). */
export interface VestingAccountSpec {
  /** The accounts of one allocation must add up to exactly its share of the supply. */
  allocation: string;
  address: string;
  /** ucif, vesting linearly from startTime to endTime (unix seconds). */
  amount: bigint;
  startTime: bigint;
  endTime: bigint;
}

/**
 * Local networks: the founders and advisors are dev mnemonic accounts (HD indexes after the dev
 * accounts) vesting from genesis over 4 and 2 years.
 */
export const LOCAL_VESTING: ReadonlyArray<{ allocation: string; hdIndex: number; years: number }> = [
  { allocation: "founders", hdIndex: 10, years: 4 },
  { allocation: "advisors", hdIndex: 11, years: 2 },
];

/** Calendar years in UTC (2026-01-01 + 4 years = 2030-01-01), from the genesis time, not the clock. */
function addYears(seconds: bigint, years: number): bigint {
  const d = new Date(Number(seconds) * 1000);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return BigInt(d.getTime() / 1000);
}

export function localVestingAccounts(genesisTime: string): VestingAccountSpec[] {
  const start = parseRfc3339(genesisTime).seconds;
  return LOCAL_VESTING.map((v) => ({
    allocation: v.allocation,
    address: hdAddress(DEV_MNEMONIC, v.hdIndex),
    amount: allocationAmount(v.allocation),
    startTime: start,
    endTime: addYears(start, v.years),
  }));
}

/** Dev accounts are funded from this allocation, so the total stays exactly 1B CIF. */
export const DEV_FUNDING_SOURCE = "community";

export async function devAccounts(
  count = DEV_ACCOUNT_COUNT,
): Promise<{ index: number; address: string; hdPath: string }[]> {
  const paths = Array.from({ length: count }, (_, i) => makeCosmoshubPath(i));
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
    hdPaths: paths,
    prefix: BECH32_PREFIX,
  });
  const accounts = await wallet.getAccounts();
  return accounts.map((a, i) => ({ index: i, address: a.address, hdPath: `m/44'/118'/0'/0/${i}` }));
}

function vestingAccount(v: VestingAccountSpec, accountNumber: bigint): JsonObject {
  return accountToJson({
    base: { address: v.address, accountNumber, sequence: 0n },
    vesting: {
      originalVesting: [{ denom: DENOM, amount: v.amount }],
      delegatedFree: [],
      delegatedVesting: [],
      endTime: v.endTime,
      schedule: { kind: "continuous", startTime: v.startTime },
    },
  });
}

export interface GenesisValidatorSpec {
  pubKey: Uint8Array;
  power: bigint;
  name: string;
}

/**
 * Builds the genesis document: chain parameters, validators, the allocation (module accounts, and
 * vesting accounts for founders and advisors), and dev accounts funded from the community allocation.
 */
export function buildGenesis(o: {
  chainId: string;
  genesisTime: string;
  validators: GenesisValidatorSpec[];
  devAddresses: string[];
  /** More accounts funded from the community allocation (e.g. validator operators for gentxs). */
  fundedAccounts?: { address: string; amount: bigint }[];
  /** The founders' and advisors' vesting accounts; by default the local ones (localVestingAccounts). */
  vestingAccounts?: VestingAccountSpec[];
  /** Extra or replaced module sections of app_state (staking params, genutil.gen_txs, ...). */
  appState?: Record<string, JsonObject>;
}): JsonObject {
  const accounts: JsonObject[] = [];
  const balances: JsonObject[] = [];
  let number = 0n;
  const moduleAccount = (name: string): JsonObject => ({
    "@type": "/cosmos.auth.v1beta1.ModuleAccount",
    base_account: {
      address: moduleAddress(name),
      pub_key: null,
      account_number: (number++).toString(),
      sequence: "0",
    },
    name,
    permissions: [],
  });
  accounts.push(moduleAccount(FEE_COLLECTOR));
  const funded = [
    ...o.devAddresses.map((address) => ({ address, amount: DEV_ACCOUNT_FUNDS_UCIF })),
    ...(o.fundedAccounts ?? []),
  ];
  const devTotal = funded.reduce((sum, f) => sum + f.amount, 0n);
  const vesting = o.vestingAccounts ?? localVestingAccounts(o.genesisTime);
  const stray = vesting.find((v) => !ALLOCATION.some((a) => a.vesting && a.name === v.allocation));
  if (stray)
    throw new Error(`vesting account ${stray.address}: ${stray.allocation} is not a vested allocation`);
  const fund = (address: string, amount: bigint) =>
    balances.push({ address, coins: [{ denom: DENOM, amount: amount.toString() }] });
  let allocated = 0n;
  for (const m of ALLOCATION) {
    let amount = allocationAmount(m.name);
    allocated += amount;
    if (m.vesting) {
      const specs = vesting.filter((v) => v.allocation === m.name);
      const total = specs.reduce((sum, v) => sum + v.amount, 0n);
      if (total !== amount)
        throw new Error(`the ${m.name} vesting accounts hold ${total} ucif, not the allocation's ${amount}`);
      for (const v of specs) {
        accounts.push(vestingAccount(v, number++));
        fund(v.address, v.amount);
      }
      continue;
    }
    accounts.push(moduleAccount(m.name));
    if (m.name === DEV_FUNDING_SOURCE) amount -= devTotal;
    if (amount < 0n) throw new Error("dev accounts exceed the community allocation");
    fund(moduleAddress(m.name), amount);
  }
  if (allocated !== TOTAL_SUPPLY_UCIF)
    throw new Error(`allocation adds up to ${allocated}, not ${TOTAL_SUPPLY_UCIF}`);
  for (const { address, amount } of funded) {
    accounts.push({
      "@type": "/cosmos.auth.v1beta1.BaseAccount",
      address,
      pub_key: null,
      account_number: (number++).toString(),
      sequence: "0",
    });
    fund(address, amount);
  }
  // Numbered after the dev accounts so those keep theirs.
  for (const name of EMPTY_MODULE_ACCOUNTS) accounts.push(moduleAccount(name));
  balances.sort((a, b) => ((a.address as string) < (b.address as string) ? -1 : 1));
  return {
    genesis_time: o.genesisTime,
    chain_id: o.chainId,
    initial_height: "1",
    consensus_params: {
      block: { max_bytes: "4194304", max_gas: "100000000" },
      evidence: { max_age_num_blocks: "100000", max_age_duration: "172800000000000", max_bytes: "1048576" },
      validator: { pub_key_types: ["ed25519"] },
      version: { app: "0" },
    },
    validators: o.validators.map((v) =>
      validatorToJson({
        address: ed25519Address(v.pubKey),
        pubKey: v.pubKey,
        votingPower: v.power,
        name: v.name,
      }),
    ),
    app_hash: "",
    app_state: {
      auth: {
        params: {
          max_memo_characters: "256",
          tx_sig_limit: "7",
          tx_size_cost_per_byte: "10",
          sig_verify_cost_ed25519: "590",
          sig_verify_cost_secp256k1: "1000",
        },
        accounts,
      },
      bank: {
        params: { send_enabled: [], default_send_enabled: true },
        balances,
        supply: [{ denom: DENOM, amount: TOTAL_SUPPLY_UCIF.toString() }],
        denom_metadata: [
          {
            description: "The native token of Cifer chain",
            denom_units: [
              { denom: DENOM, exponent: 0, aliases: ["microcif"] },
              { denom: "cif", exponent: 6, aliases: [] },
            ],
            base: DENOM,
            display: "cif",
            name: "Cifer",
            symbol: DISPLAY_DENOM,
            uri: "",
            uri_hash: "",
          },
        ],
        send_enabled: [],
      },
      distribution: {
        params: {
          community_tax: DEFAULT_DISTRIBUTION_PARAMS.communityTax.toString(),
          base_proposer_reward: "0.000000000000000000",
          bonus_proposer_reward: "0.000000000000000000",
          withdraw_addr_enabled: true,
        },
        fee_pool: { community_pool: [] },
        emission: {
          source: DEFAULT_EMISSION_PARAMS.source,
          initial_per_block: DEFAULT_EMISSION_PARAMS.initialPerBlock.toString(),
          decay_rate: DEFAULT_EMISSION_PARAMS.decayRate.toString(),
          decay_period_blocks: DEFAULT_EMISSION_PARAMS.decayPeriodBlocks.toString(),
        },
      },
      fl: { params: flParamsToJson(DEFAULT_FL_PARAMS), tasks: [] },
      market: { params: marketParamsToJson(DEFAULT_MARKET_PARAMS) },
      ...o.appState,
    },
  };
}
