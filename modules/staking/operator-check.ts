import { QueryValidatorRequest, QueryValidatorResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { parseAddress, toAddress } from "../../chain/crypto/address.ts";
import { bytesEqual } from "../../chain/crypto/hash.ts";
import type { OperatorValidators } from "../../chain/node/committee-runner.ts";
import { VALOPER_PREFIX } from "./store.ts";
import { consensusPubKey } from "./validator.ts";

/**
 * Staking's answer to a committee service (chain/node/committee-runner.ts): which validator an
 * operator account runs, and whether that validator signs with this node's consensus key, so two
 * nodes holding one operator key cannot do one validator's committee work twice.
 */
export const stakingOperators: OperatorValidators = {
  validatorOf: (operator) => toAddress(parseAddress(operator), VALOPER_PREFIX),
  async mismatch(query, validator, nodeKey) {
    const r = await query(
      "/cosmos.staking.v1beta1.Query/Validator",
      QueryValidatorRequest.encode({ validatorAddr: validator }).finish(),
    );
    if (r.code !== 0) return { why: `validator ${validator} does not exist (${r.log})`, wrongKey: false };
    const v = QueryValidatorResponse.decode(r.value).validator;
    if (!v || !bytesEqual(consensusPubKey(v), nodeKey))
      return { why: `validator ${validator} has another consensus key than this node`, wrongKey: true };
    return undefined;
  },
};
