import { join } from "node:path";

/** The layout of a node's home folder, as CometBFT's (config/ for settings and keys, data/ for state). */
export interface HomePaths {
  root: string;
  configDir: string;
  dataDir: string;
  config: string;
  genesis: string;
  privValidatorKey: string;
  nodeKey: string;
  /**
   * The validator operator's secp256k1 account key (chain/node/operator-key.ts), with which node
   * services sign (the fl service's default `fl.operator_key_file`).
   */
  operatorKey: string;
  privValidatorState: string;
  consensusWal: string;
  db: string;
  /** The blob store (chain/blobs): content-addressed files, sharded, with pins.json. */
  blobs: string;
}

export function homePaths(root: string): HomePaths {
  const configDir = join(root, "config");
  const dataDir = join(root, "data");
  return {
    root,
    configDir,
    dataDir,
    config: join(configDir, "config.json"),
    genesis: join(configDir, "genesis.json"),
    privValidatorKey: join(configDir, "priv_validator_key.json"),
    nodeKey: join(configDir, "node_key.json"),
    operatorKey: join(configDir, "operator_key.json"),
    privValidatorState: join(dataDir, "priv_validator_state.json"),
    consensusWal: join(dataDir, "cs.wal"),
    db: join(dataDir, "chain.db"),
    blobs: join(dataDir, "blobs"),
  };
}
