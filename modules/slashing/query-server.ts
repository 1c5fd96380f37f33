import {
  QueryParamsRequest,
  QueryParamsResponse,
  QuerySigningInfoRequest,
  QuerySigningInfoResponse,
  QuerySigningInfosRequest,
  QuerySigningInfosResponse,
} from "cosmjs-types/cosmos/slashing/v1beta1/query";
import type { ValidatorSigningInfo } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import { grpcInvalidArgument, grpcNotFound } from "../../chain/app/errors.ts";
import { grpcQuery, paginateList } from "../../chain/app/grpc.ts";
import type { QueryDef } from "../../chain/app/module.ts";
import { parseAddress } from "../../chain/crypto/address.ts";
import { VALCONS_PREFIX } from "../staking/store.ts";
import type { SlashingKeeper } from "./keeper.ts";
import { paramsToWire } from "./params.ts";

const Q = "/cosmos.slashing.v1beta1.Query";

export function slashingQueries(k: SlashingKeeper): QueryDef[] {
  return [
    grpcQuery(`${Q}/Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => ({
      params: paramsToWire(await k.params(ctx)),
    })),
    grpcQuery(`${Q}/SigningInfo`, QuerySigningInfoRequest, QuerySigningInfoResponse, async (ctx, req) => {
      let cons: Uint8Array;
      try {
        cons = parseAddress(req.consAddress, VALCONS_PREFIX);
      } catch (e) {
        throw grpcInvalidArgument(`invalid consensus address: ${(e as Error).message}`);
      }
      const info = await k.signingInfo(ctx, cons);
      if (!info) throw grpcNotFound(`SigningInfo not found for validator ${req.consAddress}`);
      return { valSigningInfo: info };
    }),
    grpcQuery(`${Q}/SigningInfos`, QuerySigningInfosRequest, QuerySigningInfosResponse, async (ctx, req) => {
      const all: ValidatorSigningInfo[] = [];
      for await (const i of k.signingInfos(ctx)) all.push(i);
      const { items, pagination } = paginateList(all, req.pagination);
      return { info: items, pagination };
    }),
  ];
}
