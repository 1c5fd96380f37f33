import type { Socket } from "node:net";
import {
  type ChannelDescriptor,
  MSG_HEADER_SIZE,
  PING_PACKET,
  PONG_PACKET,
  goodbyePacket,
  msgPacketHeader,
  parsePackets,
} from "./channels.ts";
import { type P2PLogger, P2PError, P2PErrorCode, toP2PError } from "./errors.ts";
import type { NodeInfo } from "./node-info.ts";
import type { SecretConnection } from "./secret-connection.ts";

export type PeerDirection = "inbound" | "outbound";

/** A FIFO with O(1) push and shift. */
class Deque<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(x: T): void {
    this.items.push(x);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    const x = this.items[this.head];
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
}

class ChannelState {
  readonly queue = new Deque<Uint8Array>();
  queuedBytes = 0;
  /** Bytes of the head message already sent. */
  offset = 0;
  /** Recently sent bytes (decaying), for sharing bandwidth by priority. */
  recent = 0;
  /** Parts of the message being received. */
  recvParts: Buffer[] = [];
  recvBytes = 0;
  dropped = 0;
  lastDropLog = 0;

  constructor(readonly desc: ChannelDescriptor) {}
}

export interface PeerOptions {
  conn: SecretConnection;
  nodeInfo: NodeInfo;
  direction: PeerDirection;
  persistent: boolean;
  channels: ReadonlyMap<number, ChannelDescriptor>;
  /** Largest frame plaintext this side builds (the remote accepts as much: same setting). */
  maxFrameSize: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  log: P2PLogger;
  /** A complete message arrived on a channel. */
  onMessage: (peer: Peer, channel: number, bytes: Uint8Array) => void;
}

/** Smallest part worth starting when a frame is nearly full: split messages into sizeable parts. */
const MIN_PART = 1024;
const DECAY_EVERY_MS = 500;
const DROP_LOG_EVERY_MS = 5000;

/**
 * One connected, authenticated peer: multiplexes channels over the secret connection (CometBFT's
 * MConnection, simplified). Sends are queued per channel with a byte bound and written by one
 * loop that packs packets into frames, shares bandwidth between channels by priority, splits large
 * messages, and respects the socket's backpressure. Received packets are reassembled per channel
 * up to the channel's message limit. Ping/pong detects dead connections.
 */
export class Peer {
  readonly id: string;
  readonly connectedAt = Date.now();
  private readonly channels = new Map<number, ChannelState>();
  private readonly order: ChannelState[];
  private flushScheduled = false;
  private awaitingDrain = false;
  private pendingPing = false;
  private pendingPong = false;
  private pingTimer: NodeJS.Timeout | null = null;
  private pongTimer: NodeJS.Timeout | null = null;
  private lastDecay = Date.now();
  private closeHandlers: Array<(reason: P2PError) => void> = [];
  private isClosing = false;
  private goneReason: P2PError | null = null;

  constructor(private readonly o: PeerOptions) {
    this.id = o.conn.remoteNodeId;
    for (const d of o.channels.values()) this.channels.set(d.id, new ChannelState(d));
    this.order = [...this.channels.values()];
    o.conn.onClose((reason) => this.closed(reason));
  }

  get nodeInfo(): NodeInfo {
    return this.o.nodeInfo;
  }
  get direction(): PeerDirection {
    return this.o.direction;
  }
  get persistent(): boolean {
    return this.o.persistent;
  }
  get remoteAddress(): string {
    return this.o.conn.remoteAddress;
  }
  get socket(): Socket {
    return this.o.conn.socket;
  }
  get closing(): boolean {
    return this.isClosing || this.o.conn.closing;
  }
  /** Resolves with the reason once the socket has closed. */
  get done(): Promise<P2PError> {
    return this.o.conn.done;
  }

  /** Starts reading frames and pinging. */
  start(): void {
    this.o.conn.setFrameHandler((f) => this.onFrame(f));
    this.pingTimer = setInterval(() => this.ping(), this.o.pingIntervalMs);
    this.pingTimer.unref();
    this.scheduleFlush();
  }

