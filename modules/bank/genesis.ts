import type { Metadata, Params } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import { parseAddress } from "../../chain/crypto/address.ts";
import { type Coin64, coinString, coinsFromJson, coinsToJson } from "../../chain/types/coins.ts";
import { arr, type JsonObject, bool, obj, optional, str, uint } from "../../chain/types/json.ts";

export interface BankGenesis {
  params: Params;
  balances: { address: string; coins: Coin64[] }[];
  supply: Coin64[];
  denomMetadata: Metadata[];
}

/** Reads and validates the bank section of genesis (x/bank GenesisState in proto JSON). */
export function parseBankGenesis(v: unknown): BankGenesis {
  const g = obj(v ?? {}, "bank");
  const p = obj(g.params ?? {}, "bank.params");
  const params: Params = {
    sendEnabled: arr(p.send_enabled ?? [], "bank.params.send_enabled").map((s, i) => {
      const o = obj(s, `bank.params.send_enabled[${i}]`);
      return { denom: str(o.denom, "denom"), enabled: bool(o.enabled, "enabled") };
    }),
    defaultSendEnabled: optional(
      p.default_send_enabled,
      (x) => bool(x, "bank.params.default_send_enabled"),
      true,
    ),
  };
  const seen = new Set<string>();
  const balances = arr(g.balances ?? [], "bank.balances").map((b, i) => {
    const o = obj(b, `bank.balances[${i}]`);
    const address = str(o.address, `bank.balances[${i}].address`);
    try {
      parseAddress(address);
    } catch (e) {
      throw new Error(`bank.balances[${i}].address: ${(e as Error).message}`);
    }
    if (seen.has(address)) throw new Error(`bank.balances: duplicate address ${address}`);
    seen.add(address);
    return { address, coins: coinsFromJson(o.coins, `bank.balances[${i}].coins`, true) };
  });
  const supply = coinsFromJson(g.supply ?? [], "bank.supply", true);
  const sums = new Map<string, bigint>();
  for (const b of balances) for (const c of b.coins) sums.set(c.denom, (sums.get(c.denom) ?? 0n) + c.amount);
  const computed = [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([denom, amount]) => ({ denom, amount }));
  if (supply.length > 0 && coinString(supply) !== coinString(computed)) {
    throw new Error(
      `bank.supply ${coinString(supply)} does not equal the sum of balances ${coinString(computed)}`,
    );
  }
  const denomMetadata = arr(g.denom_metadata ?? [], "bank.denom_metadata").map((m, i) =>
    parseMetadata(m, `bank.denom_metadata[${i}]`),
  );
  return { params, balances, supply: computed, denomMetadata };
}

function parseMetadata(v: unknown, path: string): Metadata {
  const o = obj(v, path);
  return {
    description: optional(o.description, (x) => str(x, `${path}.description`), ""),
    denomUnits: arr(o.denom_units ?? [], `${path}.denom_units`).map((u, i) => {
      const du = obj(u, `${path}.denom_units[${i}]`);
      return {
        denom: str(du.denom, `${path}.denom_units[${i}].denom`),
        exponent: Number(uint(du.exponent ?? 0, `${path}.denom_units[${i}].exponent`)),
        aliases: arr(du.aliases ?? [], "aliases").map((a) => str(a, "alias")),
      };
    }),
    base: str(o.base, `${path}.base`),
    display: str(o.display, `${path}.display`),
    name: optional(o.name, (x) => str(x, `${path}.name`), ""),
    symbol: optional(o.symbol, (x) => str(x, `${path}.symbol`), ""),
    uri: optional(o.uri, (x) => str(x, `${path}.uri`), ""),
    uriHash: optional(o.uri_hash, (x) => str(x, `${path}.uri_hash`), ""),
  };
}

export function bankGenesisToJson(g: BankGenesis): JsonObject {
  return {
    params: {
      send_enabled: g.params.sendEnabled.map((s) => ({ denom: s.denom, enabled: s.enabled })),
      default_send_enabled: g.params.defaultSendEnabled,
    },
    balances: g.balances.map((b) => ({ address: b.address, coins: coinsToJson(b.coins) })),
    supply: coinsToJson(g.supply),
    denom_metadata: g.denomMetadata.map((m) => ({
      description: m.description,
      denom_units: m.denomUnits.map((u) => ({ denom: u.denom, exponent: u.exponent, aliases: u.aliases })),
      base: m.base,
      display: m.display,
      name: m.name,
      symbol: m.symbol,
      uri: m.uri,
      uri_hash: m.uriHash,
    })),
    send_enabled: [],
  };
}
