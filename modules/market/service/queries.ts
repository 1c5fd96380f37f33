import { SDK_CODESPACE, SdkCode } from "../../../chain/app/errors.ts";
import type { ServiceQuery } from "../../../chain/node/services.ts";
import type { PageRequest } from "../../fl/proto.ts";
import { MARKET_CODESPACE, MarketCode } from "../errors.ts";
import {
  type Asset,
  encode,
  type Escrow,
  type EscrowStatus,
  type MarketCodec,
  QueryAssetRequest,
  QueryAssetResponse,
  QueryEscrowRequest,
  QueryEscrowResponse,
  QueryEscrowsRequest,
  QueryEscrowsResponse,
} from "../proto.ts";

const SERVICE = "/cifer.market.v1.Query";
/** Pages read before a listing is cut short (bounds a scan). */
const MAX_PAGES = 100;

export class MarketQueryError extends Error {
  override name = "MarketQueryError";
  constructor(
    readonly path: string,
    readonly codespace: string,
    readonly code: number,
    readonly log: string,
  ) {
    super(`${path}: ${log}`);
  }
}

/** The app has no handler for the path: a chain (or a node's binary) without the market module. */
export const isUnserved = (e: unknown) =>
  e instanceof MarketQueryError && e.codespace === SDK_CODESPACE && e.code === SdkCode.UnknownRequest;

/** No such record: the gRPC-style NotFound the query servers answer, or the market's own code. */
const notFound = (e: unknown, code: MarketCode) =>
  e instanceof MarketQueryError &&
  ((e.codespace === MARKET_CODESPACE && e.code === code) || /NotFound/.test(e.log));

/**
 * The cifer.market.v1 queries the escrow evaluator needs, over the node's own query handler
 * (committed state at the latest height).
 */
export class MarketQueries {
  constructor(private readonly q: ServiceQuery) {}

  private async call<Req, Res>(
    method: string,
    req: MarketCodec<Req>,
    res: MarketCodec<Res>,
    m: Partial<Req>,
  ) {
    const path = `${SERVICE}/${method}`;
    const r = await this.q(path, encode(req, req.fromPartial(m)));
    if (r.code !== 0) throw new MarketQueryError(path, r.codespace, r.code, r.log);
    return res.decode(r.value);
  }

  /** Every escrow with `status`, across pages. */
  async escrows(status: EscrowStatus): Promise<Escrow[]> {
    const out: Escrow[] = [];
    let key: Uint8Array | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await this.call("Escrows", QueryEscrowsRequest, QueryEscrowsResponse, {
        status,
        pagination: pageOf(key),
      });
      out.push(...r.escrows);
      key = r.pagination?.nextKey;
      if (!key || key.length === 0) break;
    }
    return out;
  }

  /** The escrow; undefined when there is none of that id. */
  async escrow(escrowId: bigint): Promise<Escrow | undefined> {
    try {
      return (await this.call("Escrow", QueryEscrowRequest, QueryEscrowResponse, { escrowId })).escrow;
    } catch (e) {
      if (notFound(e, MarketCode.EscrowNotFound)) return undefined;
      throw e;
    }
  }

  /** The asset; undefined when there is none of that id. */
  async asset(assetId: bigint): Promise<Asset | undefined> {
    try {
      return (await this.call("Asset", QueryAssetRequest, QueryAssetResponse, { assetId })).asset;
    } catch (e) {
      if (notFound(e, MarketCode.AssetNotFound)) return undefined;
      throw e;
    }
  }
}

const pageOf = (key?: Uint8Array): PageRequest | undefined =>
  key && key.length > 0 ? { key, offset: 0n, limit: 0n, countTotal: false, reverse: false } : undefined;