  /**
   * Registers a callback run once when the peer is gone: as soon as this side decides to close it,
   * or when the socket closes, whichever is first (the socket may take a moment longer: see `done`).
   */
  onClose(h: (reason: P2PError) => void): void {
    if (this.goneReason) {
      const r = this.goneReason;
      queueMicrotask(() => h(r));
    } else this.closeHandlers.push(h);
  }

  private closed(reason: P2PError): void {
    this.isClosing = true;
    this.clearTimers();
    if (this.goneReason) return;
    this.goneReason = reason;
    const hs = this.closeHandlers;
    this.closeHandlers = [];
    for (const h of hs) h(reason);
  }

  /** Bytes queued for this peer on a channel (or all channels). */
  queuedBytes(channel?: number): number {
    if (channel !== undefined) return this.channels.get(channel)?.queuedBytes ?? 0;
    let n = 0;
    for (const c of this.order) n += c.queuedBytes;
    return n;
  }

  /**
   * Queues a message. Returns false if it was not queued: closing, unknown channel (here or at the
   * remote), larger than the channel allows, or the channel's queue is full (then, depending on the
   * channel, the message is dropped or the peer disconnected). The bytes must not be modified after
   * the call.
   */
  send(channel: number, bytes: Uint8Array): boolean {
    if (this.closing) return false;
    const st = this.channels.get(channel);
    if (!st) {
      this.o.log.warn("send on an unknown channel", { peer: this.id, channel });
      return false;
    }
    // As CometBFT's peer.Send: a message on a channel the remote did not announce would make it
    // drop the connection (UNKNOWN_CHANNEL), e.g. blob requests to a node with blobs disabled.
    if (!this.o.nodeInfo.channels.includes(channel)) return false;
    if (bytes.length > st.desc.maxMessageSize) {
      this.o.log.warn("message larger than its channel allows, not sent", {
        peer: this.id,
        channel: st.desc.name,
        size: bytes.length,
        max: st.desc.maxMessageSize,
      });
      return false;
    }
    if (st.queuedBytes + bytes.length > st.desc.sendQueueBytes) {
      if (st.desc.onOverflow === "disconnect") {
        this.close(
          new P2PError(
            { code: P2PErrorCode.SEND_QUEUE_FULL, channel: st.desc.name, queued: st.queuedBytes },
            `send queue of channel ${st.desc.name} overflowed (${st.queuedBytes} bytes): peer too slow`,
          ),
        );
        return false;
      }
      st.dropped++;
      const now = Date.now();
      if (now - st.lastDropLog >= DROP_LOG_EVERY_MS) {
        this.o.log.warn("send queue full, dropping messages", {
          peer: this.id,
          channel: st.desc.name,
          queued: st.queuedBytes,
          dropped: st.dropped,
        });
        st.lastDropLog = now;
      }
      return false;
    }
    st.queue.push(bytes);
    st.queuedBytes += bytes.length;
    this.scheduleFlush();
    return true;
  }

  /**
   * Closes the connection with a reason. With `goodbye` (default) the reason is sent to the remote
   * first, best effort.
   */
  close(reason: P2PError, goodbye = true): void {
    if (this.closing) return;
    this.isClosing = true;
    this.clearTimers();
    if (goodbye) {
      this.o.conn.writeFrame(goodbyePacket(`${reason.code}: ${reason.message}`));
      this.o.conn.end(reason);
    } else this.o.conn.destroy(reason);
    this.closed(this.o.conn.closeReason ?? reason);
  }

  private clearTimers(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pingTimer = null;
    this.pongTimer = null;
  }

  private ping(): void {
    if (this.closing || this.pongTimer) return;
    this.pendingPing = true;
    this.scheduleFlush();
    this.pongTimer = setTimeout(() => {
      this.pongTimer = null;
      this.close(
        new P2PError(
          { code: P2PErrorCode.PONG_TIMEOUT, timeoutMs: this.o.pongTimeoutMs },
          `no pong within ${this.o.pongTimeoutMs} ms`,
        ),
      );
    }, this.o.pongTimeoutMs);
    this.pongTimer.unref();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.awaitingDrain || this.closing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    try {
      while (!this.closing && !this.awaitingDrain) {
        const frame = this.buildFrame();
        if (!frame) return;
        if (!this.o.conn.writeFrame(frame)) {
          if (this.closing) return;
          this.awaitingDrain = true;
          this.o.conn.onDrain(() => {
            this.awaitingDrain = false;
            this.flush();
          });
        }
      }
    } catch (e) {
      this.close(toP2PError(e), false);
    }
  }

