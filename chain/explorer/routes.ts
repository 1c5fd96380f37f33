import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RpcRoutes } from "../rpc/server.ts";

/**
 * The web explorer at /explorer: static files (HTML, ES modules, CSS) that the browser runs as is,
 * reading the node through the same public endpoints any client uses (JSON-RPC, /websocket, Cosmos
 * REST and /cifer/<module>/v1/...). Nothing is built at run time: the files are read once at start,
 * served from memory with an ETag, and only the names listed here exist (no path from the request
 * ever reaches the file system).
 */

const STATIC_DIR = join(import.meta.dirname, "static");

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

/** Every file the explorer serves. */
export const EXPLORER_FILES = [
  "index.html",
  "app.js",
  "api.js",
  "charts.js",
  "format.js",
  "pages.js",
  "live.js",
  "style.css",
  "favicon.svg",
] as const;

/**
 * The page may load only its own files and talk only to its own node (fetch and websocket): a
 * hash, a CID or a memo shown on a page cannot pull in a script or leak to another origin.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

function load(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of EXPLORER_FILES) {
    const body = readFileSync(join(STATIC_DIR, name));
    const ext = name.slice(name.lastIndexOf(".") + 1);
    const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 32)}"`;
    files.set(name, { body, type: TYPES[ext] ?? "application/octet-stream", etag });
  }
  return files;
}

export function explorerRoutes(): RpcRoutes {
  const files = load();
  return async (app: FastifyInstance) => {
    const send = (name: string, ifNoneMatch: string | undefined) => {
      const f = files.get(name);
      return f === undefined ? undefined : { f, notModified: ifNoneMatch === f.etag };
    };
    app.get("/explorer", async (_request, reply) => reply.redirect("/explorer/", 301));
    const serve = async (request: FastifyRequest<{ Params: { file?: string } }>, reply: FastifyReply) => {
      const name = request.params.file || "index.html";
      const found = send(name, request.headers["if-none-match"]);
      if (found === undefined) {
        return reply
          .code(404)
          .header("content-type", "text/plain; charset=utf-8")
          .send(`no such explorer file: ${name.slice(0, 100)}`);
      }
      reply
        .header("etag", found.f.etag)
        .header("cache-control", "no-cache")
        .header("content-security-policy", CSP)
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer");
      if (found.notModified) return reply.code(304).send();
      return reply.code(200).header("content-type", found.f.type).send(found.f.body);
    };
    app.get("/explorer/", serve);
    app.get("/explorer/:file", serve);
  };
}
