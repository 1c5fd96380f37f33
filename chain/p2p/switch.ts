import { type Server, type Socket, connect as netConnect, createServer } from "node:net";
import type { Ed25519Key } from "../crypto/ed25519.ts";
import { nodeIdOf } from "../node/node-key.ts";
import { type PeerAddress, formatPeerAddress, parsePeerAddress } from "./address.ts";
import {
  ACCEPT_FRAME,
  type ChannelDescriptor,
  DEFAULT_CHANNELS,
  channelMap,
  goodbyePacket,
  parsePackets,
} from "./channels.ts";
import { type P2PLogger, P2PError, P2PErrorCode, silentLogger, toP2PError } from "./errors.ts";
import { type NodeInfo, P2P_PROTOCOL_VERSION, decodeNodeInfo, encodeNodeInfo } from "./node-info.ts";
import { Peer, type PeerDirection } from "./peer.ts";
import {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_MAX_FRAME_SIZE,
  type SecretConnection,
  secretHandshake,
} from "./secret-connection.ts";

export interface ScoringOptions {
  /** Score of a peer with a clean record; default 100. */
  initial?: number;
  /** A peer whose score falls to this or below is disconnected and banned; default 0. */
  banThreshold?: number;
  /** How long a ban lasts; default 10 minutes. */
  banMs?: number;
  /** Points taken by `punish` when the reactor gives none; default 10. */
  defaultPenalty?: number;
  /** Points taken for a protocol violation (oversized frame or message, malformed packet); default 50. */
  protocolPenalty?: number;
  /** Points a peer regains per minute, up to `initial`; default 10. */
  recoveryPerMinute?: number;
}

export interface SwitchOptions {
  nodeKey: Ed25519Key;
  chainId: string;
  moniker?: string;
  /** Where to accept connections (port 0: any free port); omit for a node that only dials. */
  listen?: { host: string; port: number };
  /** The host:port advertised in node info; default the listen address. */
  externalAddress?: string;
  /** `<node id>@host:port`, dialed at start and re-dialed forever with back-off. */
  persistentPeers?: readonly string[];
  /** Inbound connections accepted beyond persistent peers; default 40. */
  maxInboundPeers?: number;
  /** Bound on the handshake and node info exchange; default 10 s. */
  handshakeTimeoutMs?: number;
  /** Bound on establishing the TCP connection; default 5 s. */
  dialTimeoutMs?: number;
  /** Back-off between dials of a persistent peer: doubling from `initialMs` to `maxMs`, jittered. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Source of jitter in [0, 1); default Math.random. */
  random?: () => number;
  /** Ping period; default 10 s. */
  pingIntervalMs?: number;
  /** A ping unanswered for this long closes the connection; default 20 s. */
  pongTimeoutMs?: number;
  /** Largest frame plaintext, both ways (larger messages are split); default 64 KiB. */
  maxFrameSize?: number;
  /** The channels this node serves; default DEFAULT_CHANNELS. */
  channels?: readonly ChannelDescriptor[];
  scoring?: ScoringOptions;
  softwareVersion?: string;
  logger?: P2PLogger;
}

export interface PeerInfo {
  id: string;
  direction: PeerDirection;
  /** The address of the other end of the TCP connection. */
  remoteAddress: string;
  /** host:port the peer says it listens on (from its node info; may be empty). */
  listenAddress: string;
  moniker: string;
  chainId: string;
  protocolVersion: number;
  softwareVersion: string;
  /** The channels the peer announced (a reactor asks only peers that serve its channel). */
  channels: number[];
  persistent: boolean;
  connectedAt: number;
  score: number;
}

export type MessageHandler = (peerId: string, bytes: Uint8Array) => void;

export interface PeerHandlers {
  up?: (peer: PeerInfo) => void;
  down?: (peer: PeerInfo, reason: P2PError) => void;
}

/**
 * One channel of the switch, in the shape the reactors take (`ChannelNet` of the mempool reactor,
 * `PeerChannel` of block sync).
 */
export interface SwitchChannel {
  readonly id: number;
  send(peerId: string, bytes: Uint8Array): boolean;
  broadcast(bytes: Uint8Array, except?: string): number;
  onMessage(handler: MessageHandler): () => void;
  punish(peerId: string, reason: string, points?: number): void;
}

