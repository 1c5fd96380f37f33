import type { Duration } from "cosmjs-types/google/protobuf/duration";
import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import type {
  Event,
  ExecTxResult,
  ResponseFinalizeBlock,
  ValidatorUpdate,
} from "cosmjs-types/tendermint/abci/types";
import type { PublicKey } from "cosmjs-types/tendermint/crypto/keys";
import type { Block } from "cosmjs-types/tendermint/types/block";
import type { Evidence } from "cosmjs-types/tendermint/types/evidence";
import type { ConsensusParams } from "cosmjs-types/tendermint/types/params";
import type {
  BlockID,
  BlockMeta,
  Commit,
  CommitSig,
  Header,
  Vote,
} from "cosmjs-types/tendermint/types/types";
import type { Validator as ProtoValidator } from "cosmjs-types/tendermint/types/validator";
import type { TxResult } from "../app/app.ts";
import type { AbciEvent } from "../app/events.ts";
import { toBase64, toHexUpper } from "../crypto/hash.ts";
import type { Validator } from "../types/block.ts";
import { formatRfc3339 } from "../types/time.ts";
import type { IndexedTx } from "./backend.ts";

/**
 * CometBFT 0.38 JSON encodings (cmtjson) of the chain's types, as its RPC prints them:
 * int64/uint64/int are decimal strings; int32/uint32/uint8 (code, index, round, parts.total,
 * block_id_flag) are numbers; HexBytes (hashes, addresses) are upper-case hex; []byte is base64 with
 * null for nil; times are RFC 3339 with nanoseconds in UTC. Amino-registered interfaces (public keys,
 * evidence) are {type, value}.
 *
 * Where CometBFT's gogoproto types would omit a zero field (omitempty) the field is written anyway
 * (code 0, log "", gas "0", events []): clients accept both and several expect the field.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type JsonObj = { [k: string]: JsonValue };

export const int = (n: bigint | number): string => n.toString();
export const hexUpper = (b: Uint8Array | undefined): string => (b ? toHexUpper(b) : "");
/** []byte: base64, null when empty (a nil slice in Go). */
export const bytesOrNull = (b: Uint8Array | undefined): string | null =>
  b && b.length > 0 ? toBase64(b) : null;
export const b64 = (b: Uint8Array | undefined): string => (b ? toBase64(b) : "");
export const time = (t: Timestamp | undefined): string => formatRfc3339(t ?? GO_ZERO_TIME);

/** Go's zero time.Time, what CometBFT prints for an unset time. */
const GO_ZERO_TIME: Timestamp = { seconds: -62135596800n, nanos: 0 };

// ---------------------------------------------------------------- blocks

export function blockIdJson(id: BlockID | undefined): JsonObj {
  return {
    hash: hexUpper(id?.hash),
    parts: { total: id?.partSetHeader?.total ?? 0, hash: hexUpper(id?.partSetHeader?.hash) },
  };
}

export function headerJson(h: Header): JsonObj {
  return {
    version: { block: int(h.version?.block ?? 0n), app: int(h.version?.app ?? 0n) },
    chain_id: h.chainId,
    height: int(h.height),
    time: time(h.time),
    last_block_id: blockIdJson(h.lastBlockId),
    last_commit_hash: hexUpper(h.lastCommitHash),
    data_hash: hexUpper(h.dataHash),
    validators_hash: hexUpper(h.validatorsHash),
    next_validators_hash: hexUpper(h.nextValidatorsHash),
    consensus_hash: hexUpper(h.consensusHash),
    app_hash: hexUpper(h.appHash),
    last_results_hash: hexUpper(h.lastResultsHash),
    evidence_hash: hexUpper(h.evidenceHash),
    proposer_address: hexUpper(h.proposerAddress),
  };
}

export function commitSigJson(s: CommitSig): JsonObj {
  return {
    block_id_flag: s.blockIdFlag,
    validator_address: hexUpper(s.validatorAddress),
    timestamp: time(s.timestamp),
    signature: bytesOrNull(s.signature),
  };
}