  /** The channel with data whose recent sending is lowest relative to its priority. */
  private pick(): ChannelState | null {
    let best: ChannelState | null = null;
    let bestRatio = Number.POSITIVE_INFINITY;
    for (const c of this.order) {
      if (c.queue.size === 0) continue;
      const r = c.recent / c.desc.priority;
      if (r < bestRatio) {
        best = c;
        bestRatio = r;
      }
    }
    return best;
  }

  private buildFrame(): Buffer | null {
    const now = Date.now();
    if (now - this.lastDecay >= DECAY_EVERY_MS) {
      for (const c of this.order) c.recent *= 0.8;
      this.lastDecay = now;
    }
    const parts: Buffer[] = [];
    let size = 0;
    if (this.pendingPong) {
      parts.push(PONG_PACKET);
      size += 1;
      this.pendingPong = false;
    }
    if (this.pendingPing) {
      parts.push(PING_PACKET);
      size += 1;
      this.pendingPing = false;
    }
    const max = this.o.maxFrameSize;
    for (;;) {
      const st = this.pick();
      if (!st) break;
      const msg = st.queue.peek()!;
      const left = msg.length - st.offset;
      const room = max - size - MSG_HEADER_SIZE;
      if (room < left && (room < MIN_PART || room <= 0) && size > 0) break;
      const n = Math.min(left, room);
      const eof = n === left;
      parts.push(msgPacketHeader(st.desc.id, eof, n));
      parts.push(Buffer.from(msg.buffer, msg.byteOffset + st.offset, n));
      size += MSG_HEADER_SIZE + n;
      st.recent += MSG_HEADER_SIZE + n;
      if (eof) {
        st.queue.shift();
        st.queuedBytes -= msg.length;
        st.offset = 0;
      } else st.offset += n;
      if (size >= max) break;
    }
    return parts.length === 0 ? null : Buffer.concat(parts, size);
  }

  private onFrame(frame: Buffer): void {
    try {
      parsePackets(frame, {
        stopped: () => this.closing,
        ping: () => {
          this.pendingPong = true;
          this.scheduleFlush();
        },
        pong: () => {
          if (this.pongTimer) clearTimeout(this.pongTimer);
          this.pongTimer = null;
        },
        goodbye: (reason) => {
          this.close(
            new P2PError(
              { code: P2PErrorCode.CONNECTION_CLOSED, remoteReason: reason },
              `remote closed the connection: ${reason}`,
            ),
            false,
          );
        },
        msg: (channel, eof, data) => this.receivePart(channel, eof, data),
      });
    } catch (e) {
      this.close(toP2PError(e));
    }
  }

  private receivePart(channel: number, eof: boolean, data: Buffer): void {
    const st = this.channels.get(channel);
    if (!st)
      throw new P2PError(
        { code: P2PErrorCode.UNKNOWN_CHANNEL, channel },
        `message on unknown channel 0x${channel.toString(16)}`,
      );
    if (st.recvBytes + data.length > st.desc.maxMessageSize)
      throw new P2PError(
        {
          code: P2PErrorCode.MESSAGE_TOO_LARGE,
          channel: st.desc.name,
          size: st.recvBytes + data.length,
          max: st.desc.maxMessageSize,
        },
        `message on channel ${st.desc.name} exceeds ${st.desc.maxMessageSize} bytes`,
      );
    if (!eof) {
      st.recvParts.push(data);
      st.recvBytes += data.length;
      return;
    }
    let msg: Buffer = data;
    if (st.recvParts.length > 0) {
      st.recvParts.push(data);
      msg = Buffer.concat(st.recvParts, st.recvBytes + data.length);
      st.recvParts = [];
      st.recvBytes = 0;
    }
    try {
      this.o.onMessage(this, channel, new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
    } catch (e) {
      this.o.log.error("message handler threw", {
        peer: this.id,
        channel: st.desc.name,
        err: (e as Error).message,
      });
    }
  }
}
