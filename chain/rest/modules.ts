import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryTotalSupplyRequest,
  QueryTotalSupplyResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import {
  QueryDelegatorDelegationsRequest,
  QueryDelegatorDelegationsResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryPoolRequest,
  QueryPoolResponse,
  QueryValidatorRequest,
  QueryValidatorResponse,
  QueryValidatorsRequest,
  QueryValidatorsResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import type { FastifyInstance } from "fastify";
import type { RpcBackend } from "../rpc/backend.ts";
import { addressParam, PAGINATION_PARAMS, QueryArgs, VALOPER_PREFIX } from "./params.ts";
import { type GrpcCodec, grpcQuery } from "./query.ts";
import { sendJson } from "./reply.ts";
import { cosmjsJson } from "./types.ts";

/**
 * The Cosmos SDK module queries explorers and wallets read (auth, bank, staking), each one gRPC query
 * through RpcBackend.abciQuery, answered as the SDK's gateway does.
 */
export function moduleRoutes(app: FastifyInstance, backend: RpcBackend): void {
  /** Runs a query and answers its JSON with the height of the state it read. */
  async function answer<Req, Res extends object>(
    path: string,
    req: GrpcCodec<Req>,
    request: Req,
    res: GrpcCodec<Res> & { toJSON(m: Res): unknown },
  ) {
    const { value, height } = await grpcQuery(backend, path, req, request, res);
    return { body: cosmjsJson(res, value), height };
  }

  app.get<{ Params: { address: string } }>("/auth/v1beta1/accounts/:address", async (request, reply) => {
    new QueryArgs(request.query, []);
    const address = addressParam(request.params.address, "account");
    const { body, height } = await answer(
      "/cosmos.auth.v1beta1.Query/Account",
      QueryAccountRequest,
      QueryAccountRequest.fromPartial({ address }),
      QueryAccountResponse,
    );
    return sendJson(reply, 200, body, height);
  });

  app.get<{ Params: { address: string } }>("/bank/v1beta1/balances/:address", async (request, reply) => {
    const args = new QueryArgs(request.query, [...PAGINATION_PARAMS, "resolve_denom"]);
    const address = addressParam(request.params.address, "account");
    const { body, height } = await answer(
      "/cosmos.bank.v1beta1.Query/AllBalances",
      QueryAllBalancesRequest,
      QueryAllBalancesRequest.fromPartial({
        address,
        pagination: args.pagination(),
        resolveDenom: args.bool("resolve_denom") ?? false,
      }),
      QueryAllBalancesResponse,
    );
    return sendJson(reply, 200, body, height);
  });

  app.get("/bank/v1beta1/supply", async (request, reply) => {
    const args = new QueryArgs(request.query, PAGINATION_PARAMS);
    const { body, height } = await answer(
      "/cosmos.bank.v1beta1.Query/TotalSupply",
      QueryTotalSupplyRequest,
      QueryTotalSupplyRequest.fromPartial({ pagination: args.pagination() }),
      QueryTotalSupplyResponse,
    );
    return sendJson(reply, 200, body, height);
  });

  app.get("/staking/v1beta1/validators", async (request, reply) => {
    const args = new QueryArgs(request.query, [...PAGINATION_PARAMS, "status"]);
    // The staking query checks the status name itself (InvalidArgument when unknown).
    const status = args.string("status") ?? "";
    const { body, height } = await answer(
      "/cosmos.staking.v1beta1.Query/Validators",
      QueryValidatorsRequest,
      QueryValidatorsRequest.fromPartial({ status, pagination: args.pagination() }),
      QueryValidatorsResponse,
    );
    return sendJson(reply, 200, body, height);
  });

  app.get<{ Params: { validator: string } }>(
    "/staking/v1beta1/validators/:validator",
    async (request, reply) => {
      new QueryArgs(request.query, []);
      const validatorAddr = addressParam(request.params.validator, "validator", VALOPER_PREFIX);
      const { body, height } = await answer(
        "/cosmos.staking.v1beta1.Query/Validator",
        QueryValidatorRequest,
        QueryValidatorRequest.fromPartial({ validatorAddr }),
        QueryValidatorResponse,
      );
      return sendJson(reply, 200, body, height);
    },
  );

  app.get<{ Params: { delegator: string } }>(
    "/staking/v1beta1/delegations/:delegator",
    async (request, reply) => {
      const args = new QueryArgs(request.query, PAGINATION_PARAMS);
      const delegatorAddr = addressParam(request.params.delegator, "delegator");
      const { body, height } = await answer(
        "/cosmos.staking.v1beta1.Query/DelegatorDelegations",
        QueryDelegatorDelegationsRequest,
        QueryDelegatorDelegationsRequest.fromPartial({ delegatorAddr, pagination: args.pagination() }),
        QueryDelegatorDelegationsResponse,
      );
      return sendJson(reply, 200, body, height);
    },
  );

  app.get("/staking/v1beta1/pool", async (request, reply) => {
    new QueryArgs(request.query, []);
    const { body, height } = await answer(
      "/cosmos.staking.v1beta1.Query/Pool",
      QueryPoolRequest,
      QueryPoolRequest.fromPartial({}),
      QueryPoolResponse,
    );
    return sendJson(reply, 200, body, height);
  });

  app.get("/staking/v1beta1/params", async (request, reply) => {
    new QueryArgs(request.query, []);
    const { body, height } = await answer(
      "/cosmos.staking.v1beta1.Query/Params",
      QueryParamsRequest,
      QueryParamsRequest.fromPartial({}),
      QueryParamsResponse,
    );
    return sendJson(reply, 200, body, height);
  });
}
