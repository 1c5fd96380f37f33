/**
 * The tx index (CometBFT's kv TxIndexer): tx hash -> position, positions by height, and every
 * indexed event attribute -> positions, so tx and tx_search can answer without scanning blocks.
 * It stores positions only; the node reads the tx and its result from the block store.
 *
 * opsForBlock returns puts for the node to write in the same atomic batch as the block, so the
 * index never runs ahead of or behind the chain. Key layout: see keys.ts.
 */
import type { ExecTxResult } from "cosmjs-types/tendermint/abci/types";
import { txHash, utf8 } from "../crypto/hash.ts";
import type { BatchOp, LevelDB } from "../store/level-db.ts";
import { TxQueryError, TxQueryErrorCode } from "./errors.ts";
import { type TxLoc, decodeLoc, encodeLoc, eventKeyAt, hashKey, heightKey, posToLoc } from "./keys.ts";
import { TX_HASH_KEY, TX_HEIGHT_KEY, planQuery } from "./plan.ts";
import { parseTxQuery } from "./query.ts";
import { DEFAULT_SEARCH_LIMITS, type SearchLimits, findPositions } from "./search.ts";

export type { TxLoc } from "./keys.ts";
export type { SearchLimits } from "./search.ts";

/** Longest composite key ("type.attribute") and attribute value that get indexed, in UTF-8 bytes. */
export const MAX_INDEXED_KEY_BYTES = 256;
export const MAX_INDEXED_VALUE_BYTES = 512;

const EMPTY = new Uint8Array(0);

export class TxIndexer {
  private readonly limits: SearchLimits;

  constructor(
    private readonly db: LevelDB,
    limits: Partial<SearchLimits> = {},
  ) {
    this.limits = { ...DEFAULT_SEARCH_LIMITS, ...limits };
  }

  /**
   * Index entries for the txs of one block. results[i] is the execution result of txs[i]. As in
   * CometBFT, a tx is indexed whatever its result code; a hash seen again (the same tx bytes in a
   * later block) points at its latest position. Attributes are indexed when index is true, the
   * event type and attribute key are non-empty, the composite key is not tx.hash / tx.height and
   * key and value are within MAX_INDEXED_KEY_BYTES / MAX_INDEXED_VALUE_BYTES.
   */
  opsForBlock(height: bigint, txs: Uint8Array[], results: ExecTxResult[]): BatchOp[] {
    if (txs.length !== results.length) {
      throw new Error(`tx index: block ${height} has ${txs.length} txs but ${results.length} results`);
    }
    const ops: BatchOp[] = [];
    // Composite keys repeat across txs (transfer.sender, message.action, ...): encode each once.
    const composites = new Map<string, Uint8Array>();
    txs.forEach((tx, index) => {
      const loc: TxLoc = { height, index };
      const locBytes = encodeLoc(loc);
      const hash = txHash(tx);
      ops.push({ type: "put", key: hashKey(hash), value: locBytes });
      ops.push({ type: "put", key: heightKey(loc), value: hash });
      const seen = new Set<string>();
      for (const ev of results[index]!.events) {
        if (ev.type === "") continue;
        for (const attr of ev.attributes) {
          if (!attr.index || attr.key === "") continue;
          const composite = `${ev.type}.${attr.key}`;
          if (composite === TX_HASH_KEY || composite === TX_HEIGHT_KEY) continue;
          // One entry per (key, value) of a tx: the position is the same for all of them.
          const id = `${composite}\u0000${attr.value}`;
          if (seen.has(id)) continue;
          seen.add(id);
          let k = composites.get(composite);
          if (!k) {
            k = utf8(composite);
            composites.set(composite, k);
          }
          const v = utf8(attr.value);
          if (k.length > MAX_INDEXED_KEY_BYTES || v.length > MAX_INDEXED_VALUE_BYTES) continue;
          ops.push({ type: "put", key: eventKeyAt(k, v, locBytes), value: EMPTY });
        }
      }
    });
    return ops;
  }

  /** Position of the tx with this hash (sha256 of its bytes), if indexed. */
  async get(hash: Uint8Array): Promise<TxLoc | undefined> {
    if (hash.length === 0) return undefined;
    const raw = await this.db.get(hashKey(hash));
    return raw === undefined ? undefined : decodeLoc(raw);
  }

  /**
   * tx_search: positions of the txs matching query, ordered by (height, index) asc or desc, page
   * `page` (1-based) of `perPage`. total counts every match. Throws TxQueryError for a bad query,
   * a page out of range (CometBFT's message) or a query too broad to answer.
   */
  async search(
    query: string,
    page: number,
    perPage: number,
    order: "asc" | "desc",
  ): Promise<{ total: number; locs: TxLoc[] }> {
    if (!Number.isSafeInteger(perPage) || perPage < 1) {
      throw new TxQueryError(
        TxQueryErrorCode.INVALID_PER_PAGE,
        `per_page must be a positive integer, given ${perPage}`,
      );
    }
    if (order !== "asc" && order !== "desc") {
      throw new TxQueryError(
        TxQueryErrorCode.UNSUPPORTED,
        "expected order_by to be either `asc` or `desc` or empty",
      );
    }
    const plan = planQuery(parseTxQuery(query).conditions);
    const positions = await findPositions(this.db, plan, this.limits);
    const total = positions.length;
    const pages = Math.max(1, Math.ceil(total / perPage));
    if (!Number.isSafeInteger(page) || page < 1 || page > pages) {
      throw new TxQueryError(
        TxQueryErrorCode.PAGE_OUT_OF_RANGE,
        `page should be within [1, ${pages}] range, given ${page}`,
      );
    }
    if (order === "desc") positions.reverse();
    const locs = positions.slice((page - 1) * perPage, page * perPage).map(posToLoc);
    return { total, locs };
  }
}
