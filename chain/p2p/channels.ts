import { P2PError, P2PErrorCode } from "./errors.ts";

/**
 * Channels multiplexed over one secret connection. Payloads are opaque to this layer (the reactors
 * put protobuf on top); each channel bounds the size of one message (checked when sending and,
 * as a protocol violation, when receiving) and the bytes queued for one peer.
 */
export const ChannelId = {
  /** Consensus state, proposals' headers, votes: small messages, highest priority. */
  Consensus: 0x20,
  /** Proposals with block parts. */
  BlockParts: 0x21,
  /** Mempool tx gossip. */
  Mempool: 0x30,
  /** Evidence gossip. */
  Evidence: 0x38,
  /** Block sync requests and responses (whole blocks with commits). */
  BlockSync: 0x40,
  /**
   * Blob requests and chunked responses (chain/blobs). Each subsystem has its own 0xN0 group of ids
   * (0x20 consensus, 0x30 mempool with evidence at 0x38, 0x40 block sync); 0x50 is the next free
   * group. CometBFT's own ids stay clear: 0x00 PEX, 0x60/0x61 state sync.
   */
  Blobs: 0x50,
} as const;
export type ChannelIdValue = (typeof ChannelId)[keyof typeof ChannelId];

export interface ChannelDescriptor {
  /** 0..255. */
  id: number;
  name: string;
  /** Relative share of the connection's bandwidth when several channels have data queued. */
  priority: number;
  /** Largest message, in bytes, accepted on this channel in either direction. */
  maxMessageSize: number;
  /** Bound on the bytes queued for one peer on this channel. */
  sendQueueBytes: number;
  /**
   * What happens when a send would exceed `sendQueueBytes`: "drop" drops the message (logged,
   * `send` returns false), "disconnect" closes the connection to the slow peer (SEND_QUEUE_FULL).
   */
  onOverflow: "drop" | "disconnect";
}

const KiB = 1024;
const MiB = 1024 * 1024;

export const DEFAULT_CHANNELS: readonly ChannelDescriptor[] = Object.freeze([
  {
    id: ChannelId.Consensus,
    name: "consensus",
    priority: 10,
    maxMessageSize: 64 * KiB,
    sendQueueBytes: 4 * MiB,
    onOverflow: "disconnect",
  },
  {
    id: ChannelId.BlockParts,
    name: "block-parts",
    priority: 8,
    maxMessageSize: 8 * MiB,
    sendQueueBytes: 24 * MiB,
    onOverflow: "disconnect",
  },
  {
    id: ChannelId.Mempool,
    name: "mempool",
    priority: 5,
    maxMessageSize: Math.ceil(1.1 * MiB),
    sendQueueBytes: 4 * MiB,
    onOverflow: "drop",
  },
  {
    id: ChannelId.Evidence,
    name: "evidence",
    priority: 6,
    maxMessageSize: 1 * MiB,
    sendQueueBytes: 2 * MiB,
    onOverflow: "drop",
  },
  {
    id: ChannelId.BlockSync,
    name: "block-sync",
    priority: 5,
    maxMessageSize: 8 * MiB,
    sendQueueBytes: 24 * MiB,
    onOverflow: "drop",
  },
  {
    // One message is one chunk of a blob (1 MiB + framing, see chain/blobs/messages.ts). Lowest
    // priority: a large transfer must not delay votes or blocks. A requester keeps at most a few
    // chunks in flight per peer, so the queue overflows only under many requesters at once; a
    // dropped chunk is then re-asked for (from another peer) after the requester's timeout.
    id: ChannelId.Blobs,
    name: "blobs",
    priority: 1,
    maxMessageSize: 1 * MiB + 1 * KiB,
    sendQueueBytes: 16 * MiB,
    onOverflow: "drop",
  },
]);

/** Checks a channel list (unique ids in 0..255, positive limits) and indexes it by id. */
export function channelMap(channels: readonly ChannelDescriptor[]): Map<number, ChannelDescriptor> {
  const m = new Map<number, ChannelDescriptor>();
  for (const c of channels) {
    if (!Number.isInteger(c.id) || c.id < 0 || c.id > 255)
      throw new Error(`channel id ${c.id} not in 0..255`);
    if (m.has(c.id)) throw new Error(`channel id 0x${c.id.toString(16)} listed twice`);
    if (!(c.maxMessageSize > 0) || !(c.sendQueueBytes >= c.maxMessageSize) || !(c.priority > 0))
      throw new Error(`channel ${c.name}: need priority > 0 and sendQueueBytes >= maxMessageSize > 0`);
    m.set(c.id, c);
  }
  return m;
}

