/**
 * Typed errors of the P2P layer, in the manner of Lodestar's `LodestarError<T>`: a string enum of
 * codes, and an error carrying a `type` object (its code plus structured metadata for logs). Every
 * connection that ends, ends with one of these as its reason.
 */
export enum P2PErrorCode {
  // Handshake (secret connection and node info).
  /** The handshake (keys, authentication, node info) did not finish in time. */
  HANDSHAKE_TIMEOUT = "P2P_HANDSHAKE_TIMEOUT",
  /** The remote's hello is not a Cifer P2P hello of our protocol version. */
  BAD_HELLO = "P2P_BAD_HELLO",
  /** The remote's ephemeral key is invalid, of low order, or a reflection of ours. */
  BAD_EPHEMERAL_KEY = "P2P_BAD_EPHEMERAL_KEY",
  /** The remote's signature over the session challenge does not verify with its node key. */
  BAD_AUTH_SIGNATURE = "P2P_BAD_AUTH_SIGNATURE",
  /** The remote authenticated as a node other than the one we dialed. */
  WRONG_NODE_ID = "P2P_WRONG_NODE_ID",
  /** The remote's node info does not decode or is inconsistent with its authenticated key. */
  BAD_NODE_INFO = "P2P_BAD_NODE_INFO",
  /** The remote runs another chain. */
  CHAIN_ID_MISMATCH = "P2P_CHAIN_ID_MISMATCH",
  /** The remote speaks another P2P protocol version. */
  PROTOCOL_MISMATCH = "P2P_PROTOCOL_MISMATCH",

  // Frames (secret connection).
  /** A frame's length prefix is larger than this connection accepts. */
  FRAME_TOO_LARGE = "P2P_FRAME_TOO_LARGE",
  /** A frame's length prefix is shorter than an authentication tag. */
  FRAME_MALFORMED = "P2P_FRAME_MALFORMED",
  /** A frame did not authenticate (tampered with, replayed, reordered or not ours). */
  DECRYPT_FAILED = "P2P_DECRYPT_FAILED",
  /** A direction's 96-bit nonce counter is used up; the connection must be re-established. */
  NONCE_EXHAUSTED = "P2P_NONCE_EXHAUSTED",

  // Packets and channels (peer).
  /** A decrypted frame does not parse as packets. */
  MALFORMED_PACKET = "P2P_MALFORMED_PACKET",
  /** A message on a channel this node does not have. */
  UNKNOWN_CHANNEL = "P2P_UNKNOWN_CHANNEL",
  /** A message larger than its channel allows. */
  MESSAGE_TOO_LARGE = "P2P_MESSAGE_TOO_LARGE",
  /** The per-peer send queue of a channel overflowed (the peer does not keep up). */
  SEND_QUEUE_FULL = "P2P_SEND_QUEUE_FULL",
  /** The remote did not answer a ping in time. */
  PONG_TIMEOUT = "P2P_PONG_TIMEOUT",

  // Connection lifetime.
  /** The remote closed the connection (EOF, reset), possibly with a goodbye reason. */
  CONNECTION_CLOSED = "P2P_CONNECTION_CLOSED",
  /** A socket-level error. */
  SOCKET_ERROR = "P2P_SOCKET_ERROR",
  /** This node closed the connection (shutdown, replaced, explicit disconnect). */
  LOCAL_CLOSE = "P2P_LOCAL_CLOSE",

  // Admission (switch).
  /** The remote is this node. */
  SELF_CONNECTION = "P2P_SELF_CONNECTION",
  /** There is already a connection to this node id. */
  DUPLICATE_PEER = "P2P_DUPLICATE_PEER",
  /** The node id is banned for misbehaviour. */
  PEER_BANNED = "P2P_PEER_BANNED",
  /** The inbound connection limit is reached. */
  TOO_MANY_PEERS = "P2P_TOO_MANY_PEERS",
  /** Reactors reported enough misbehaviour to push the peer's score below the threshold. */
  SCORE_TOO_LOW = "P2P_SCORE_TOO_LOW",

  // Dialing and addresses.
  /** A peer address is not `<node id>@host:port`. */
  BAD_ADDRESS = "P2P_BAD_ADDRESS",
  /** The TCP connection could not be made. */
  DIAL_FAILED = "P2P_DIAL_FAILED",
  /** The switch is not running. */
  SWITCH_STOPPED = "P2P_SWITCH_STOPPED",
}

export interface P2PErrorType {
  code: P2PErrorCode;
  [field: string]: string | number | boolean | undefined;
}

export class P2PError extends Error {
  readonly type: P2PErrorType;

  constructor(type: P2PErrorType | P2PErrorCode, message?: string) {
    const t = typeof type === "string" ? { code: type } : type;
    super(message ?? t.code);
    this.name = "P2PError";
    this.type = t;
  }

  get code(): P2PErrorCode {
    return this.type.code;
  }

  /** Structured fields for a log line: the code, the message and the metadata. */
  toLogFields(): Record<string, unknown> {
    return { ...this.type, reason: this.message };
  }
}

export const isP2PError = (e: unknown, code?: P2PErrorCode): e is P2PError =>
  e instanceof P2PError && (code === undefined || e.code === code);

/** Any thrown value as a P2PError (socket errors and the like become SOCKET_ERROR). */
export function toP2PError(e: unknown, code = P2PErrorCode.SOCKET_ERROR): P2PError {
  if (e instanceof P2PError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const errno = (e as { code?: unknown } | null)?.code;
  return new P2PError({ code, ...(typeof errno === "string" ? { errno } : {}) }, msg);
}

/** What the P2P layer logs through (structurally compatible with `chain/node/logger.ts`). */
export interface P2PLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: P2PLogger = { debug() {}, info() {}, warn() {}, error() {} };
