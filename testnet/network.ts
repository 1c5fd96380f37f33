import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fromBase64 } from "../chain/crypto/hash.ts";
import { parseGenesisDoc } from "../chain/genesis/genesis-doc.ts";
import { homePaths } from "../chain/node/home.ts";
import { initNodeHome } from "../chain/node/init.ts";
import type { JsonObject } from "../chain/types/json.ts";
import { formatRfc3339, timestampFromMillis } from "../chain/types/time.ts";
import { devAccounts } from "../chain/wiring/genesis.ts";
import {
  buildStakedGenesis,
  LOCAL_STAKING,
  VALIDATOR_OPERATOR_HD_BASE,
} from "../chain/wiring/genesis-validators.ts";

/**
 * Local networks wait 250 ms after a block (CometBFT's timeout_commit; a node's own default is
 * 1 s, for links between machines). On loopback the votes of a round arrive within milliseconds,
 * so this wait is most of a block's time when the load is light, and about half of it is added to
 * every tx's commit latency: measured with bench:consensus on 2 cores, a p50 of 390-650 ms at
 * 50-200 tx/s with 500 ms, 220-350 ms with 250 ms, at the same CPU per tx. An idle 4-validator
 * network then makes ~3.5 blocks/s and spends ~5% of a core per node.
 */
export const LOCAL_BLOCK_INTERVAL_MS = 250;

/** Validator i: RPC on P+10i, P2P on P-1+10i. */
export const portsOf = (basePort: number, i: number) => ({
  rpc: basePort + 10 * i,
  p2p: basePort - 1 + 10 * i,
});

export interface NetworkNode {
  name: string;
  home: string;
  rpcPort: number;
  p2pPort: number;
  nodeId: string;
}

/**
 * Creates the homes of an N-validator local network: each node's keys and config, ONE genesis in
 * which every validator's operator (the dev mnemonic from HD index 100) is funded and bonds 10,000
 * CIF through a gentx, plus the funded dev accounts, written to every home, and each node's
 * persistent peers set to all the others on loopback. Node i's config/operator_key.json is the key
 * of operator 100 + i, with which its fl service reports aggregates.
 */
export async function createNetwork(o: {
  home: string;
  validators: number;
  basePort: number;
  chainId: string;
  blockIntervalMs?: number;
  /** Nodes after the validators that start as full nodes; their operators are funded to join later. */
  fullNodes?: number;
  /** Changes to the genesis before it is written (module params of a test network). */
  editGenesis?: (genesis: JsonObject) => void;
}): Promise<NetworkNode[]> {
  const nodes: NetworkNode[] = [];
  const specs = [];
  for (let i = 0; i < o.validators + (o.fullNodes ?? 0); i++) {
    const name = `node${i}`;
    const home = join(o.home, name);
    const { rpc, p2p } = portsOf(o.basePort, i);
    const res = await initNodeHome({
      home,
      moniker: name,
      chainId: o.chainId,
      rpcHost: "127.0.0.1",
      rpcPort: rpc,
      p2pPort: p2p,
      blockIntervalMs: o.blockIntervalMs ?? LOCAL_BLOCK_INTERVAL_MS,
      // config/operator_key.json: the key of the operator created below (or funded to join later).
      operatorHdIndex: VALIDATOR_OPERATOR_HD_BASE + i,
    });
    nodes.push({ name, home, rpcPort: rpc, p2pPort: p2p, nodeId: res.nodeId });
    if (i >= o.validators) continue;
    specs.push({
      consensusPubKey: fromBase64(res.validatorPubKey),
      moniker: name,
      hdIndex: VALIDATOR_OPERATOR_HD_BASE + i,
    });
  }
  const genesis = await buildStakedGenesis({
    chainId: o.chainId,
    genesisTime: formatRfc3339(timestampFromMillis(Date.now())),
    validators: specs,
    devAddresses: (await devAccounts()).map((d) => d.address),
    staking: LOCAL_STAKING,
    laterOperators: nodes.slice(o.validators).map((_, j) => VALIDATOR_OPERATOR_HD_BASE + o.validators + j),
  });
  o.editGenesis?.(genesis);
  const text = `${JSON.stringify(genesis, null, 2)}\n`;
  parseGenesisDoc(text);
  for (const n of nodes) {
    const paths = homePaths(n.home);
    writeFileSync(paths.genesis, text);
    const config = JSON.parse(readFileSync(paths.config, "utf8"));
    config.p2p = {
      ...config.p2p,
      laddr: `tcp://127.0.0.1:${n.p2pPort}`,
      persistent_peers: nodes.filter((m) => m !== n).map((m) => `${m.nodeId}@127.0.0.1:${m.p2pPort}`),
    };
    writeFileSync(paths.config, `${JSON.stringify(config, null, 2)}\n`);
  }
  return nodes;
}
