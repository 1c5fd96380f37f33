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
    privValidatorState: join(dataDir, "priv_validator_state.json"),
    consensusWal: join(dataDir, "cs.wal"),
    db: join(dataDir, "chain.db"),
    blobs: join(dataDir, "blobs"),
  };
}
