import {
  QueryAccountRequest,
  QueryAccountResponse,
  QueryAccountsRequest,
  QueryAccountsResponse,
  QueryModuleAccountByNameRequest,
  QueryModuleAccountByNameResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  Bech32PrefixRequest,
  Bech32PrefixResponse,
} from "cosmjs-types/cosmos/auth/v1beta1/query";
import { Any } from "cosmjs-types/google/protobuf/any";
import { grpcInvalidArgument, grpcNotFound } from "../../chain/app/errors.ts";
import { addressArg, grpcQuery, paginate } from "../../chain/app/grpc.ts";
import type { QueryDef } from "../../chain/app/module.ts";
import { BECH32_PREFIX, moduleAddress } from "../../chain/crypto/address.ts";
import { ACCOUNT_PREFIX, type AuthKeeper, toAny } from "./keeper.ts";

const Q = "/cosmos.auth.v1beta1.Query";

export function authQueries(auth: AuthKeeper): QueryDef[] {
  return [
    grpcQuery(`${Q}/Account`, QueryAccountRequest, QueryAccountResponse, async (ctx, req) => {
      addressArg(req.address, "account");
      const acc = await auth.getAccount(ctx, req.address);
      if (!acc) throw grpcNotFound(`account ${req.address} not found`);
      return { account: toAny(acc) };
    }),
    grpcQuery(`${Q}/Accounts`, QueryAccountsRequest, QueryAccountsResponse, async (ctx, req) => {
      const page = await paginate(ctx.kv(auth.storeKey), ACCOUNT_PREFIX, req.pagination, (_k, v) =>
        Any.decode(v),
      );
      return { accounts: page.items, pagination: page.pagination };
    }),
    grpcQuery(
      `${Q}/ModuleAccountByName`,
      QueryModuleAccountByNameRequest,
      QueryModuleAccountByNameResponse,
      async (ctx, req) => {
        if (!req.name) throw grpcInvalidArgument("module name is empty");
        const acc = await auth.getAccount(ctx, moduleAddress(req.name));
        if (!acc?.module) throw grpcNotFound(`account ${req.name} not found`);
        return { account: toAny(acc) };
      },
    ),
    grpcQuery(`${Q}/Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => ({
      params: await auth.getParams(ctx),
    })),
    grpcQuery(`${Q}/Bech32Prefix`, Bech32PrefixRequest, Bech32PrefixResponse, async () => ({
      bech32Prefix: BECH32_PREFIX,
    })),
  ];
}
