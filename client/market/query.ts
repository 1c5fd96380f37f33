/**
 * Client side of the cifer.market.v1 queries (proto/cifer/market/v1/query.proto), as a CosmJS query
 * extension: `QueryClient.withExtensions(comet, setupMarketExtension)` then `q.market.asset(1n)`. The
 * codecs are the node's own (modules/market/proto.ts), as for the fl queries (client/fl/query.ts);
 * the messages are in the client Registry (registry.ts).
 */
import type { QueryClient } from "@cosmjs/stargate";
import type { PageRequest, PageResponse } from "../../modules/fl/proto.ts";
import {
  type Asset,
  AssetKind,
  type Escrow,
  EscrowStatus,
  type Grant,
  type MarketCodec,
  type MarketParamsWire,
  QueryAccessRequest,
  QueryAccessResponse,
  QueryAssetRequest,
  QueryAssetResponse,
  QueryAssetsRequest,
  QueryAssetsResponse,
  QueryEscrowRequest,
  QueryEscrowResponse,
  QueryEscrowsRequest,
  QueryEscrowsResponse,
  QueryGrantsRequest,
  QueryGrantsResponse,
  QueryModelOfTaskRequest,
  QueryModelOfTaskResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryPriceRequest,
  QueryPriceResponse,
  QueryReviewerRequest,
  QueryReviewerResponse,
  QueryReviewsRequest,
  QueryReviewsResponse,
  type Review,
  type ReviewerStats,
} from "../../modules/market/proto.ts";

export type { Asset, Escrow, Grant, MarketParamsWire as MarketParams, Review, ReviewerStats };
export {
  AssetKind as MarketAssetKind,
  CurveKind as MarketCurveKind,
  EscrowStatus as MarketEscrowStatus,
} from "../../modules/market/proto.ts";

const SERVICE = "/cifer.market.v1.Query";

/** The price of an asset's next sale (`price`), the sales so far, and the price of the sale after. */
export interface MarketPrice {
  price: string;
  sales: bigint;
  nextPrice: string;
}

/** Whether an address holds a valid grant on an asset at `height` (the block the node answered at). */
export interface MarketAccess {
  granted: boolean;
  /** The newest grant of the address on the asset, valid or expired, if any. */
  grant: Grant | undefined;
  height: bigint;
}

/** Grants of one holder, or of one asset. */
export type GrantsFilter = { holder: string } | { assetId: bigint };

export interface MarketExtension {
  readonly market: {
    params: () => Promise<MarketParamsWire>;
    asset: (assetId: bigint) => Promise<Asset>;
    /** Every asset, or those of one kind and/or one owner. */
    assets: (
      kind?: AssetKind,
      owner?: string,
      paginationKey?: Uint8Array,
    ) => Promise<{ assets: Asset[]; pagination?: PageResponse }>;
    /** A listed asset's current price; the node refuses an asset that is not listed. */
    price: (assetId: bigint) => Promise<MarketPrice>;
    /** The one query a data owner's server needs (see client/market/access.ts). */
    access: (assetId: bigint, address: string) => Promise<MarketAccess>;
    grants: (
      filter: GrantsFilter,
      paginationKey?: Uint8Array,
    ) => Promise<{ grants: Grant[]; pagination?: PageResponse }>;
    escrow: (escrowId: bigint) => Promise<Escrow>;
    escrows: (
      status?: EscrowStatus,
      paginationKey?: Uint8Array,
    ) => Promise<{ escrows: Escrow[]; pagination?: PageResponse }>;
    reviews: (
      assetId: bigint,
      paginationKey?: Uint8Array,
    ) => Promise<{ reviews: Review[]; pagination?: PageResponse }>;
    /** A reviewer's standing; undefined for an address that never reviewed. */
    reviewer: (address: string) => Promise<ReviewerStats | undefined>;
    /** The $Model minted from an FL task; undefined while there is none. */
    modelOfTask: (taskId: bigint) => Promise<Asset | undefined>;
  };
}

/**
 * A record that may legitimately be absent: undefined when the node answers NotFound (the gRPC form
 * CosmJS recognises, as for getAccount) or an empty response; any other error is thrown.
 */
async function optional<T>(answer: Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await answer;
  } catch (e) {
    if (/rpc error: code = NotFound/i.test((e as Error)?.message ?? "")) return undefined;
    throw e;
  }
}

const page = (key?: Uint8Array): PageRequest | undefined =>
  key && key.length > 0 ? { key, offset: 0n, limit: 0n, countTotal: false, reverse: false } : undefined;

export function setupMarketExtension(base: QueryClient): MarketExtension {
  const query = async <Req, Res>(
    method: string,
    req: MarketCodec<Req>,
    res: MarketCodec<Res>,
    m: Partial<Req>,
  ) =>
    res.decode((await base.queryAbci(`${SERVICE}/${method}`, req.encode(req.fromPartial(m)).finish())).value);
  return {
    market: {
      params: async () => (await query("Params", QueryParamsRequest, QueryParamsResponse, {})).params!,
      asset: async (assetId) => {
        const r = await query("Asset", QueryAssetRequest, QueryAssetResponse, { assetId });
        if (!r.asset) throw new Error(`asset ${assetId} not found`);
        return r.asset;
      },
      assets: async (kind = AssetKind.Unspecified, owner = "", key) =>
        query("Assets", QueryAssetsRequest, QueryAssetsResponse, { kind, owner, pagination: page(key) }),
      price: async (assetId) => query("Price", QueryPriceRequest, QueryPriceResponse, { assetId }),
      access: async (assetId, address) =>
        query("Access", QueryAccessRequest, QueryAccessResponse, { assetId, address }),
      grants: async (filter, key) =>
        query("Grants", QueryGrantsRequest, QueryGrantsResponse, { ...filter, pagination: page(key) }),
      escrow: async (escrowId) => {
        const r = await query("Escrow", QueryEscrowRequest, QueryEscrowResponse, { escrowId });
        if (!r.escrow) throw new Error(`escrow ${escrowId} not found`);
        return r.escrow;
      },
      escrows: async (status = EscrowStatus.Unspecified, key) =>
        query("Escrows", QueryEscrowsRequest, QueryEscrowsResponse, { status, pagination: page(key) }),
      reviews: async (assetId, key) =>
        query("Reviews", QueryReviewsRequest, QueryReviewsResponse, { assetId, pagination: page(key) }),
      reviewer: async (reviewer) =>
        optional(
          query("Reviewer", QueryReviewerRequest, QueryReviewerResponse, { reviewer }).then((r) => r.stats),
        ),
      modelOfTask: async (taskId) =>
        optional(
          query("ModelOfTask", QueryModelOfTaskRequest, QueryModelOfTaskResponse, { taskId }).then(
            (r) => r.asset,
          ),
        ),
    },
  };
}
