import type { Params } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { arr, type JsonObject, obj, optional, uint } from "../../chain/types/json.ts";
import { accountFromJson, accountToJson } from "./account-json.ts";
import { type Account, DEFAULT_AUTH_PARAMS } from "./keeper.ts";

export interface AuthGenesis {
  params: Params;
  accounts: Account[];
}

/** Reads and validates the auth section of genesis (x/auth GenesisState in proto JSON). */
export function parseAuthGenesis(v: unknown): AuthGenesis {
  const g = obj(v ?? {}, "auth");
  const p = obj(g.params ?? {}, "auth.params");
  const param = (k: string, d: bigint) => optional(p[k], (x) => uint(x, `auth.params.${k}`), d);
  const params: Params = {
    maxMemoCharacters: param("max_memo_characters", DEFAULT_AUTH_PARAMS.maxMemoCharacters),
    txSigLimit: param("tx_sig_limit", DEFAULT_AUTH_PARAMS.txSigLimit),
    txSizeCostPerByte: param("tx_size_cost_per_byte", DEFAULT_AUTH_PARAMS.txSizeCostPerByte),
    sigVerifyCostEd25519: param("sig_verify_cost_ed25519", DEFAULT_AUTH_PARAMS.sigVerifyCostEd25519),
    sigVerifyCostSecp256k1: param("sig_verify_cost_secp256k1", DEFAULT_AUTH_PARAMS.sigVerifyCostSecp256k1),
  };
  const addresses = new Set<string>();
  const numbers = new Set<bigint>();
  const accounts = arr(g.accounts ?? [], "auth.accounts").map((a, i): Account => {
    const path = `auth.accounts[${i}]`;
    const acc = accountFromJson(a, path);
    if (addresses.has(acc.base.address)) throw new Error(`${path}: duplicate account ${acc.base.address}`);
    if (numbers.has(acc.base.accountNumber))
      throw new Error(`${path}: duplicate account number ${acc.base.accountNumber}`);
    addresses.add(acc.base.address);
    numbers.add(acc.base.accountNumber);
    return acc;
  });
  return { params, accounts };
}

export function authGenesisToJson(g: AuthGenesis): JsonObject {
  return {
    params: {
      max_memo_characters: g.params.maxMemoCharacters.toString(),
      tx_sig_limit: g.params.txSigLimit.toString(),
      tx_size_cost_per_byte: g.params.txSizeCostPerByte.toString(),
      sig_verify_cost_ed25519: g.params.sigVerifyCostEd25519.toString(),
      sig_verify_cost_secp256k1: g.params.sigVerifyCostSecp256k1.toString(),
    },
    accounts: g.accounts.map(accountToJson),
  };
}
