/**
 * Who gets what of one sale, to the last ucif (pure, bigint only). The amounts always add up to the
 * price exactly: every floor division leaves its dust with someone named by a fixed rule, so no ucif
 * is minted or lost and every node splits identically.
 */

export type PayeeRole = "protocol" | "curator" | "owner";

export interface Payee {
  address: string;
  role: PayeeRole;
  amount: bigint;
}

export type Seller =
  | { kind: "single"; owner: string }
  | {
      kind: "portfolio";
      curator: string;
      curatorSharePpm: number;
      owners: ReadonlyArray<{ address: string; weightPpm: number }>;
    };

const PPM = 1_000_000n;

function ppm(v: number, name: string): bigint {
  if (!Number.isSafeInteger(v) || v < 0 || v > 1_000_000)
    throw new Error(`${name} must be an integer within [0, 1000000], got ${v}`);
  return BigInt(v);
}

/**
 * The payees of one sale at `price`:
 * - protocol: floor(price * protocolFeePpm / 1e6), credited by the keeper to the community pool
 *   (`protocol` is only the address label it is paid under);
 * - single seller: the owner gets the rest;
 * - portfolio: the curator gets floor(rest * curatorSharePpm / 1e6); the pool left is split among the
 *   items' owners by weight: floor(pool * w / 1e6) each, then the dust (fewer ucif than owners) one
 *   ucif each to the items with the largest remainders (pool * w mod 1e6), ties to the earlier item.
 *   An owner of several items is paid once, the sum, at the place of its first item.
 *
 * Output order: protocol, curator (portfolio), owners in input order. Payees whose amount is 0 are left
 * out (no zero bank sends). Roles are not merged with each other: a curator who also owns an item
 * appears twice, once per role. Throws Error (a caller bug, not user input) for a negative price, a
 * rate outside [0, 1e6], no owners, or weights not summing to 1e6.
 */
export function splitSale(price: bigint, protocolFeePpm: number, seller: Seller, protocol: string): Payee[] {
  if (price < 0n) throw new Error(`sale price must be non-negative, got ${price}`);
  const fee = (price * ppm(protocolFeePpm, "protocol fee")) / PPM;
  const rest = price - fee;
  const out: Payee[] = [{ address: protocol, role: "protocol", amount: fee }];
  if (seller.kind === "single") {
    out.push({ address: seller.owner, role: "owner", amount: rest });
  } else {
    const curatorCut = (rest * ppm(seller.curatorSharePpm, "curator share")) / PPM;
    out.push({ address: seller.curator, role: "curator", amount: curatorCut });
    out.push(...ownerShares(rest - curatorCut, seller.owners));
  }
  return out.filter((p) => p.amount > 0n);
}

/** The pool among the items' owners by weight (largest-remainder rounding), merged per address. */
function ownerShares(pool: bigint, owners: ReadonlyArray<{ address: string; weightPpm: number }>): Payee[] {
  if (owners.length === 0) throw new Error("a portfolio sale needs at least one owner");
  const weights = owners.map((o, i) => ppm(o.weightPpm, `weight of item ${i}`));
  const total = weights.reduce((a, w) => a + w, 0n);
  if (total !== PPM) throw new Error(`portfolio weights must sum to 1000000, got ${total}`);
  const amounts = weights.map((w) => (pool * w) / PPM);
  const rems = weights.map((w) => (pool * w) % PPM);
  // sum of floors >= pool - n (each floor loses < 1), so the dust is below the number of items.
  let dust = pool - amounts.reduce((a, x) => a + x, 0n);
  const order = owners
    .map((_, i) => i)
    .sort((a, b) => (rems[a]! === rems[b]! ? a - b : rems[a]! > rems[b]! ? -1 : 1));
  for (const i of order) {
    if (dust === 0n) break;
    amounts[i]! += 1n;
    dust--;
  }
  const byAddress = new Map<string, Payee>();
  for (const [i, o] of owners.entries()) {
    const seen = byAddress.get(o.address);
    if (seen) seen.amount += amounts[i]!;
    else byAddress.set(o.address, { address: o.address, role: "owner", amount: amounts[i]! });
  }
  return [...byAddress.values()];
}
