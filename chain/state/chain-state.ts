import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import type { ConsensusParams } from "../genesis/genesis-doc.ts";
import { fromHex, toHexUpper, utf8 } from "../crypto/hash.ts";
import { ValidatorSet } from "../consensus/engine/proposer.ts";
import type { BlockID } from "../types/block.ts";
import type { BatchOp, LevelDB } from "../store/level-db.ts";

/**
 * What the node knows after the last committed block (CometBFT's state.State). Saved in the same
 * batch as the block, so after a crash it always names a block that is fully stored.
 */
export interface ChainState {
  chainId: string;
  initialHeight: bigint;
  genesisTime: Timestamp;
  /** 0 before the first block. */
  lastBlockHeight: bigint;
  lastBlockId: BlockID;
  lastBlockTime: Timestamp;
  /** App hash after the last block: the next header carries it. */
  appHash: Uint8Array;
  lastResultsHash: Uint8Array;
  /** The set that signed the last block (its commit is the next block's last_commit); null before it. */
  lastValidators: ValidatorSet | null;
  /**
   * The set deciding the next height, with its proposer priorities (persisted so a restart picks
   * the same proposers).
   */
  validators: ValidatorSet;
  /** The set of the height after that: updates the app returns at height H decide from H + 2. */
  nextValidators: ValidatorSet;
  /** The first height decided by the current `nextValidators` membership. */
  lastHeightValidatorsChanged: bigint;
  consensusParams: ConsensusParams;
}

const KEY = utf8("m/state");

type Hex = string;
export interface ValidatorSetJson {
  validators: { address: Hex; pubKey: Hex; power: string; name: string; proposerWeight?: string }[];
  priorities: string[];
  proposer: number;
}

export const validatorSetToJson = (set: ValidatorSet): ValidatorSetJson => ({
  validators: set.validators.map((v) => ({
    address: toHexUpper(v.address),
    pubKey: toHexUpper(v.pubKey),
    power: v.votingPower.toString(),
    name: v.name ?? "",
    ...(v.proposerWeight !== undefined ? { proposerWeight: v.proposerWeight.toString() } : {}),
  })),
  priorities: set.priorities.map((p) => p.toString()),
  proposer: set.proposerIndex,
});

export const validatorSetFromJson = (j: ValidatorSetJson): ValidatorSet =>
  ValidatorSet.withPriorities(
    j.validators.map((v) => ({
      address: fromHex(v.address),
      pubKey: fromHex(v.pubKey),
      votingPower: BigInt(v.power),
      name: v.name,
      ...(v.proposerWeight !== undefined ? { proposerWeight: BigInt(v.proposerWeight) } : {}),
    })),
    j.priorities.map((p) => BigInt(p)),
    j.proposer,
  );

interface StateJson {
  chainId: string;
  initialHeight: string;
  genesisTime: [string, number];
  lastBlockHeight: string;
  lastBlockId: { hash: Hex; total: number; partsHash: Hex };
  lastBlockTime: [string, number];
  appHash: Hex;
  lastResultsHash: Hex;
  lastValidators: ValidatorSetJson | null;
  validators: ValidatorSetJson;
  nextValidators: ValidatorSetJson;
  lastHeightValidatorsChanged: string;
  consensusParams: Record<keyof ConsensusParams, string>;
}

export function encodeChainState(s: ChainState): Uint8Array {
  const j: StateJson = {
    chainId: s.chainId,
    initialHeight: s.initialHeight.toString(),
    genesisTime: [s.genesisTime.seconds.toString(), s.genesisTime.nanos],
    lastBlockHeight: s.lastBlockHeight.toString(),
    lastBlockId: {
      hash: toHexUpper(s.lastBlockId.hash),
      total: s.lastBlockId.partSetHeader.total,
      partsHash: toHexUpper(s.lastBlockId.partSetHeader.hash),
    },
    lastBlockTime: [s.lastBlockTime.seconds.toString(), s.lastBlockTime.nanos],
    appHash: toHexUpper(s.appHash),
    lastResultsHash: toHexUpper(s.lastResultsHash),
    lastValidators: s.lastValidators ? validatorSetToJson(s.lastValidators) : null,
    validators: validatorSetToJson(s.validators),
    nextValidators: validatorSetToJson(s.nextValidators),
    lastHeightValidatorsChanged: s.lastHeightValidatorsChanged.toString(),
    consensusParams: Object.fromEntries(
      Object.entries(s.consensusParams).map(([k, v]) => [k, v.toString()]),
    ) as StateJson["consensusParams"],
  };
  return utf8(JSON.stringify(j));
}

export function decodeChainState(raw: Uint8Array): ChainState {
  const j = JSON.parse(Buffer.from(raw).toString("utf8")) as StateJson;
  if (!j.nextValidators)
    throw new Error("the chain state was written by an older version of the node: reset the data folder");
  return {
    chainId: j.chainId,
    initialHeight: BigInt(j.initialHeight),
    genesisTime: { seconds: BigInt(j.genesisTime[0]), nanos: j.genesisTime[1] },
    lastBlockHeight: BigInt(j.lastBlockHeight),
    lastBlockId: {
      hash: fromHex(j.lastBlockId.hash),
      partSetHeader: { total: j.lastBlockId.total, hash: fromHex(j.lastBlockId.partsHash) },
    },
    lastBlockTime: { seconds: BigInt(j.lastBlockTime[0]), nanos: j.lastBlockTime[1] },
    appHash: fromHex(j.appHash),
    lastResultsHash: fromHex(j.lastResultsHash),
    lastValidators: j.lastValidators ? validatorSetFromJson(j.lastValidators) : null,
    validators: validatorSetFromJson(j.validators),
    nextValidators: validatorSetFromJson(j.nextValidators),
    lastHeightValidatorsChanged: BigInt(j.lastHeightValidatorsChanged),
    consensusParams: Object.fromEntries(
      Object.entries(j.consensusParams).map(([k, v]) => [k, BigInt(v)]),
    ) as unknown as ConsensusParams,
  };
}

export async function loadChainState(db: LevelDB): Promise<ChainState | undefined> {
  const raw = await db.get(KEY);
  return raw ? decodeChainState(raw) : undefined;
}

export const chainStateOp = (s: ChainState): BatchOp => ({
  type: "put",
  key: KEY,
  value: encodeChainState(s),
});
