import {
  QueryDenomMetadataRequest,
  QueryDenomMetadataResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { QueryParamsRequest, QueryParamsResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { BECH32_PREFIX } from "../crypto/address.ts";
import type { RpcBackend } from "../rpc/backend.ts";
import type { GasPrice } from "../types/gas-price.ts";
import { invalidArgument, RestError } from "./errors.ts";
import type { JsonObject } from "./json.ts";
import { QueryArgs } from "./params.ts";
import { grpcQuery } from "./query.ts";
import { sendJson } from "./reply.ts";

/**
 * /chain-info.json: the chain as Keplr's experimentalSuggestChain takes it (its ChainInfo), so a
 * wallet can add the chain from this one URL. Currencies come from the chain (staking's bond denom
 * and the bank's denom metadata), fee steps from this node's minimum gas prices.
 */
export interface ChainInfoOptions {
  minimumGasPrices: readonly GasPrice[];
  /** Where the RPC and REST servers listen when REST has a port of its own (else one port serves both). */
  ports?: () => { rpc: number; rest: number } | undefined;
}

/** The SLIP-44 coin type of Cosmos keys (m/44'/118'/...). */
const COIN_TYPE = 118;

interface Currency {
  coinDenom: string;
  coinMinimalDenom: string;
  coinDecimals: number;
}

/** Keplr's steps: low is the node's minimum, average 2.5x and high 4x it (its default 0.01/0.025/0.04). */
function gasPriceStep(p: GasPrice): JsonObject {
  // Display values for a wallet, not consensus arithmetic: numbers as Keplr expects them.
  const low = Number(p.numerator) / 10 ** p.decimals;
  return { low, average: low * 2.5, high: low * 4 };
}

const HOST_RE = /^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(:[0-9]{1,5})?$/;

/** Base URLs of this node's RPC and REST servers, as the client reached it (its Host header). */
function urlsOf(
  request: FastifyRequest,
  ports: { rpc: number; rest: number } | undefined,
): { rpc: string; rest: string } {
  const host = request.headers.host ?? "";
  const m = HOST_RE.exec(host);
  if (!m) throw invalidArgument(`invalid Host header ${JSON.stringify(host.slice(0, 100))}`);
  if (!ports) return { rpc: `http://${host}`, rest: `http://${host}` };
  return { rpc: `http://${m[1]}:${ports.rpc}`, rest: `http://${m[1]}:${ports.rest}` };
}

export function chainInfoRoutes(app: FastifyInstance, backend: RpcBackend, o: ChainInfoOptions): void {
  async function currencyOf(denom: string): Promise<Currency> {
    try {
      const { value } = await grpcQuery(
        backend,
        "/cosmos.bank.v1beta1.Query/DenomMetadata",
        QueryDenomMetadataRequest,
        QueryDenomMetadataRequest.fromPartial({ denom }),
        QueryDenomMetadataResponse,
      );
      const md = value.metadata;
      const display = md?.denomUnits.find((u) => u.denom === md.display);
      if (md && display) {
        return {
          coinDenom: md.symbol || md.display.toUpperCase(),
          coinMinimalDenom: denom,
          coinDecimals: display.exponent,
        };
      }
    } catch (e) {
      if (!(e instanceof RestError)) throw e;
    }
    // No metadata: the base denom is all a wallet can show.
    return { coinDenom: denom.toUpperCase(), coinMinimalDenom: denom, coinDecimals: 0 };
  }

  app.get("/chain-info.json", async (request, reply) => {
    new QueryArgs(request.query, []);
    const urls = urlsOf(request, o.ports?.());
    const { value: params } = await grpcQuery(
      backend,
      "/cosmos.staking.v1beta1.Query/Params",
      QueryParamsRequest,
      {},
      QueryParamsResponse,
    );
    const bondDenom = params.params?.bondDenom ?? "";
    const stake = await currencyOf(bondDenom);
    const fees: JsonObject[] = [];
    for (const p of o.minimumGasPrices) {
      const c = p.denom === bondDenom ? stake : await currencyOf(p.denom);
      fees.push({ ...c, gasPriceStep: gasPriceStep(p) });
    }
    if (fees.length === 0) fees.push({ ...stake });
    const currencies = [stake, ...fees.filter((f) => f.coinMinimalDenom !== bondDenom)].map((c) => ({
      coinDenom: c.coinDenom,
      coinMinimalDenom: c.coinMinimalDenom,
      coinDecimals: c.coinDecimals,
    }));
    const p = BECH32_PREFIX;
    const info = {
      chainId: backend.chainId(),
      chainName: backend.chainId(),
      rpc: urls.rpc,
      rest: urls.rest,
      bip44: { coinType: COIN_TYPE },
      bech32Config: {
        bech32PrefixAccAddr: p,
        bech32PrefixAccPub: `${p}pub`,
        bech32PrefixValAddr: `${p}valoper`,
        bech32PrefixValPub: `${p}valoperpub`,
        bech32PrefixConsAddr: `${p}valcons`,
        bech32PrefixConsPub: `${p}valconspub`,
      },
      currencies,
      feeCurrencies: fees,
      stakeCurrency: stake,
      features: [],
    };
    return sendJson(reply, 200, info as unknown as JsonObject);
  });
}
