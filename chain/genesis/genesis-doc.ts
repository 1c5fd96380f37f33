import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import { ed25519Address } from "../crypto/ed25519.ts";
import { bytesEqual, fromBase64, fromHex, toHexUpper } from "../crypto/hash.ts";
import type { Validator } from "../types/block.ts";
import { arr, type JsonObject, obj, optional, str, uint } from "../types/json.ts";
import { parseRfc3339 } from "../types/time.ts";

export interface ConsensusParams {
  blockMaxBytes: bigint;
  blockMaxGas: bigint; // -1: unlimited
  evidenceMaxAgeNumBlocks: bigint;
  evidenceMaxAgeDuration: bigint;
  evidenceMaxBytes: bigint;
}

export const DEFAULT_CONSENSUS_PARAMS: ConsensusParams = {
  blockMaxBytes: 4_194_304n,
  blockMaxGas: 100_000_000n,
  evidenceMaxAgeNumBlocks: 100_000n,
  evidenceMaxAgeDuration: 172_800_000_000_000n,
  evidenceMaxBytes: 1_048_576n,
};

/** A CometBFT genesis document (genesis.json), parsed and validated. */
export interface GenesisDoc {
  genesisTime: Timestamp;
  chainId: string;
  initialHeight: bigint;
  consensusParams: ConsensusParams;
  validators: Validator[];
  appHash: Uint8Array;
  appState: Record<string, unknown>;
  /** The document as read, served unchanged by the `genesis` RPC. */
  json: JsonObject;
}

export const MAX_CHAIN_ID_LENGTH = 50;
export const ED25519_PUBKEY_TYPE = "tendermint/PubKeyEd25519";

export class GenesisError extends Error {}

/** Parses genesis.json; every defect is refused with a message naming the field. */
export function parseGenesisDoc(text: string): GenesisDoc {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new GenesisError(`genesis is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return readGenesis(obj(raw, "genesis"));
  } catch (e) {
    if (e instanceof GenesisError) throw e;
    throw new GenesisError(`invalid genesis: ${(e as Error).message}`);
  }
}

function readGenesis(g: JsonObject): GenesisDoc {
  const chainId = str(g.chain_id, "chain_id");
  if (chainId.length === 0 || chainId.length > MAX_CHAIN_ID_LENGTH || !/^[a-zA-Z0-9._-]+$/.test(chainId)) {
    throw new Error(
      `chain_id: must be 1-${MAX_CHAIN_ID_LENGTH} characters of [a-zA-Z0-9._-], got ${JSON.stringify(chainId)}`,
    );
  }
  const genesisTime = parseRfc3339(str(g.genesis_time, "genesis_time"));
  const initialHeight = optional(g.initial_height, (v) => uint(v, "initial_height"), 1n);
  if (initialHeight < 1n) throw new Error("initial_height: must be at least 1");
  const cp = obj(g.consensus_params ?? {}, "consensus_params");
  const block = obj(cp.block ?? {}, "consensus_params.block");
  const ev = obj(cp.evidence ?? {}, "consensus_params.evidence");
  const maxGasRaw = block.max_gas ?? DEFAULT_CONSENSUS_PARAMS.blockMaxGas.toString();
  const blockMaxGas =
    maxGasRaw === "-1" || maxGasRaw === -1 ? -1n : uint(maxGasRaw, "consensus_params.block.max_gas");
  const consensusParams: ConsensusParams = {
    blockMaxBytes: optional(
      block.max_bytes,
      (v) => uint(v, "consensus_params.block.max_bytes"),
      DEFAULT_CONSENSUS_PARAMS.blockMaxBytes,
    ),
    blockMaxGas,
    evidenceMaxAgeNumBlocks: optional(
      ev.max_age_num_blocks,
      (v) => uint(v, "consensus_params.evidence.max_age_num_blocks"),
      DEFAULT_CONSENSUS_PARAMS.evidenceMaxAgeNumBlocks,
    ),
    evidenceMaxAgeDuration: optional(
      ev.max_age_duration,
      (v) => uint(v, "consensus_params.evidence.max_age_duration"),
      DEFAULT_CONSENSUS_PARAMS.evidenceMaxAgeDuration,
    ),
    evidenceMaxBytes: optional(
      ev.max_bytes,
      (v) => uint(v, "consensus_params.evidence.max_bytes"),
      DEFAULT_CONSENSUS_PARAMS.evidenceMaxBytes,
    ),
  };
  if (consensusParams.blockMaxBytes < 1024n || consensusParams.blockMaxBytes > 104_857_600n) {
    throw new Error("consensus_params.block.max_bytes: must be between 1 KiB and 100 MiB");
  }
  const validators = arr(g.validators ?? [], "validators").map((v, i) => readValidator(v, i));
  // May be empty when the app creates the set from genesis transactions (the chain checks that then).
  const seen = new Set<string>();
  for (const v of validators) {
    const id = toHexUpper(v.address);
    if (seen.has(id)) throw new Error(`validators: duplicate validator ${id}`);
    seen.add(id);
  }
  const appHashHex = optional(g.app_hash, (v) => str(v, "app_hash"), "");
  const appState = obj(g.app_state ?? {}, "app_state");
  return {
    genesisTime,
    chainId,
    initialHeight,
    consensusParams,
    validators,
    appHash: fromHex(appHashHex),
    appState,
    json: g,
  };
}

function readValidator(v: unknown, i: number): Validator {
  const path = `validators[${i}]`;
  const o = obj(v, path);
  const pk = obj(o.pub_key, `${path}.pub_key`);
  if (pk.type !== ED25519_PUBKEY_TYPE)
    throw new Error(`${path}.pub_key.type: only ${ED25519_PUBKEY_TYPE} is supported`);
  let pubKey: Uint8Array;
  try {
    pubKey = fromBase64(str(pk.value, `${path}.pub_key.value`));
  } catch {
    throw new Error(`${path}.pub_key.value: invalid base64`);
  }
  if (pubKey.length !== 32)
    throw new Error(`${path}.pub_key.value: an ed25519 key is 32 bytes, got ${pubKey.length}`);
  const votingPower = uint(o.power, `${path}.power`);
  if (votingPower <= 0n) throw new Error(`${path}.power: must be positive`);
  const address = ed25519Address(pubKey);
  if (o.address !== undefined && o.address !== "") {
    const given = fromHex(str(o.address, `${path}.address`));
    if (!bytesEqual(given, address))
      throw new Error(`${path}.address: does not match the public key (expected ${toHexUpper(address)})`);
  }
  return { address, pubKey, votingPower, name: optional(o.name, (x) => str(x, `${path}.name`), "") };
}

export function validatorToJson(v: Validator): JsonObject {
  return {
    address: toHexUpper(v.address),
    pub_key: { type: ED25519_PUBKEY_TYPE, value: Buffer.from(v.pubKey).toString("base64") },
    power: v.votingPower.toString(),
    name: v.name ?? "",
  };
}
