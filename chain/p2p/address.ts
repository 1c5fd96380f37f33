import { P2PError, P2PErrorCode } from "./errors.ts";

/** A peer's address as in `persistent_peers`: `<node id>@host:port` (an optional `tcp://` prefix). */
export interface PeerAddress {
  /** 40 lower-case hex characters. */
  id: string;
  host: string;
  port: number;
}

const bad = (s: string, why: string) =>
  new P2PError({ code: P2PErrorCode.BAD_ADDRESS, address: s }, `bad peer address "${s}": ${why}`);

export function parsePeerAddress(input: string): PeerAddress {
  const s = input.trim().replace(/^tcp:\/\//, "");
  const at = s.indexOf("@");
  if (at < 0) throw bad(input, "expected <node id>@host:port");
  const id = s.slice(0, at);
  if (!/^[0-9a-fA-F]{40}$/.test(id)) throw bad(input, "node id must be 40 hex characters");
  const hostPort = s.slice(at + 1);
  let host: string;
  let portStr: string;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(hostPort);
  if (v6) {
    host = v6[1]!;
    portStr = v6[2]!;
  } else {
    const colon = hostPort.lastIndexOf(":");
    if (colon <= 0) throw bad(input, "expected host:port after @");
    host = hostPort.slice(0, colon);
    portStr = hostPort.slice(colon + 1);
    if (!/^[A-Za-z0-9.-]+$/.test(host)) throw bad(input, "bad host");
  }
  if (!/^\d{1,5}$/.test(portStr)) throw bad(input, "bad port");
  const port = Number(portStr);
  if (port < 1 || port > 65535) throw bad(input, "port must be in 1..65535");
  return { id: id.toLowerCase(), host, port };
}

export function formatPeerAddress(a: PeerAddress): string {
  return `${a.id}@${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`;
}
