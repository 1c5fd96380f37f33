import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { ed25519Address } from "../crypto/ed25519.ts";
import { toBase64, toHexUpper } from "../crypto/hash.ts";
import { createEd25519KeyFile } from "../consensus/priv-validator.ts";
import { parseGenesisDoc } from "../genesis/genesis-doc.ts";
import { formatRfc3339, timestampFromMillis } from "../types/time.ts";
import { DEFAULT_CHAIN_ID, DEV_MNEMONIC, devAccounts } from "../wiring/genesis.ts";
import {
  buildStakedGenesis,
  LOCAL_STAKING,
  VALIDATOR_OPERATOR_HD_BASE,
} from "../wiring/genesis-validators.ts";
import { defaultConfigJson } from "./config.ts";
import { homePaths } from "./home.ts";
import { nodeIdOf } from "./node-key.ts";
import { writeOperatorKeyFile } from "./operator-key.ts";
import { createApp } from "../wiring/app.ts";
import { hdPrivateKey } from "../wiring/hd-address.ts";
import { serviceConfigDefaults } from "../wiring/services.ts";

export interface InitOptions {
  home: string;
  moniker: string;
  chainId?: string;
  rpcHost?: string;
  rpcPort?: number;
  p2pPort?: number;
  overwrite?: boolean;
  blockIntervalMs?: number;
  /** HD index of the operator account in the dev mnemonic (default VALIDATOR_OPERATOR_HD_BASE). */
  operatorHdIndex?: number;
}

export interface InitResult {
  home: string;
  validatorAddress: string;
  validatorPubKey: string;
  /** The operator account (dev mnemonic) whose key is in config/operator_key.json. */
  operatorAddress: string;
  nodeId: string;
  genesisPath: string;
  configPath: string;
}

/**
 * Creates a node home: config, validator and node keys, the operator's account key (the dev
 * mnemonic at the operator's HD index, so node services can sign as the operator), and a
 * single-validator dev genesis (the whitepaper allocation plus the funded dev accounts). Refuses to
 * touch an existing home unless overwrite is set, so keys are never replaced by accident.
 */
export async function initNodeHome(o: InitOptions): Promise<InitResult> {
  const p = homePaths(resolve(o.home));
  if (!/^[\w.-]{1,64}$/.test(o.moniker))
    throw new Error(`invalid moniker ${JSON.stringify(o.moniker)}: 1-64 characters of [A-Za-z0-9_.-]`);
  if (existsSync(p.config) && !o.overwrite)
    throw new Error(`${p.root} is already initialised (${p.config} exists); use --overwrite to replace it`);
  if (o.overwrite && existsSync(p.db))
    throw new Error(`${p.root} has chain data (${p.db}); remove the data folder before re-initialising`);
  mkdirSync(p.configDir, { recursive: true, mode: 0o700 });
  mkdirSync(p.dataDir, { recursive: true, mode: 0o700 });

  const validatorKey = createEd25519KeyFile(p.privValidatorKey);
  const nodeKey = createEd25519KeyFile(p.nodeKey);
  const operatorHdIndex = o.operatorHdIndex ?? VALIDATOR_OPERATOR_HD_BASE;
  // A dev key, as the genesis below is a dev genesis: a real operator replaces this file.
  const operator = writeOperatorKeyFile(p.operatorKey, hdPrivateKey(DEV_MNEMONIC, operatorHdIndex));
  const config = { ...defaultConfigJson(o), ...serviceConfigDefaults() };
  writeFileSync(p.config, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o644 });

  const chainId = o.chainId ?? DEFAULT_CHAIN_ID;
  const devs = await devAccounts();
  // One validator, created by a gentx of the first local operator account (dev mnemonic).
  const genesis = await buildStakedGenesis({
    chainId,
    genesisTime: formatRfc3339(timestampFromMillis(Date.now())),
    validators: [{ consensusPubKey: validatorKey.pubkey, moniker: o.moniker, hdIndex: operatorHdIndex }],
    devAddresses: devs.map((d) => d.address),
    staking: LOCAL_STAKING,
  });
  const text = `${JSON.stringify(genesis, null, 2)}\n`;
  // Validate what we wrote exactly as the node will read it.
  const doc = parseGenesisDoc(text);
  createApp({ chainId: doc.chainId, committed: emptyReader, minGasPrices: () => [] }).validateGenesis(
    doc.appState,
  );
  writeFileSync(p.genesis, text, { mode: 0o644 });

  return {
    home: p.root,
    validatorAddress: toHexUpper(ed25519Address(validatorKey.pubkey)),
    validatorPubKey: toBase64(validatorKey.pubkey),
    operatorAddress: operator.address,
    nodeId: nodeIdOf(nodeKey.pubkey),
    genesisPath: p.genesis,
    configPath: p.config,
  };
}

const emptyReader = {
  get: async () => undefined,
  async *iterate() {},
};
