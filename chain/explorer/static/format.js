// Formatting for the explorer's pages: HTML escaping, amounts, times, addresses.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Everything from the chain is text: escape it before it goes into HTML. */
export const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** A tagged template that escapes every interpolated value except those wrapped by raw(). */
export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out += (v instanceof Raw ? v.html : Array.isArray(v) ? v.map(asHtml).join("") : esc(v)) + strings[i + 1];
  }
  return new Raw(out);
}

export class Raw {
  constructor(html) {
    this.html = html;
  }
  toString() {
    return this.html;
  }
}
export const raw = (s) => new Raw(s);
const asHtml = (v) => (v instanceof Raw ? v.html : esc(v));

/** ucif (a decimal string) as CIF with up to 6 decimals, exact (no float). */
export function cif(ucif) {
  const s = String(ucif ?? "0");
  if (!/^\d+$/.test(s)) return s;
  const whole = s.length > 6 ? s.slice(0, -6) : "0";
  const frac = s.padStart(6, "0").slice(-6).replace(/0+$/, "");
  return `${BigInt(whole).toLocaleString("en-US")}${frac ? `.${frac}` : ""} CIF`;
}

/** A coin list [{denom, amount}] as text. */
export const coins = (list) =>
  (list ?? []).map((c) => (c.denom === "ucif" ? cif(c.amount) : `${c.amount} ${c.denom}`)).join(", ") || "0";

/** Millionths as a percentage with one decimal. */
export const ppm = (v) => `${(Number(v ?? 0) / 10_000).toFixed(1)}%`;

/** "12 s ago" from an RFC 3339 time. */
export function ago(rfc3339, now = Date.now()) {
  const t = Date.parse(rfc3339);
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export const shortHash = (h) => (h && h.length > 16 ? `${h.slice(0, 8)}…${h.slice(-6)}` : (h ?? ""));
export const shortAddr = (a) => (a && a.length > 24 ? `${a.slice(0, 12)}…${a.slice(-6)}` : (a ?? ""));

/** An enum name without its prefix, as words: TIER_TRUSTED -> Trusted. */
export function enumName(v, prefix) {
  const s = String(v ?? "").replace(prefix, "");
  return s.length === 0 ? "" : s.charAt(0) + s.slice(1).toLowerCase().replaceAll("_", " ");
}

// bech32 (BIP 173) encoding, to name a validator's consensus address as the chain's queries do.
const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
function polymod(values) {
  const G = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= G[i];
  }
  return chk >>> 0;
}
export function bech32(prefix, bytes) {
  const words = [];
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      words.push((acc >>> bits) & 31);
    }
  }
  if (bits > 0) words.push((acc << (5 - bits)) & 31);
  const hrp = [...prefix].map((c) => c.charCodeAt(0));
  const values = [...hrp.map((c) => c >> 5), 0, ...hrp.map((c) => c & 31), ...words, 0, 0, 0, 0, 0, 0];
  const mod = polymod(values) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return `${prefix}1${[...words, ...checksum].map((w) => CHARSET[w]).join("")}`;
}

export const hexToBytes = (hex) => Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
