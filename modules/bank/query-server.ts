import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
  QueryDenomMetadataRequest,
  QueryDenomMetadataResponse,
  QueryDenomsMetadataRequest,
  QueryDenomsMetadataResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QuerySpendableBalanceByDenomRequest,
  QuerySpendableBalanceByDenomResponse,
  QuerySpendableBalancesRequest,
  QuerySpendableBalancesResponse,
  QuerySupplyOfRequest,
  QuerySupplyOfResponse,
  QueryTotalSupplyRequest,
  QueryTotalSupplyResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { Metadata } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import { grpcInvalidArgument, grpcNotFound } from "../../chain/app/errors.ts";
import { addressArg, grpcQuery, paginate } from "../../chain/app/grpc.ts";
import type { QueryDef } from "../../chain/app/module.ts";
import { fromUtf8 } from "../../chain/crypto/hash.ts";
import { amountOf, validateDenom } from "../../chain/types/coins.ts";
import { balancesPrefix, type BankKeeper, decodeAmount, METADATA_PREFIX, SUPPLY_PREFIX } from "./keeper.ts";

const Q = "/cosmos.bank.v1beta1.Query";

function denomArg(denom: string): string {
  try {
    validateDenom(denom);
  } catch (e) {
    throw grpcInvalidArgument((e as Error).message);
  }
  return denom;
}

export function bankQueries(bank: BankKeeper): QueryDef[] {
  const kv = (ctx: Parameters<QueryDef["handle"]>[0]) => ctx.kv(bank.storeKey);
  const balancesOf = async (
    ctx: Parameters<QueryDef["handle"]>[0],
    address: string,
    pagination: QueryAllBalancesRequest["pagination"],
  ) => {
    const prefix = balancesPrefix(addressArg(address, "account"));
    const page = await paginate(kv(ctx), prefix, pagination, (k, v) => ({
      denom: fromUtf8(k),
      amount: decodeAmount(v).toString(),
    }));
    return { balances: page.items, pagination: page.pagination };
  };
  return [
    grpcQuery(`${Q}/Balance`, QueryBalanceRequest, QueryBalanceResponse, async (ctx, req) => {
      addressArg(req.address, "account");
      const denom = denomArg(req.denom);
      const amount = await bank.getBalance(ctx, req.address, denom);
      return { balance: { denom, amount: amount.toString() } };
    }),
    grpcQuery(`${Q}/AllBalances`, QueryAllBalancesRequest, QueryAllBalancesResponse, (ctx, req) =>
      balancesOf(ctx, req.address, req.pagination),
    ),
    // As the SDK: the page lists the account's denoms, each with its spendable amount (zero if locked).
    grpcQuery(
      `${Q}/SpendableBalances`,
      QuerySpendableBalancesRequest,
      QuerySpendableBalancesResponse,
      async (ctx, req) => {
        const page = await paginate(
          kv(ctx),
          balancesPrefix(addressArg(req.address, "account")),
          req.pagination,
          (k) => fromUtf8(k),
        );
        const spendable = await bank.spendableCoins(ctx, req.address);
        return {
          balances: page.items.map((denom) => ({ denom, amount: amountOf(spendable, denom).toString() })),
          pagination: page.pagination,
        };
      },
    ),
    grpcQuery(
      `${Q}/SpendableBalanceByDenom`,
      QuerySpendableBalanceByDenomRequest,
      QuerySpendableBalanceByDenomResponse,
      async (ctx, req) => {
        addressArg(req.address, "account");
        const denom = denomArg(req.denom);
        const amount = await bank.spendableCoin(ctx, req.address, denom);
        return { balance: { denom, amount: amount.toString() } };
      },
    ),
    grpcQuery(`${Q}/TotalSupply`, QueryTotalSupplyRequest, QueryTotalSupplyResponse, async (ctx, req) => {
      const page = await paginate(kv(ctx), SUPPLY_PREFIX, req.pagination, (k, v) => ({
        denom: fromUtf8(k),
        amount: decodeAmount(v).toString(),
      }));
      return { supply: page.items, pagination: page.pagination };
    }),
    grpcQuery(`${Q}/SupplyOf`, QuerySupplyOfRequest, QuerySupplyOfResponse, async (ctx, req) => {
      const denom = denomArg(req.denom);
      return { amount: { denom, amount: (await bank.getSupply(ctx, denom)).toString() } };
    }),
    grpcQuery(`${Q}/Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => ({
      params: await bank.getParams(ctx),
    })),
    grpcQuery(
      `${Q}/DenomMetadata`,
      QueryDenomMetadataRequest,
      QueryDenomMetadataResponse,
      async (ctx, req) => {
        const m = await bank.getDenomMetadata(ctx, denomArg(req.denom));
        if (!m) throw grpcNotFound(`client metadata for denom ${req.denom}`);
        return { metadata: m };
      },
    ),
    grpcQuery(
      `${Q}/DenomsMetadata`,
      QueryDenomsMetadataRequest,
      QueryDenomsMetadataResponse,
      async (ctx, req) => {
        const page = await paginate(kv(ctx), METADATA_PREFIX, req.pagination, (_k, v) => Metadata.decode(v));
        return { metadatas: page.items, pagination: page.pagination };
      },
    ),
  ];
}
