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
import { PAGINATION_PARAMS, QueryArgs } from "./params.ts";
import { grpcAnswer } from "./query.ts";

/**
 * The Cosmos SDK module queries explorers and wallets read (auth, bank, staking), each one gRPC query
 * through RpcBackend.abciQuery, answered as the SDK's gateway does. Path parameters go to the
 * queries unchecked: they validate addresses themselves (InvalidArgument, 400).
 */
export function moduleRoutes(app: FastifyInstance, backend: RpcBackend): void {
  app.get<{ Params: { address: string } }>("/auth/v1beta1/accounts/:address", async (request, reply) => {
    new QueryArgs(request.query, []);
    const { address } = request.params;
    return grpcAnswer(
      reply,
      backend,
      "/cosmos.auth.v1beta1.Query/Account",
      QueryAccountRequest,
      QueryAccountRequest.fromPartial({ address }),
      QueryAccountResponse,
    );
  });

  app.get<{ Params: { address: string } }>("/bank/v1beta1/balances/:address", async (request, reply) => {
    const args = new QueryArgs(request.query, [...PAGINATION_PARAMS, "resolve_denom"]);
    const { address } = request.params;
    return grpcAnswer(
      reply,
      backend,
      "/cosmos.bank.v1beta1.Query/AllBalances",
      QueryAllBalancesRequest,
      QueryAllBalancesRequest.fromPartial({
        address,
        pagination: args.pagination(),
        resolveDenom: args.bool("resolve_denom") ?? false,
      }),
      QueryAllBalancesResponse,
    );
  });

  app.get("/bank/v1beta1/supply", async (request, reply) => {
    const args = new QueryArgs(request.query, PAGINATION_PARAMS);
    return grpcAnswer(
      reply,
      backend,
      "/cosmos.bank.v1beta1.Query/TotalSupply",
      QueryTotalSupplyRequest,
      QueryTotalSupplyRequest.fromPartial({ pagination: args.pagination() }),
      QueryTotalSupplyResponse,
    );
  });

  app.get("/staking/v1beta1/validators", async (request, reply) => {
    const args = new QueryArgs(request.query, [...PAGINATION_PARAMS, "status"]);
    // The staking query checks the status name itself (InvalidArgument when unknown).
    const status = args.string("status") ?? "";
    return grpcAnswer(
      reply,
      backend,
      "/cosmos.staking.v1beta1.Query/Validators",
      QueryValidatorsRequest,
      QueryValidatorsRequest.fromPartial({ status, pagination: args.pagination() }),
      QueryValidatorsResponse,
    );
  });

  app.get<{ Params: { validator: string } }>(
    "/staking/v1beta1/validators/:validator",
    async (request, reply) => {
      new QueryArgs(request.query, []);
      const validatorAddr = request.params.validator;
      return grpcAnswer(
        reply,
        backend,
        "/cosmos.staking.v1beta1.Query/Validator",
        QueryValidatorRequest,
        QueryValidatorRequest.fromPartial({ validatorAddr }),
        QueryValidatorResponse,
      );
    },
  );

  app.get<{ Params: { delegator: string } }>(
    "/staking/v1beta1/delegations/:delegator",
    async (request, reply) => {
      const args = new QueryArgs(request.query, PAGINATION_PARAMS);
      const delegatorAddr = request.params.delegator;
      return grpcAnswer(
        reply,
        backend,
        "/cosmos.staking.v1beta1.Query/DelegatorDelegations",
        QueryDelegatorDelegationsRequest,
        QueryDelegatorDelegationsRequest.fromPartial({ delegatorAddr, pagination: args.pagination() }),
        QueryDelegatorDelegationsResponse,
      );
    },
  );

  app.get("/staking/v1beta1/pool", async (request, reply) => {
    new QueryArgs(request.query, []);
    return grpcAnswer(
      reply,
      backend,
      "/cosmos.staking.v1beta1.Query/Pool",
      QueryPoolRequest,
      QueryPoolRequest.fromPartial({}),
      QueryPoolResponse,
    );
  });

  app.get("/staking/v1beta1/params", async (request, reply) => {
    new QueryArgs(request.query, []);
    return grpcAnswer(
      reply,
      backend,
      "/cosmos.staking.v1beta1.Query/Params",
      QueryParamsRequest,
      QueryParamsRequest.fromPartial({}),
      QueryParamsResponse,
    );
  });
}
