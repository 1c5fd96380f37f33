import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import {
  QueryBalanceRequest,
  QueryBalanceResponse,
  QuerySupplyOfRequest,
  QuerySupplyOfResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import type { QueryResult } from "../../chain/app/app.ts";

type Query = (path: string, data: Uint8Array) => Promise<QueryResult>;

export async function balance(q: Query, address: string, denom = "ucif"): Promise<bigint> {
  const r = await q(
    "/cosmos.bank.v1beta1.Query/Balance",
    QueryBalanceRequest.encode({ address, denom }).finish(),
  );
  if (r.code !== 0) throw new Error(r.log);
  return BigInt(QueryBalanceResponse.decode(r.value).balance!.amount);
}

export async function supply(q: Query, denom = "ucif"): Promise<bigint> {
  const r = await q("/cosmos.bank.v1beta1.Query/SupplyOf", QuerySupplyOfRequest.encode({ denom }).finish());
  if (r.code !== 0) throw new Error(r.log);
  return BigInt(QuerySupplyOfResponse.decode(r.value).amount!.amount);
}

export async function account(q: Query, address: string): Promise<BaseAccount | undefined> {
  const r = await q("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address }).finish());
  if (r.code !== 0) return undefined;
  const any = QueryAccountResponse.decode(r.value).account!;
  return any.typeUrl === "/cosmos.auth.v1beta1.BaseAccount" ? BaseAccount.decode(any.value) : undefined;
}

/** The account number of an address, through a node's RPC (abci_query). */
export async function accountNumberOf(
  node: { rpc<T>(method: string, params?: Record<string, unknown>): Promise<T> },
  address: string,
): Promise<bigint> {
  const r = await node.rpc<{ response: { code: number; value: string; log: string } }>("abci_query", {
    path: "/cosmos.auth.v1beta1.Query/Account",
    data: Buffer.from(QueryAccountRequest.encode({ address }).finish()).toString("hex"),
  });
  if (r.response.code !== 0) throw new Error(`account ${address}: ${r.response.log}`);
  const any = QueryAccountResponse.decode(Buffer.from(r.response.value, "base64")).account!;
  return BaseAccount.decode(any.value).accountNumber;
}
