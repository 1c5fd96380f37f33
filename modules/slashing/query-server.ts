import {
  QueryParamsRequest,
  QueryParamsResponse,
  QuerySigningInfoRequest,
  QuerySigningInfoResponse,
  QuerySigningInfosRequest,
  QuerySigningInfosResponse,
} from "cosmjs-types/cosmos/slashing/v1beta1/query";
import { grpcInvalidArgument, grpcNotFound } from "../../chain/app/errors.ts";
import { addressArg, grpcQuery } from "../../chain/app/grpc.ts";
import type { QueryDef } from "../../chain/app/module.ts";
import { VALCONS_PREFIX } from "../staking/store.ts";
import type { SlashingKeeper } from "./keeper.ts";
import { paramsToWire } from "./params.ts";

const Q = "/cosmos.slashing.v1beta1.Query";

/** cosmos.slashing.v1beta1.Query (keeper/grpc_query.go): what CosmJS's SlashingExtension asks. */
export function slashingQueries(k: SlashingKeeper): QueryDef[] {
  return [
    grpcQuery(`${Q}/Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => ({
      params: paramsToWire(await k.params(ctx)),
    })),
    grpcQuery(`${Q}/SigningInfo`, QuerySigningInfoRequest, QuerySigningInfoResponse, async (ctx, req) => {
      if (req.consAddress === "") throw grpcInvalidArgument("invalid request");
      const cons = addressArg(req.consAddress, "consensus", VALCONS_PREFIX);
      const info = await k.store.signingInfo(ctx, cons);
      if (!info) throw grpcNotFound(`SigningInfo not found for validator ${req.consAddress}`);
      return { valSigningInfo: info };
    }),
    grpcQuery(`${Q}/SigningInfos`, QuerySigningInfosRequest, QuerySigningInfosResponse, async (ctx, req) => {
      const { items, pagination } = await k.store.signingInfosPage(ctx, req.pagination);
      return { info: items, pagination };
    }),
  ];
}