/** A commit; the empty commit (block 1's last_commit) when absent. */
export function commitJson(c: Commit | undefined): JsonObj {
  return {
    height: int(c?.height ?? 0n),
    round: c?.round ?? 0,
    block_id: blockIdJson(c?.blockId),
    signatures: (c?.signatures ?? []).map(commitSigJson),
  };
}

export function voteJson(v: Vote | undefined): JsonValue {
  if (!v) return null;
  return {
    type: v.type,
    height: int(v.height),
    round: v.round,
    block_id: blockIdJson(v.blockId),
    timestamp: time(v.timestamp),
    validator_address: hexUpper(v.validatorAddress),
    validator_index: v.validatorIndex,
    signature: bytesOrNull(v.signature),
    extension: bytesOrNull(v.extension),
    extension_signature: bytesOrNull(v.extensionSignature),
  };
}

export function evidenceJson(e: Evidence): JsonObj {
  if (e.duplicateVoteEvidence) {
    const d = e.duplicateVoteEvidence;
    return {
      type: "tendermint/DuplicateVoteEvidence",
      value: {
        vote_a: voteJson(d.voteA),
        vote_b: voteJson(d.voteB),
        TotalVotingPower: int(d.totalVotingPower),
        ValidatorPower: int(d.validatorPower),
        Timestamp: time(d.timestamp),
      },
    };
  }
  const l = e.lightClientAttackEvidence;
  const lb = l?.conflictingBlock;
  return {
    type: "tendermint/LightClientAttackEvidence",
    value: {
      ConflictingBlock: lb
        ? {
            signed_header: {
              header: lb.signedHeader?.header ? headerJson(lb.signedHeader.header) : null,
              commit: lb.signedHeader?.commit ? commitJson(lb.signedHeader.commit) : null,
            },
            validator_set: lb.validatorSet
              ? {
                  validators: lb.validatorSet.validators.map(protoValidatorJson),
                  proposer: lb.validatorSet.proposer ? protoValidatorJson(lb.validatorSet.proposer) : null,
                }
              : null,
          }
        : null,
      CommonHeight: int(l?.commonHeight ?? 0n),
      ByzantineValidators: (l?.byzantineValidators ?? []).map(protoValidatorJson),
      TotalVotingPower: int(l?.totalVotingPower ?? 0n),
      Timestamp: time(l?.timestamp),
    },
  };
}

export function blockJson(b: Block): JsonObj {
  return {
    header: headerJson(b.header),
    data: { txs: (b.data?.txs ?? []).map(b64) },
    evidence: { evidence: (b.evidence?.evidence ?? []).map(evidenceJson) },
    last_commit: commitJson(b.lastCommit),
  };
}

export function blockMetaJson(m: BlockMeta): JsonObj {
  return {
    block_id: blockIdJson(m.blockId),
    block_size: int(m.blockSize),
    header: headerJson(m.header),
    num_txs: int(m.numTxs),
  };
}

// ---------------------------------------------------------------- keys and validators

/** Amino JSON of a public key: {type, value} (ed25519 is 32 bytes, secp256k1 33). */
export function aminoPubKeyJson(key: Uint8Array): JsonObj {
  return {
    type: key.length === 33 ? "tendermint/PubKeySecp256k1" : "tendermint/PubKeyEd25519",
    value: toBase64(key),
  };
}

/** The protobuf PublicKey oneof as cmtjson prints it (validator_updates). */
export function protoPubKeyJson(k: PublicKey | undefined): JsonObj {
  if (k?.secp256k1 && k.secp256k1.length > 0) {
    return {
      Sum: { type: "tendermint.crypto.PublicKey_Secp256K1", value: { secp256k1: toBase64(k.secp256k1) } },
    };
  }
  return { Sum: { type: "tendermint.crypto.PublicKey_Ed25519", value: { ed25519: b64(k?.ed25519) } } };
}

export function validatorJson(v: Validator, proposerPriority: bigint): JsonObj {
  return {
    address: hexUpper(v.address),
    pub_key: aminoPubKeyJson(v.pubKey),
    voting_power: int(v.votingPower),
    proposer_priority: int(proposerPriority),
  };
}

