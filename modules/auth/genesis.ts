import type { Params } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { parseAddress } from "../../chain/crypto/address.ts";
import { fromBase64, toBase64 } from "../../chain/crypto/hash.ts";
import { arr, type Json, type JsonObject, obj, optional, str, uint } from "../../chain/types/json.ts";
import { SECP256K1_PUBKEY_TYPE } from "./ante.ts";
import { type Account, BASE_ACCOUNT_TYPE, DEFAULT_AUTH_PARAMS, MODULE_ACCOUNT_TYPE } from "./keeper.ts";

export interface AuthGenesis {
  params: Params;
  accounts: Account[];
}

function parseBase(o: JsonObject, path: string): Account["base"] {
  const address = str(o.address, `${path}.address`);
  try {
    parseAddress(address);
  } catch (e) {
    throw new Error(`${path}.address: ${(e as Error).message}`);
  }
  let pubKey: Account["base"]["pubKey"];
  if (o.pub_key !== undefined && o.pub_key !== null) {
    const pk = obj(o.pub_key, `${path}.pub_key`);
    if (pk["@type"] !== SECP256K1_PUBKEY_TYPE)
      throw new Error(`${path}.pub_key: only ${SECP256K1_PUBKEY_TYPE} is supported`);
    pubKey = {
      typeUrl: SECP256K1_PUBKEY_TYPE,
      value: PubKey.encode({ key: fromBase64(str(pk.key, `${path}.pub_key.key`)) }).finish(),
    };
  }
  return {
    address,
    pubKey,
    accountNumber: uint(o.account_number ?? "0", `${path}.account_number`),
    sequence: uint(o.sequence ?? "0", `${path}.sequence`),
  };
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
    const o = obj(a, path);
    const type = str(o["@type"], `${path}.@type`);
    let acc: Account;
    if (type === BASE_ACCOUNT_TYPE) acc = { base: parseBase(o, path) };
    else if (type === MODULE_ACCOUNT_TYPE) {
      acc = {
        base: parseBase(obj(o.base_account, `${path}.base_account`), `${path}.base_account`),
        module: {
          name: str(o.name, `${path}.name`),
          permissions: arr(o.permissions ?? [], `${path}.permissions`).map((x) =>
            str(x, `${path}.permissions`),
          ),
        },
      };
    } else throw new Error(`${path}.@type: unsupported account type ${type}`);
    if (addresses.has(acc.base.address)) throw new Error(`${path}: duplicate account ${acc.base.address}`);
    if (numbers.has(acc.base.accountNumber))
      throw new Error(`${path}: duplicate account number ${acc.base.accountNumber}`);
    addresses.add(acc.base.address);
    numbers.add(acc.base.accountNumber);
    return acc;
  });
  return { params, accounts };
}

function baseToJson(b: Account["base"]): JsonObject {
  return {
    address: b.address,
    pub_key: b.pubKey
      ? { "@type": SECP256K1_PUBKEY_TYPE, key: toBase64(PubKey.decode(b.pubKey.value).key) }
      : null,
    account_number: b.accountNumber.toString(),
    sequence: b.sequence.toString(),
  };
}

export function accountToJson(a: Account): JsonObject {
  if (a.module) {
    return {
      "@type": MODULE_ACCOUNT_TYPE,
      base_account: baseToJson(a.base),
      name: a.module.name,
      permissions: a.module.permissions as Json[],
    };
  }
  return { "@type": BASE_ACCOUNT_TYPE, ...baseToJson(a.base) };
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
