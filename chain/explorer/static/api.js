// How the explorer reads its node: JSON-RPC (POST /), Cosmos REST and cifer's /cifer/<module>/v1
// paths, all on the origin that served the page. Errors carry the node's own message.

let nextId = 1;

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** One CometBFT JSON-RPC call; resolves to its `result`. */
export async function rpc(method, params = {}) {
  const res = await fetch("/", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
  });
  const body = await res.json().catch(() => undefined);
  if (!body) throw new ApiError(`${method}: HTTP ${res.status}`, res.status);
  if (body.error) {
    const e = body.error;
    throw new ApiError(`${method}: ${e.message}${e.data ? `: ${e.data}` : ""}`, res.status);
  }
  return body.result;
}

/** A GET on a REST path (with query parameters); resolves to the JSON body. */
export async function rest(path, query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, String(v));
  const url = q.size > 0 ? `${path}?${q}` : path;
  const res = await fetch(url, { headers: { accept: "application/json" } });
  const body = await res.json().catch(() => undefined);
  if (!res.ok) throw new ApiError(`${path}: ${body?.message ?? `HTTP ${res.status}`}`, res.status);
  return body;
}

/** Every item of a paged cifer or Cosmos list query, up to `max` items. */
export async function restAll(path, field, query = {}, max = 1000) {
  const out = [];
  let key;
  for (let page = 0; page < 20 && out.length < max; page++) {
    const body = await rest(path, { ...query, "pagination.limit": 200, "pagination.key": key });
    out.push(...(body[field] ?? []));
    key = body.pagination?.next_key;
    if (!key) break;
  }
  return out.slice(0, max);
}

/** The hex sha256 of base64 tx bytes: the tx hash CometBFT indexes. */
export async function txHash(base64Tx) {
  const bytes = Uint8Array.from(atob(base64Tx), (c) => c.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
}