// ---- Packets: the plaintext of a frame is one or more packets back to back. ----
//   PING     0x01
//   PONG     0x02
//   MSG      0x03 | channel u8 | flags u8 (bit 0: last part of the message) | length u32 BE | data
//   GOODBYE  0x04 | length u16 BE | UTF-8 reason (at most 512 bytes); the sender closes next.
// A message larger than what fits in a frame is split into several MSG packets of its channel;
// parts of different channels interleave, parts of one channel never do.

export const PacketKind = { Ping: 1, Pong: 2, Msg: 3, Goodbye: 4 } as const;

/**
 * The handshake's last step: after exchanging node info, each side sends its verdict as one frame,
 * either this (accepted) or a GOODBYE packet with the reason it refuses the connection, and waits
 * for the other's. Only then does either side treat the connection as a peer.
 */
export const ACCEPT_FRAME = Buffer.from([0x05]);
export const MSG_HEADER_SIZE = 7;
const FLAG_EOF = 1;
const MAX_GOODBYE = 512;

export const PING_PACKET = Buffer.from([PacketKind.Ping]);
export const PONG_PACKET = Buffer.from([PacketKind.Pong]);

export function msgPacketHeader(channel: number, eof: boolean, length: number): Buffer {
  const h = Buffer.allocUnsafe(MSG_HEADER_SIZE);
  h[0] = PacketKind.Msg;
  h[1] = channel;
  h[2] = eof ? FLAG_EOF : 0;
  h.writeUInt32BE(length, 3);
  return h;
}

export function goodbyePacket(reason: string): Buffer {
  let text = Buffer.from(reason, "utf8");
  if (text.length > MAX_GOODBYE) text = text.subarray(0, MAX_GOODBYE);
  const h = Buffer.allocUnsafe(3);
  h[0] = PacketKind.Goodbye;
  h.writeUInt16BE(text.length, 1);
  return Buffer.concat([h, text]);
}

export interface PacketVisitor {
  ping(): void;
  pong(): void;
  msg(channel: number, eof: boolean, data: Buffer): void;
  goodbye(reason: string): void;
  /** Checked before each packet: stop parsing when the connection is closing. */
  stopped(): boolean;
}

const malformed = (msg: string) => new P2PError(P2PErrorCode.MALFORMED_PACKET, msg);

/** Walks the packets of a decrypted frame; throws MALFORMED_PACKET on anything else. */
export function parsePackets(frame: Buffer, v: PacketVisitor): void {
  if (frame.length === 0) throw malformed("empty frame");
  let i = 0;
  while (i < frame.length && !v.stopped()) {
    const kind = frame[i]!;
    if (kind === PacketKind.Ping) {
      i += 1;
      v.ping();
    } else if (kind === PacketKind.Pong) {
      i += 1;
      v.pong();
    } else if (kind === PacketKind.Msg) {
      if (frame.length - i < MSG_HEADER_SIZE) throw malformed("truncated message packet header");
      const channel = frame[i + 1]!;
      const flags = frame[i + 2]!;
      if ((flags & ~FLAG_EOF) !== 0) throw malformed(`unknown packet flags 0x${flags.toString(16)}`);
      const len = frame.readUInt32BE(i + 3);
      const start = i + MSG_HEADER_SIZE;
      if (len > frame.length - start) throw malformed("message packet longer than its frame");
      i = start + len;
      v.msg(channel, (flags & FLAG_EOF) !== 0, frame.subarray(start, i));
    } else if (kind === PacketKind.Goodbye) {
      if (frame.length - i < 3) throw malformed("truncated goodbye packet");
      const len = frame.readUInt16BE(i + 1);
      if (len > MAX_GOODBYE || len > frame.length - i - 3) throw malformed("bad goodbye packet length");
      const text = frame.toString("utf8", i + 3, i + 3 + len);
      i += 3 + len;
      v.goodbye(text);
    } else throw malformed(`unknown packet kind 0x${kind.toString(16)}`);
  }
}