interface PersistentPeer {
  addr: PeerAddress;
  attempt: number;
  timer: NodeJS.Timeout | null;
  dialing: boolean;
}

const PROTOCOL_VIOLATIONS = new Set<P2PErrorCode>([
  P2PErrorCode.FRAME_TOO_LARGE,
  P2PErrorCode.FRAME_MALFORMED,
  P2PErrorCode.MALFORMED_PACKET,
  P2PErrorCode.UNKNOWN_CHANNEL,
  P2PErrorCode.MESSAGE_TOO_LARGE,
]);
const MAX_SCORE_ENTRIES = 10_000;

/**
 * The peer manager: accepts and dials connections, runs the handshake (secret connection, node
 * info, verdict), keeps one connection per node id, routes channel messages to the reactors'
 * handlers, redials persistent peers with back-off, and scores, disconnects and bans misbehaving
 * peers.
 */
export class Switch {
  readonly nodeId: string;
  private readonly log: P2PLogger;
  private readonly channels: Map<number, ChannelDescriptor>;
  private readonly peersById = new Map<string, Peer>();
  private readonly persistent = new Map<string, PersistentPeer>();
  private readonly handlers = new Map<number, Set<MessageHandler>>();
  private readonly peerHandlers = new Set<PeerHandlers>();
  private readonly sockets = new Map<Socket, Promise<void>>();
  private readonly scores = new Map<string, { score: number; at: number }>();
  private readonly bans = new Map<string, number>();
  private readonly downNotified = new WeakSet<Peer>();
  private server: Server | null = null;
  private selfInfo: NodeInfo | null = null;
  private pendingInbound = 0;
  private started = false;
  private stopped = false;
  private stopPromise: Promise<void> | null = null;

  private readonly maxInbound: number;
  private readonly handshakeTimeoutMs: number;
  private readonly dialTimeoutMs: number;
  private readonly backoffInitial: number;
  private readonly backoffMax: number;
  private readonly random: () => number;
  private readonly maxFrameSize: number;
  private readonly scoring: Required<ScoringOptions>;

  constructor(private readonly o: SwitchOptions) {
    this.nodeId = nodeIdOf(o.nodeKey.pubkey);
    this.log = o.logger ?? silentLogger;
    this.channels = channelMap(o.channels ?? DEFAULT_CHANNELS);
    this.maxInbound = o.maxInboundPeers ?? 40;
    this.handshakeTimeoutMs = o.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.dialTimeoutMs = o.dialTimeoutMs ?? 5000;
    this.backoffInitial = o.backoff?.initialMs ?? 500;
    this.backoffMax = o.backoff?.maxMs ?? 30_000;
    this.random = o.random ?? Math.random;
    this.maxFrameSize = o.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    if (this.maxFrameSize < 1024 || this.maxFrameSize > 16 * 1024 * 1024)
      throw new Error("p2p: maxFrameSize must be within 1 KiB..16 MiB");
    this.scoring = {
      initial: 100,
      banThreshold: 0,
      banMs: 10 * 60_000,
      defaultPenalty: 10,
      protocolPenalty: 50,
      recoveryPerMinute: 10,
      ...o.scoring,
    };
    if (o.chainId === "") throw new Error("p2p: empty chain id");
    for (const s of o.persistentPeers ?? []) {
      const addr = parsePeerAddress(s);
      if (addr.id === this.nodeId) {
        this.log.info("skipping persistent peer that is this node", { address: s });
        continue;
      }
      this.persistent.set(addr.id, { addr, attempt: 0, timer: null, dialing: false });
    }
  }

  // ---- lifecycle ----

