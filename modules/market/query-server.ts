import type { Context } from "../../chain/app/context.ts";
import { grpcInvalidArgument, grpcNotFound } from "../../chain/app/errors.ts";
import { addressArg, grpcQuery, paginate } from "../../chain/app/grpc.ts";
import type { QueryDef } from "../../chain/app/module.ts";
import { checkCurve, priceAt } from "./curve.ts";
import type { MarketKeeper } from "./keeper.ts";
import * as K from "./keys.ts";
import { marketParamsToWire } from "./params.ts";
import {
  AssetCodec,
  AssetKind,
  EscrowCodec,
  EscrowStatus,
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
} from "./proto.ts";

const Q = "/cifer.market.v1.Query";

/** The Query service of cifer.market.v1 (proto/cifer/market/v1/query.proto). */
export function marketQueries(k: MarketKeeper): QueryDef[] {
  const { store } = k;
  const id64 = (key: Uint8Array) => K.readU64(key, key.length - 8);
  const assetOr404 = async (ctx: Context, id: bigint) => {
    if (id === 0n) throw grpcInvalidArgument("asset id must be positive");
    const a = await store.asset(ctx, id);
    if (!a) throw grpcNotFound(`asset ${id} does not exist`);
    return a;
  };
  /** Records behind an index: its keys end with the record id. */
  const through = async <T>(
    ctx: Context,
    ids: bigint[],
    read: (ctx: Context, id: bigint) => Promise<T | undefined>,
  ) => {
    const out: T[] = [];
    for (const id of ids) {
      const v = await read(ctx, id);
      if (v !== undefined) out.push(v);
    }
    return out;
  };
  return [
    grpcQuery(`${Q}/Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => ({
      params: marketParamsToWire(await k.params(ctx)),
    })),

    grpcQuery(`${Q}/Asset`, QueryAssetRequest, QueryAssetResponse, async (ctx, r) => ({
      asset: await assetOr404(ctx, r.assetId),
    })),

    grpcQuery(`${Q}/Assets`, QueryAssetsRequest, QueryAssetsResponse, async (ctx, r) => {
      if (!Object.values(AssetKind).includes(r.kind)) throw grpcInvalidArgument(`unknown kind ${r.kind}`);
      if (r.owner !== "" && r.kind !== AssetKind.Unspecified)
        throw grpcInvalidArgument("filter by owner or by kind, not both");
      const prefix =
        r.owner !== ""
          ? K.ownerPrefix(addressArg(r.owner, "owner"))
          : r.kind !== AssetKind.Unspecified
            ? K.kindPrefix(r.kind)
            : K.assetPrefix;
      // Unfiltered, the records themselves are paged; through an index, each id is read once.
      if (prefix === K.assetPrefix) {
        const { items, pagination } = await paginate(store.kv(ctx), prefix, r.pagination, (_key, v) =>
          AssetCodec.decode(v),
        );
        return { assets: items, pagination };
      }
      const { items, pagination } = await paginate(store.kv(ctx), prefix, r.pagination, (key) => id64(key));
      return { assets: await through(ctx, items, (c, id) => store.asset(c, id)), pagination };
    }),

    grpcQuery(`${Q}/Price`, QueryPriceRequest, QueryPriceResponse, async (ctx, r) => {
      const a = await assetOr404(ctx, r.assetId);
      if (!a.listing?.active) throw grpcNotFound(`asset ${a.id} is not listed`);
      const curve = checkCurve(a.listing.curve, await k.params(ctx));
      const s = a.listing.sales;
      return { price: priceAt(curve, s).toString(), sales: s, nextPrice: priceAt(curve, s + 1n).toString() };
    }),

    grpcQuery(`${Q}/Access`, QueryAccessRequest, QueryAccessResponse, async (ctx, r) => {
      addressArg(r.address, "holder");
      await assetOr404(ctx, r.assetId);
      const grants = await store.grantsOf(ctx, r.address, r.assetId);
      const h = ctx.block.height;
      const valid = grants.filter((g) => g.expires === 0n || g.expires >= h);
      return {
        granted: valid.length > 0,
        grant: valid.at(-1) ?? grants.at(-1),
        height: h,
      };
    }),

    grpcQuery(`${Q}/Grants`, QueryGrantsRequest, QueryGrantsResponse, async (ctx, r) => {
      if ((r.holder === "") === (r.assetId === 0n))
        throw grpcInvalidArgument("give a holder or an asset id, one of them");
      const prefix =
        r.holder !== "" ? K.holderPrefix(addressArg(r.holder, "holder")) : K.assetGrantsPrefix(r.assetId);
      const { items, pagination } = await paginate(store.kv(ctx), prefix, r.pagination, (key) => id64(key));
      return { grants: await through(ctx, items, (c, id) => store.grant(c, id)), pagination };
    }),

    grpcQuery(`${Q}/Escrow`, QueryEscrowRequest, QueryEscrowResponse, async (ctx, r) => {
      if (r.escrowId === 0n) throw grpcInvalidArgument("escrow id must be positive");
      const e = await store.escrow(ctx, r.escrowId);
      if (!e) throw grpcNotFound(`escrow ${r.escrowId} does not exist`);
      return { escrow: e };
    }),

    grpcQuery(`${Q}/Escrows`, QueryEscrowsRequest, QueryEscrowsResponse, async (ctx, r) => {
      if (!Object.values(EscrowStatus).includes(r.status))
        throw grpcInvalidArgument(`unknown status ${r.status}`);
      const prefix = r.status === EscrowStatus.Unspecified ? K.escrowPrefix : K.escrowStatusPrefix(r.status);
      if (prefix === K.escrowPrefix) {
        const { items, pagination } = await paginate(store.kv(ctx), prefix, r.pagination, (_key, v) =>
          EscrowCodec.decode(v),
        );
        return { escrows: items, pagination };
      }
      const { items, pagination } = await paginate(store.kv(ctx), prefix, r.pagination, (key) => id64(key));
      return { escrows: await through(ctx, items, (c, id) => store.escrow(c, id)), pagination };
    }),

    grpcQuery(`${Q}/Reviews`, QueryReviewsRequest, QueryReviewsResponse, async (ctx, r) => {
      await assetOr404(ctx, r.assetId);
      const { items, pagination } = await paginate(
        store.kv(ctx),
        K.assetReviewsPrefix(r.assetId),
        r.pagination,
        (key) => id64(key),
      );
      return { reviews: await through(ctx, items, (c, id) => store.review(c, id)), pagination };
    }),

    grpcQuery(`${Q}/Reviewer`, QueryReviewerRequest, QueryReviewerResponse, async (ctx, r) => {
      addressArg(r.reviewer, "reviewer");
      return { stats: await store.reviewer(ctx, r.reviewer) };
    }),

    grpcQuery(`${Q}/ModelOfTask`, QueryModelOfTaskRequest, QueryModelOfTaskResponse, async (ctx, r) => {
      if (r.taskId === 0n) throw grpcInvalidArgument("task id must be positive");
      const id = await store.modelOfTask(ctx, r.taskId);
      if (id === undefined) throw grpcNotFound(`no model was minted from task ${r.taskId}`);
      return { asset: await store.asset(ctx, id) };
    }),
  ];
}