function protoValidatorJson(v: ProtoValidator): JsonObj {
  const key = v.pubKey?.ed25519 ?? v.pubKey?.secp256k1 ?? new Uint8Array();
  return {
    address: hexUpper(v.address),
    pub_key: aminoPubKeyJson(key),
    voting_power: int(v.votingPower),
    proposer_priority: int(v.proposerPriority),
  };
}

export function validatorUpdateJson(u: ValidatorUpdate): JsonObj {
  return { pub_key: protoPubKeyJson(u.pubKey), power: int(u.power) };
}

// ---------------------------------------------------------------- ABCI results and events

export function eventJson(e: Event | AbciEvent): JsonObj {
  return {
    type: e.type,
    attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })),
  };
}

/** ExecTxResult / ResponseCheckTx (they share their JSON fields). */
export function txResultJson(r: ExecTxResult | TxResult | undefined): JsonObj {
  return {
    code: r?.code ?? 0,
    data: b64(r?.data),
    log: r?.log ?? "",
    info: (r as Partial<ExecTxResult> | undefined)?.info ?? "",
    gas_wanted: int(r?.gasWanted ?? 0n),
    gas_used: int(r?.gasUsed ?? 0n),
    events: (r?.events ?? []).map(eventJson),
    codespace: r?.codespace ?? "",
  };
}

const durationJson = (d: Duration | undefined): string =>
  int((d?.seconds ?? 0n) * 1_000_000_000n + BigInt(d?.nanos ?? 0));

export function consensusParamsJson(p: ConsensusParams): JsonObj {
  const out: JsonObj = {};
  if (p.block) out.block = { max_bytes: int(p.block.maxBytes), max_gas: int(p.block.maxGas) };
  if (p.evidence) {
    out.evidence = {
      max_age_num_blocks: int(p.evidence.maxAgeNumBlocks),
      max_age_duration: durationJson(p.evidence.maxAgeDuration),
      max_bytes: int(p.evidence.maxBytes),
    };
  }
  if (p.validator) out.validator = { pub_key_types: [...p.validator.pubKeyTypes] };
  if (p.version) out.version = { app: int(p.version.app) };
  if (p.abci) out.abci = { vote_extensions_enable_height: int(p.abci.voteExtensionsEnableHeight) };
  return out;
}

/** A repeated protobuf field decoded empty is a nil slice in Go: printed as null. */
const listOrNull = <T>(xs: T[] | undefined, f: (x: T) => JsonValue): JsonValue[] | null =>
  xs && xs.length > 0 ? xs.map(f) : null;

export function blockResultsJson(height: bigint, r: ResponseFinalizeBlock): JsonObj {
  return {
    height: int(height),
    txs_results: listOrNull(r.txResults, txResultJson),
    finalize_block_events: listOrNull(r.events, eventJson),
    validator_updates: listOrNull(r.validatorUpdates, validatorUpdateJson),
    consensus_param_updates: r.consensusParamUpdates ? consensusParamsJson(r.consensusParamUpdates) : null,
    app_hash: b64(r.appHash),
  };
}

// ---------------------------------------------------------------- txs

export interface TxProofView {
  rootHash: Uint8Array;
  data: Uint8Array;
  total: number;
  index: number;
  leafHash: Uint8Array;
  aunts: Uint8Array[];
}

export function txProofJson(p: TxProofView): JsonObj {
  return {
    root_hash: hexUpper(p.rootHash),
    data: b64(p.data),
    proof: {
      total: int(p.total),
      index: int(p.index),
      leaf_hash: b64(p.leafHash),
      // CometBFT omits an empty aunts list; CosmJS requires the array, so it is always written.
      aunts: p.aunts.map(b64),
    },
  };
}

export function indexedTxJson(t: IndexedTx, proof?: TxProofView): JsonObj {
  const out: JsonObj = {
    hash: hexUpper(t.hash),
    height: int(t.height),
    index: t.index,
    tx_result: txResultJson(t.result),
    tx: b64(t.tx),
  };
  if (proof) out.proof = txProofJson(proof);
  return out;
}