  /** Listens (if configured) and starts dialing persistent peers. */
  async start(): Promise<void> {
    if (this.started) throw new Error("p2p switch already started");
    this.started = true;
    let listenAddress = this.o.externalAddress ?? "";
    if (this.o.listen) {
      const server = createServer({ noDelay: true }, (s) => this.accept(s));
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.o.listen!.port, this.o.listen!.host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      server.on("error", (e) => this.log.error("p2p listener error", { err: e.message }));
      const a = this.listenAddress()!;
      if (!this.o.externalAddress)
        listenAddress = `${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`;
      this.log.info("p2p listening", { address: listenAddress, nodeId: this.nodeId });
    }
    this.selfInfo = {
      nodeId: this.nodeId,
      listenAddress,
      chainId: this.o.chainId,
      protocolVersion: P2P_PROTOCOL_VERSION,
      moniker: this.o.moniker ?? "",
      channels: Uint8Array.from(this.channels.keys()),
      softwareVersion: this.o.softwareVersion ?? "",
      maxFrameSize: this.maxFrameSize,
    };
    for (const pp of this.persistent.values()) this.scheduleDial(pp, 0);
  }

  /** Closes the listener and every connection, cancels timers; resolves when all sockets closed. */
  stop(): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    this.stopped = true;
    this.stopPromise = (async () => {
      for (const pp of this.persistent.values()) {
        if (pp.timer) clearTimeout(pp.timer);
        pp.timer = null;
      }
      const server = this.server;
      const serverClosed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
      const stopping = new P2PError(P2PErrorCode.LOCAL_CLOSE, "node shutting down");
      const peerSockets = new Set<Socket>();
      for (const p of this.peersById.values()) {
        peerSockets.add(p.socket);
        p.close(stopping);
      }
      for (const s of this.sockets.keys()) if (!peerSockets.has(s)) s.destroy();
      await Promise.all([...this.sockets.values(), serverClosed]);
      this.log.info("p2p stopped", { nodeId: this.nodeId });
    })();
    return this.stopPromise;
  }

  /** The address actually listened on (port resolved), or null. */
  listenAddress(): { host: string; port: number } | null {
    const a = this.server?.address();
    if (!a || typeof a === "string") return null;
    return { host: a.address, port: a.port };
  }

  /** This node's `<id>@host:port` for the listen address (host defaults to the one listened on). */
  selfAddress(host?: string): string {
    const a = this.listenAddress();
    if (!a) throw new Error("p2p switch is not listening");
    return formatPeerAddress({ id: this.nodeId, host: host ?? a.host, port: a.port });
  }

  // ---- messaging ----

  /** Handles messages of one channel; returns a function that removes the handler. */
  onMessage(channel: number, handler: MessageHandler): () => void {
    if (!this.channels.has(channel)) throw new Error(`p2p: unknown channel 0x${channel.toString(16)}`);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Called when a peer is admitted (up) and when it is gone (down, with the reason). */
  onPeer(handlers: PeerHandlers): () => void {
    this.peerHandlers.add(handlers);
    return () => this.peerHandlers.delete(handlers);
  }

  /** Queues a message for one peer; false if not connected or not queued (see Peer.send). */
  send(peerId: string, channel: number, bytes: Uint8Array): boolean {
    const p = this.peersById.get(peerId);
    return p ? p.send(channel, bytes) : false;
  }

  /** Queues a message for every peer (but `except`); returns how many peers took it. */
  broadcast(channel: number, bytes: Uint8Array, except?: string): number {
    let n = 0;
    for (const p of this.peersById.values()) if (p.id !== except && p.send(channel, bytes)) n++;
    return n;
  }

  /** A channel adapter for a reactor. */
  channel(id: number): SwitchChannel {
    if (!this.channels.has(id)) throw new Error(`p2p: unknown channel 0x${id.toString(16)}`);
    return {
      id,
      send: (peer, bytes) => this.send(peer, id, bytes),
      broadcast: (bytes, except) => this.broadcast(id, bytes, except),
      onMessage: (h) => this.onMessage(id, h),
      punish: (peer, reason, points) => this.punish(peer, reason, points),
    };
  }

  // ---- peers ----

  peers(): PeerInfo[] {
    return [...this.peersById.values()].map((p) => this.info(p));
  }

  peer(id: string): PeerInfo | undefined {
    const p = this.peersById.get(id);
    return p ? this.info(p) : undefined;
  }

  /** Dials a peer once (not redialed unless it is persistent); resolves when it is admitted. */
  async dial(address: string | PeerAddress): Promise<PeerInfo> {
    const a = typeof address === "string" ? parsePeerAddress(address) : address;
    if (!this.started || this.stopped) throw new P2PError(P2PErrorCode.SWITCH_STOPPED, "switch not running");
    if (a.id === this.nodeId) throw new P2PError(P2PErrorCode.SELF_CONNECTION, "refusing to dial self");
    return this.info(await this.connect(a));
  }

  /** Closes the connection to a peer (a persistent peer is redialed). */
  disconnect(peerId: string, reason = "disconnected by this node"): void {
    this.peersById.get(peerId)?.close(new P2PError(P2PErrorCode.LOCAL_CLOSE, reason));
  }

  // ---- scoring ----

  /** A peer's current score (the initial score for a peer without record). */
  score(peerId: string): number {
    const s = this.scores.get(peerId);
    if (!s) return this.scoring.initial;
    const healed = s.score + (this.scoring.recoveryPerMinute * (Date.now() - s.at)) / 60_000;
    return Math.min(this.scoring.initial, healed);
  }

  /** Until when a node id is banned (ms since epoch), or null. */
  bannedUntil(peerId: string): number | null {
    const until = this.bans.get(peerId);
    if (until === undefined) return null;
    if (until <= Date.now()) {
      this.bans.delete(peerId);
      return null;
    }
    return until;
  }

  /**
   * Reports misbehaviour (invalid message, bad signature, ...): lowers the peer's score by `points`
   * (default `scoring.defaultPenalty`); at or below the threshold the peer is disconnected and banned
   * for `scoring.banMs`.
   */
  punish(peerId: string, reason: string, points?: number): void {
    const pts = points ?? this.scoring.defaultPenalty;
    if (!(pts > 0)) return;
    const score = this.score(peerId) - pts;
    this.log.warn("peer punished", { peer: peerId, reason, points: pts, score });
    if (score <= this.scoring.banThreshold) {
      this.scores.delete(peerId);
      this.ban(peerId, reason);
      return;
    }
    if (this.scores.size >= MAX_SCORE_ENTRIES && !this.scores.has(peerId))
      this.scores.delete(this.scores.keys().next().value as string);
    this.scores.set(peerId, { score, at: Date.now() });
  }

  private ban(peerId: string, reason: string): void {
    const until = Date.now() + this.scoring.banMs;
    if (this.bans.size >= MAX_SCORE_ENTRIES && !this.bans.has(peerId)) {
      for (const [id, u] of this.bans) if (u <= Date.now()) this.bans.delete(id);
      if (this.bans.size >= MAX_SCORE_ENTRIES) this.bans.delete(this.bans.keys().next().value as string);
    }
    this.bans.set(peerId, until);
    this.log.warn("peer banned", { peer: peerId, reason, banMs: this.scoring.banMs });
    this.peersById
      .get(peerId)
      ?.close(
        new P2PError(
          { code: P2PErrorCode.SCORE_TOO_LOW, lastReason: reason },
          `score too low, banned for ${this.scoring.banMs} ms (last: ${reason})`,
        ),
      );
  }

  // ---- connections ----

  private track(socket: Socket): void {
    socket.on("error", () => {}); // reasons are recorded by the secret connection
    this.sockets.set(
      socket,
      new Promise<void>((r) =>
        socket.once("close", () => {
          this.sockets.delete(socket);
          r();
        }),
      ),
    );
  }

  private accept(socket: Socket): void {
    this.track(socket);
    if (this.stopped || !this.selfInfo) {
      socket.destroy();
      return;
    }
    let inbound = 0;
    for (const p of this.peersById.values()) if (p.direction === "inbound") inbound++;
    if (this.pendingInbound + inbound >= this.maxInbound + this.persistent.size) {
      this.log.debug("inbound connection refused: limit reached", {
        remote: `${socket.remoteAddress}:${socket.remotePort}`,
        inbound,
        pending: this.pendingInbound,
      });
      socket.destroy();
      return;
    }
    this.pendingInbound++;
    this.upgrade(socket, "inbound")
      .catch(() => {})
      .finally(() => this.pendingInbound--);
  }

  private async connect(a: PeerAddress): Promise<Peer> {
    const socket = netConnect({ host: a.host, port: a.port, noDelay: true });
    this.track(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new P2PError(
            { code: P2PErrorCode.DIAL_FAILED, address: formatPeerAddress(a) },
            `connecting to ${formatPeerAddress(a)} timed out after ${this.dialTimeoutMs} ms`,
          ),
        );
      }, this.dialTimeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("close", () => {
        clearTimeout(timer);
        reject(
          new P2PError(
            { code: P2PErrorCode.DIAL_FAILED, address: formatPeerAddress(a) },
            `could not connect to ${formatPeerAddress(a)}`,
          ),
        );
      });
      socket.once("error", (e) => {
        clearTimeout(timer);
        reject(
          new P2PError(
            {
              code: P2PErrorCode.DIAL_FAILED,
              address: formatPeerAddress(a),
              errno: (e as { code?: string }).code,
            },
            `could not connect to ${formatPeerAddress(a)}: ${e.message}`,
          ),
        );
      });
    });
    if (this.stopped) {
      socket.destroy();
      throw new P2PError(P2PErrorCode.SWITCH_STOPPED, "switch stopped");
    }
    return this.upgrade(socket, "outbound", a.id);
  }

  /** Handshake, node info, admission and verdict; on failure the socket is closed and logged. */
  private async upgrade(socket: Socket, direction: PeerDirection, expectedId?: string): Promise<Peer> {
    const started = Date.now();
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    let conn: SecretConnection | null = null;
    let timer: NodeJS.Timeout | null = null;
    try {
      conn = await secretHandshake(socket, {
        nodeKey: this.o.nodeKey,
        timeoutMs: this.handshakeTimeoutMs,
        maxFrameSize: this.maxFrameSize,
        ...(expectedId !== undefined ? { expectedNodeId: expectedId } : {}),
      });
      const c = conn;
      timer = setTimeout(
        () =>
          c.destroy(
            new P2PError(
              { code: P2PErrorCode.HANDSHAKE_TIMEOUT, timeoutMs: this.handshakeTimeoutMs },
              `node info exchange not done within ${this.handshakeTimeoutMs} ms`,
            ),
          ),
        Math.max(1, this.handshakeTimeoutMs - (Date.now() - started)),
      );
      conn.writeFrame(encodeNodeInfo(this.selfInfo!));
      const info = decodeNodeInfo(await conn.readFrame());
      this.checkNodeInfo(conn, info);
      this.admissible(info.nodeId, direction);
      conn.writeFrame(ACCEPT_FRAME);
      readVerdict(await conn.readFrame());
      clearTimeout(timer);
      timer = null;
      // Things may have changed while we waited for the verdict.
      this.admissible(info.nodeId, direction);
      return this.register(conn, info, direction);
    } catch (e) {
      if (timer) clearTimeout(timer);
      const err = conn?.closeReason ?? toP2PError(e);
      if (conn && !conn.closing && err.code !== P2PErrorCode.CONNECTION_CLOSED) {
        conn.writeFrame(goodbyePacket(`${err.code}: ${err.message}`));
        conn.end(err, 1000);
      } else if (conn) conn.destroy(err);
      else socket.destroy();
      const fields = { direction, remote, peer: conn?.remoteNodeId || expectedId, ...err.toLogFields() };
      if (this.stopped) this.log.debug("connection abandoned: switch stopping", fields);
      else this.log.info("connection refused", fields);
      throw err;
    }
  }

  private checkNodeInfo(conn: SecretConnection, info: NodeInfo): void {
    if (info.nodeId !== conn.remoteNodeId)
      throw new P2PError(
        { code: P2PErrorCode.BAD_NODE_INFO, claimed: info.nodeId, authenticated: conn.remoteNodeId },
        `node info claims id ${info.nodeId} but the peer authenticated as ${conn.remoteNodeId}`,
      );
    if (info.protocolVersion !== P2P_PROTOCOL_VERSION)
      throw new P2PError(
        { code: P2PErrorCode.PROTOCOL_MISMATCH, theirs: info.protocolVersion, ours: P2P_PROTOCOL_VERSION },
        `peer speaks p2p protocol ${info.protocolVersion}, this node ${P2P_PROTOCOL_VERSION}`,
      );
    if (info.chainId !== this.o.chainId)
      throw new P2PError(
        { code: P2PErrorCode.CHAIN_ID_MISMATCH, theirs: info.chainId, ours: this.o.chainId },
        `peer is on chain ${info.chainId}, this node on ${this.o.chainId}`,
      );
    if (!info.channels.some((c) => this.channels.has(c)))
      throw new P2PError(P2PErrorCode.PROTOCOL_MISMATCH, "peer has no channel in common with this node");
  }

  /** Throws if a connection to `id` in `direction` may not become a peer now. */
  private admissible(id: string, direction: PeerDirection): void {
    if (this.stopped) throw new P2PError(P2PErrorCode.SWITCH_STOPPED, "switch stopping");
    if (id === this.nodeId) throw new P2PError(P2PErrorCode.SELF_CONNECTION, "connected to self");
    const until = this.bannedUntil(id);
    if (until !== null)
      throw new P2PError(
        { code: P2PErrorCode.PEER_BANNED, until },
        `node ${id} is banned until ${new Date(until).toISOString()}`,
      );
    const existing = this.peersById.get(id);
    if (existing && !this.replaces(id, direction, existing))
      throw new P2PError(
        { code: P2PErrorCode.DUPLICATE_PEER, peer: id },
        `already connected to ${id} (${existing.direction})`,
      );
    if (direction === "inbound" && !this.persistent.has(id) && !existing) {
      let inbound = 0;
      for (const p of this.peersById.values()) if (p.direction === "inbound") inbound++;
      if (inbound >= this.maxInbound)
        throw new P2PError(
          { code: P2PErrorCode.TOO_MANY_PEERS, max: this.maxInbound },
          `inbound peer limit ${this.maxInbound} reached`,
        );
    }
  }

  /**
   * Two nodes that dial each other at once end up with two connections; both sides keep the one
   * dialed by the node with the smaller id, so they agree without talking. Any other second
   * connection to a connected node is refused.
   */
  private replaces(id: string, direction: PeerDirection, existing: Peer): boolean {
    const dialer = (d: PeerDirection) => (d === "outbound" ? this.nodeId : id);
    const newDialer = dialer(direction);
    if (newDialer === dialer(existing.direction)) return false;
    return newDialer === (this.nodeId < id ? this.nodeId : id);
  }

  private register(conn: SecretConnection, info: NodeInfo, direction: PeerDirection): Peer {
    const existing = this.peersById.get(info.nodeId);
    if (existing) {
      const reason = new P2PError(
        { code: P2PErrorCode.DUPLICATE_PEER, peer: info.nodeId },
        "replaced by the connection dialed by the node with the smaller id",
      );
      this.peerGone(existing, reason);
      existing.close(reason);
    }
    const persistent = this.persistent.has(info.nodeId);
    const peer = new Peer({
      conn,
      nodeInfo: info,
      direction,
      persistent,
      channels: this.channels,
      // Frames we build must fit what the remote accepts.
      maxFrameSize: Math.min(this.maxFrameSize, info.maxFrameSize || DEFAULT_MAX_FRAME_SIZE),
      pingIntervalMs: this.o.pingIntervalMs ?? 10_000,
      pongTimeoutMs: this.o.pongTimeoutMs ?? 20_000,
      log: this.log,
      onMessage: (p, ch, bytes) => this.deliver(p, ch, bytes),
    });
    this.peersById.set(peer.id, peer);
    const pp = this.persistent.get(peer.id);
    if (pp) {
      pp.attempt = 0;
      if (pp.timer) clearTimeout(pp.timer);
      pp.timer = null;
    }
    peer.onClose((reason) => this.peerGone(peer, reason));
    peer.start();
    const pi = this.info(peer);
    this.log.info("peer connected", {
      peer: peer.id,
      direction,
      remote: pi.remoteAddress,
      moniker: info.moniker,
      persistent,
    });
    for (const h of this.peerHandlers) {
      try {
        h.up?.(pi);
      } catch (e) {
        this.log.error("peer-up handler threw", { peer: peer.id, err: (e as Error).message });
      }
    }
    return peer;
  }

  /** Removes a peer (once), tells the handlers, applies protocol penalties, redials if persistent. */
  private peerGone(peer: Peer, reason: P2PError): void {
    if (this.downNotified.has(peer)) return;
    this.downNotified.add(peer);
    if (this.peersById.get(peer.id) === peer) this.peersById.delete(peer.id);
    const pi = this.info(peer);
    this.log.info("peer disconnected", { peer: peer.id, direction: peer.direction, ...reason.toLogFields() });
    for (const h of this.peerHandlers) {
      try {
        h.down?.(pi, reason);
      } catch (e) {
        this.log.error("peer-down handler threw", { peer: peer.id, err: (e as Error).message });
      }
    }
    if (PROTOCOL_VIOLATIONS.has(reason.code))
      this.punish(peer.id, `protocol violation: ${reason.message}`, this.scoring.protocolPenalty);
    const pp = this.persistent.get(peer.id);
    if (pp && !this.stopped) this.scheduleDial(pp, this.backoffDelay(pp.attempt++));
  }

  private deliver(peer: Peer, channel: number, bytes: Uint8Array): void {
    const set = this.handlers.get(channel);
    if (!set || set.size === 0) {
      this.log.debug("message on a channel without handler", { peer: peer.id, channel });
      return;
    }
    for (const h of set) {
      try {
        h(peer.id, bytes);
      } catch (e) {
        this.log.error("message handler threw", { peer: peer.id, channel, err: (e as Error).message });
      }
    }
  }

  private info(p: Peer): PeerInfo {
    const n = p.nodeInfo;
    return {
      id: p.id,
      direction: p.direction,
      remoteAddress: p.remoteAddress,
      listenAddress: n.listenAddress,
      moniker: n.moniker,
      chainId: n.chainId,
      protocolVersion: n.protocolVersion,
      softwareVersion: n.softwareVersion,
      channels: [...n.channels],
      persistent: p.persistent,
      connectedAt: p.connectedAt,
      score: this.score(p.id),
    };
  }

  // ---- persistent peers ----

  /** Delay before dial number `attempt` + 1: min(max, initial * 2^attempt), jittered to [50%, 100%]. */
  private backoffDelay(attempt: number): number {
    const base = Math.min(this.backoffMax, this.backoffInitial * 2 ** Math.min(attempt, 30));
    return Math.round(base * (0.5 + 0.5 * this.random()));
  }

  private scheduleDial(pp: PersistentPeer, delayMs: number): void {
    if (this.stopped) return;
    if (pp.timer) clearTimeout(pp.timer);
    pp.timer = setTimeout(() => {
      pp.timer = null;
      void this.dialPersistent(pp);
    }, delayMs);
  }

  private async dialPersistent(pp: PersistentPeer): Promise<void> {
    if (this.stopped || pp.dialing || this.peersById.has(pp.addr.id)) return;
    const until = this.bannedUntil(pp.addr.id);
    if (until !== null) {
      this.scheduleDial(pp, until - Date.now() + this.backoffDelay(0));
      return;
    }
    pp.dialing = true;
    try {
      await this.connect(pp.addr);
    } catch (e) {
      if (this.stopped) return;
      const delay = this.backoffDelay(pp.attempt++);
      const err = toP2PError(e);
      (pp.attempt === 1 ? this.log.info : this.log.debug).call(this.log, "persistent peer dial failed", {
        peer: formatPeerAddress(pp.addr),
        attempt: pp.attempt,
        retryInMs: delay,
        ...err.toLogFields(),
      });
      if (!this.peersById.has(pp.addr.id)) this.scheduleDial(pp, delay);
    } finally {
      pp.dialing = false;
    }
  }
}

/** The remote's verdict frame: ACCEPT, or a goodbye with the reason it refused us. */
function readVerdict(frame: Buffer): void {
  if (frame.equals(ACCEPT_FRAME)) return;
  let reason: string | null = null;
  const stop = () => {
    throw new P2PError(P2PErrorCode.MALFORMED_PACKET, "unexpected packet in place of the verdict");
  };
  parsePackets(frame, {
    stopped: () => reason !== null,
    ping: stop,
    pong: stop,
    msg: stop,
    goodbye: (r) => {
      reason = r;
    },
  });
  const r = reason ?? "";
  const remoteCode = /^(P2P_[A-Z_]+):/.exec(r)?.[1];
  throw new P2PError(
    { code: P2PErrorCode.CONNECTION_CLOSED, remoteReason: r, ...(remoteCode ? { remoteCode } : {}) },
    `remote refused the connection: ${r}`,
  );
}
