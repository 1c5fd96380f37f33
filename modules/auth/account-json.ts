import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { parseAddress } from "../../chain/crypto/address.ts";
import { fromBase64, toBase64 } from "../../chain/crypto/hash.ts";
import { coinsFromJson, coinsToJson } from "../../chain/types/coins.ts";
import { arr, type Json, type JsonObject, obj, str, uint } from "../../chain/types/json.ts";
import { SECP256K1_PUBKEY_TYPE } from "./ante.ts";
import { type Account, BASE_ACCOUNT_TYPE, MODULE_ACCOUNT_TYPE } from "./keeper.ts";
import { validateVesting, type Vesting, type VestingSchedule } from "./vesting.ts";
import {
  CONTINUOUS_VESTING_ACCOUNT_TYPE,
  DELAYED_VESTING_ACCOUNT_TYPE,
  PERIODIC_VESTING_ACCOUNT_TYPE,
  VESTING_TYPE_OF,
} from "./vesting-codec.ts";

/** Accounts in the SDK's genesis JSON (proto JSON with "@type"), as `appd export` writes them. */

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

function scheduleFromJson(type: string, o: JsonObject, path: string): VestingSchedule {
  if (type === DELAYED_VESTING_ACCOUNT_TYPE) return { kind: "delayed" };
  const startTime = uint(o.start_time, `${path}.start_time`);
  if (type === CONTINUOUS_VESTING_ACCOUNT_TYPE) return { kind: "continuous", startTime };
  const periods = arr(o.vesting_periods, `${path}.vesting_periods`).map((p, i) => {
    const po = obj(p, `${path}.vesting_periods[${i}]`);
    return {
      length: uint(po.length, `${path}.vesting_periods[${i}].length`),
      amount: coinsFromJson(po.amount, `${path}.vesting_periods[${i}].amount`),
    };
  });
  return { kind: "periodic", startTime, periods };
}

function vestingAccountFromJson(type: string, o: JsonObject, path: string): Account {
  const bvPath = `${path}.base_vesting_account`;
  const bv = obj(o.base_vesting_account, bvPath);
  const vesting: Vesting = {
    originalVesting: coinsFromJson(bv.original_vesting, `${bvPath}.original_vesting`),
    delegatedFree: coinsFromJson(bv.delegated_free ?? [], `${bvPath}.delegated_free`, true),
    delegatedVesting: coinsFromJson(bv.delegated_vesting ?? [], `${bvPath}.delegated_vesting`, true),
    endTime: uint(bv.end_time, `${bvPath}.end_time`),
    schedule: scheduleFromJson(type, o, path),
  };
  try {
    validateVesting(vesting);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  return {
    base: parseBase(obj(bv.base_account, `${bvPath}.base_account`), `${bvPath}.base_account`),
    vesting,
  };
}

/** One account of auth genesis; throws an Error naming the path of what is wrong. */
export function accountFromJson(v: unknown, path: string): Account {
  const o = obj(v, path);
  const type = str(o["@type"], `${path}.@type`);
  switch (type) {
    case BASE_ACCOUNT_TYPE:
      return { base: parseBase(o, path) };
    case MODULE_ACCOUNT_TYPE:
      return {
        base: parseBase(obj(o.base_account, `${path}.base_account`), `${path}.base_account`),
        module: {
          name: str(o.name, `${path}.name`),
          permissions: arr(o.permissions ?? [], `${path}.permissions`).map((x) =>
            str(x, `${path}.permissions`),
          ),
        },
      };
    case CONTINUOUS_VESTING_ACCOUNT_TYPE:
    case DELAYED_VESTING_ACCOUNT_TYPE:
    case PERIODIC_VESTING_ACCOUNT_TYPE:
      return vestingAccountFromJson(type, o, path);
    default:
      throw new Error(`${path}.@type: unsupported account type ${type}`);
  }
}

function vestingToJson(base: Account["base"], v: Vesting): JsonObject {
  const s = v.schedule;
  return {
    "@type": VESTING_TYPE_OF[s.kind],
    base_vesting_account: {
      base_account: baseToJson(base),
      original_vesting: coinsToJson(v.originalVesting),
      delegated_free: coinsToJson(v.delegatedFree),
      delegated_vesting: coinsToJson(v.delegatedVesting),
      end_time: v.endTime.toString(),
    },
    ...(s.kind === "delayed" ? {} : { start_time: s.startTime.toString() }),
    ...(s.kind === "periodic"
      ? {
          vesting_periods: s.periods.map((p) => ({
            length: p.length.toString(),
            amount: coinsToJson(p.amount),
          })),
        }
      : {}),
  };
}

export function accountToJson(a: Account): JsonObject {
  if (a.vesting) return vestingToJson(a.base, a.vesting);
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
