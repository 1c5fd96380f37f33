import { validateDenom } from "./coins.ts";

/** A gas price such as 0.0025ucif held exactly as numerator / 10^decimals (no floats). */
export interface GasPrice {
  denom: string;
  numerator: bigint;
  decimals: number;
}

const PRICE_RE = /^([0-9]+)(?:\.([0-9]{1,18}))?([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/;

export function parseGasPrice(s: string): GasPrice {
  const m = PRICE_RE.exec(s.trim());
  if (!m)
    throw new Error(`invalid gas price ${JSON.stringify(s)}: expected <decimal><denom>, e.g. 0.0025ucif`);
  const [, whole, frac = "", denom] = m;
  validateDenom(denom!);
  return { denom: denom!, numerator: BigInt(`${whole}${frac}`), decimals: frac.length };
}

/** A comma-separated list, as the Cosmos SDK's minimum-gas-prices setting. */
export function parseGasPrices(s: string): GasPrice[] {
  return s.trim() === "" ? [] : s.split(",").map(parseGasPrice);
}

/** The fee a gas limit requires at this price, rounded up like the SDK's ante (ceil). */
export function requiredFee(price: GasPrice, gasLimit: bigint): bigint {
  const scale = 10n ** BigInt(price.decimals);
  return (price.numerator * gasLimit + scale - 1n) / scale;
}

export const formatGasPrice = (p: GasPrice) => {
  const digits = p.numerator.toString().padStart(p.decimals + 1, "0");
  const whole = digits.slice(0, digits.length - p.decimals);
  const frac = digits.slice(digits.length - p.decimals);
  return `${whole}${frac ? `.${frac}` : ""}${p.denom}`;
};
