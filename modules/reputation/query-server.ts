import { grpcInvalidArgument, grpcNotFound } from "../../chain/app/errors.ts";
import { addressArg, grpcQuery, paginateList } from "../../chain/app/grpc.ts";
import type { QueryDef } from "../../chain/app/module.ts";
import { VALOPER_PREFIX } from "../staking/store.ts";
import type { ReputationKeeper } from "./keeper.ts";
import {
  QueryHistoryRequest,
  QueryHistoryResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryValidatorRequest,
  QueryValidatorResponse,
  QueryValidatorsRequest,
  QueryValidatorsResponse,
  Tier,
} from "./proto.ts";

const Q = "/cifer.reputation.v1.Query";

export function reputationQueries(k: ReputationKeeper): QueryDef[] {
  return [
    grpcQuery(`${Q}/Validator`, QueryValidatorRequest, QueryValidatorResponse, async (ctx, req) => {
      addressArg(req.validatorAddress, "validator", VALOPER_PREFIX);
      const validator = await k.get(ctx, req.validatorAddress);
      if (!validator) throw grpcNotFound(`no reputation for validator ${req.validatorAddress}`);
      return { validator };
    }),
    grpcQuery(`${Q}/Validators`, QueryValidatorsRequest, QueryValidatorsResponse, async (ctx, req) => {
      if (!Object.values(Tier).includes(req.tier)) throw grpcInvalidArgument(`unknown tier ${req.tier}`);
      const all = (await k.all(ctx)).filter((r) => req.tier === Tier.Unspecified || r.tier === req.tier);
      const { items, pagination } = paginateList(all, req.pagination);
      return { validators: items, pagination };
    }),
    grpcQuery(`${Q}/History`, QueryHistoryRequest, QueryHistoryResponse, async (ctx, req) => {
      addressArg(req.validatorAddress, "validator", VALOPER_PREFIX);
      if (!(await k.get(ctx, req.validatorAddress)))
        throw grpcNotFound(`no reputation for validator ${req.validatorAddress}`);
      const { items, pagination } = await k.history(ctx, req.validatorAddress, req.pagination);
      return { samples: items, pagination };
    }),
    grpcQuery(`${Q}/Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => ({
      params: await k.params(ctx),
    })),
  ];
}
