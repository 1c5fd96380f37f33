import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
} from "node:crypto";
import type { Socket } from "node:net";
import { type Ed25519Key, signEd25519, verifyEd25519 } from "../crypto/ed25519.ts";
import { nodeIdOf } from "../node/node-key.ts";
import { P2PError, P2PErrorCode, toP2PError } from "./errors.ts";

/**
 * An authenticated, encrypted channel over a TCP socket, in the spirit of CometBFT's SecretConnection
 * (p2p/conn/secret_connection.go), not byte-compatible with it:
 *
 * 1. Each side sends a hello: "CIFERP2P" | version (1 byte) | ephemeral X25519 public key (32 bytes).
 * 2. Each side computes the X25519 shared secret (all-zero results, i.e. low-order points, and a
 *    reflected copy of our own key are refused). With lo/hi = the two ephemeral keys sorted,
 *    HKDF-SHA256(ikm = shared, salt = sha256(label | lo | hi), info = label) gives 96 bytes:
 *    k1 | k2 | challenge. The side whose key is lo sends with k1 and receives with k2; the other side
 *    the reverse: one key per direction.
 * 3. Each side signs "CIFER_P2P_V1_AUTH" | its role (0 = lo, 1 = hi) | challenge with its ed25519
 *    node key and sends node pubkey | signature in the first encrypted frame. The challenge binds
 *    both ephemeral keys, so a signature cannot be relayed into another session (man in the middle)
 *    and the role byte stops a reflected signature from verifying. The dialer may demand a node id.
 *
 * Frames: u32 big-endian length of the sealed body | ChaCha20-Poly1305(plaintext) | 16-byte tag,
 * with the length header as associated data, and a per-direction 96-bit little-endian counter
 * nonce starting at 0. The counter never repeats: the connection closes when a direction's counter
 * is used up. A length above the limit, a body shorter than a tag or a frame that does not
 * authenticate closes the connection with a reason. Forward secrecy: the ephemeral private keys live
 * only inside `secretHandshake` and the session keys only inside this object.
 */

export const HELLO_MAGIC = Buffer.from("CIFERP2P", "ascii");
export const SECRET_CONNECTION_VERSION = 1;
const HELLO_SIZE = HELLO_MAGIC.length + 1 + 32;
const HEADER_SIZE = 4;
export const TAG_SIZE = 16;
const AUTH_SIZE = 32 + 64;
const KDF_LABEL = Buffer.from("CIFER_P2P_V1_SECRET_CONNECTION", "ascii");
const AUTH_LABEL = Buffer.from("CIFER_P2P_V1_AUTH", "ascii");

/** Largest frame plaintext accepted while handshaking (the auth and node info frames). */
export const HANDSHAKE_MAX_FRAME = 4096;
/** Default largest frame plaintext after the handshake (messages larger than this are split). */
export const DEFAULT_MAX_FRAME_SIZE = 64 * 1024;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * A 96-bit little-endian counter used as the ChaCha20-Poly1305 nonce. Every value is handed out
 * exactly once; after the last one `next()` throws NONCE_EXHAUSTED instead of wrapping around.
 */
export class Nonce96 {
  private readonly bytes = Buffer.alloc(12);
  private exhausted = false;

  constructor(initial?: Uint8Array) {
    if (initial) {
      if (initial.length !== 12) throw new Error("a 96-bit nonce is 12 bytes");
      this.bytes.set(initial);
    }
  }

  next(): Buffer {
    if (this.exhausted) throw new P2PError(P2PErrorCode.NONCE_EXHAUSTED, "96-bit nonce counter exhausted");
    const out = Buffer.from(this.bytes);
    for (let i = 0; i < 12; i++) {
      this.bytes[i] = (this.bytes[i]! + 1) & 0xff;
      if (this.bytes[i] !== 0) break;
      if (i === 11) this.exhausted = true;
    }
    return out;
  }
}

/** A FIFO of received bytes that hands out exact lengths without re-concatenating everything. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }

  peekUInt32BE(): number {
    const first = this.chunks[0]!;
    if (first.length - this.head >= 4) return first.readUInt32BE(this.head);
    let v = 0;
    let ci = 0;
    let off = this.head;
    for (let i = 0; i < 4; i++) {
      while (off >= this.chunks[ci]!.length) {
        ci++;
        off = 0;
      }
      v = v * 256 + this.chunks[ci]![off]!;
      off++;
    }
    return v;
  }

  take(n: number): Buffer {
    if (n > this.length) throw new Error("ByteQueue underflow");
    const first = this.chunks[0];
    if (n === 0 || !first) return Buffer.alloc(0);
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length - this.head, n - off);
      c.copy(out, off, this.head, this.head + k);
      off += k;
      this.advance(k);
    }
    return out;
  }

  private advance(k: number): void {
    this.head += k;
    this.length -= k;
    if (this.head === this.chunks[0]!.length) {
      this.chunks.shift();
      this.head = 0;
    }
  }
}

type Waiter =
  | { kind: "raw"; n: number; resolve: (b: Buffer) => void; reject: (e: P2PError) => void }
  | { kind: "frame"; resolve: (b: Buffer) => void; reject: (e: P2PError) => void };

export interface HandshakeOptions {
  nodeKey: Ed25519Key;
  /** The node id the remote must authenticate as (the dialer of `id@host:port`). */
  expectedNodeId?: string;
  /** Bound on the whole handshake; default 10 s. The socket is destroyed when it passes. */
  timeoutMs?: number;
  /** Largest frame plaintext in either direction after the handshake; default 64 KiB. */
  maxFrameSize?: number;
}

/**
 * Runs the handshake on a connected socket and returns the secret connection, or destroys the
 * socket and throws a P2PError (HANDSHAKE_TIMEOUT, BAD_HELLO, BAD_EPHEMERAL_KEY,
 * BAD_AUTH_SIGNATURE, WRONG_NODE_ID, or whatever closed the socket).
 */
export async function secretHandshake(socket: Socket, o: HandshakeOptions): Promise<SecretConnection> {
  const conn = new SecretConnection(socket);
  const timeoutMs = o.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const timer = setTimeout(
    () =>
      conn.destroy(
        new P2PError(
          { code: P2PErrorCode.HANDSHAKE_TIMEOUT, timeoutMs },
          `secret handshake not done in ${timeoutMs} ms`,
        ),
      ),
    timeoutMs,
  );
  try {
    const eph = generateKeyPairSync("x25519");
    const ephPub = Buffer.from(eph.publicKey.export({ format: "jwk" }).x!, "base64url");
    conn.writeRaw(Buffer.concat([HELLO_MAGIC, Buffer.from([SECRET_CONNECTION_VERSION]), ephPub]));
    const hello = Buffer.from(await conn.readRaw(HELLO_SIZE));
    if (!hello.subarray(0, HELLO_MAGIC.length).equals(HELLO_MAGIC))
      throw new P2PError(P2PErrorCode.BAD_HELLO, "remote is not a Cifer P2P node");
    const version = hello[HELLO_MAGIC.length]!;
    if (version !== SECRET_CONNECTION_VERSION)
      throw new P2PError(
        { code: P2PErrorCode.BAD_HELLO, version },
        `remote speaks secret connection version ${version}, this node ${SECRET_CONNECTION_VERSION}`,
      );
    const remoteEph = hello.subarray(HELLO_MAGIC.length + 1);
    if (remoteEph.equals(ephPub))
      throw new P2PError(P2PErrorCode.BAD_EPHEMERAL_KEY, "remote reflected our ephemeral key");
    let shared: Buffer;
    try {
      const remoteKey = createPublicKey({
        key: { kty: "OKP", crv: "X25519", x: remoteEph.toString("base64url") },
        format: "jwk",
      });
      shared = diffieHellman({ privateKey: eph.privateKey, publicKey: remoteKey });
    } catch (e) {
      throw new P2PError(P2PErrorCode.BAD_EPHEMERAL_KEY, `X25519 failed: ${(e as Error).message}`);
    }
    if (shared.every((b) => b === 0))
      throw new P2PError(P2PErrorCode.BAD_EPHEMERAL_KEY, "remote ephemeral key is of low order");

    const weAreLo = Buffer.compare(ephPub, remoteEph) < 0;
    const [lo, hi] = weAreLo ? [ephPub, remoteEph] : [remoteEph, ephPub];
    const salt = createHash("sha256").update(KDF_LABEL).update(lo).update(hi).digest();
    const okm = Buffer.from(hkdfSync("sha256", shared, salt, KDF_LABEL, 96));
    shared.fill(0);
    const k1 = okm.subarray(0, 32);
    const k2 = okm.subarray(32, 64);
    const challenge = Buffer.from(okm.subarray(64, 96));
    conn.setKeys(weAreLo ? k1 : k2, weAreLo ? k2 : k1);
    okm.fill(0);

    const authMessage = (role: number) => Buffer.concat([AUTH_LABEL, Buffer.from([role]), challenge]);
    const sig = signEd25519(o.nodeKey, authMessage(weAreLo ? 0 : 1));
    conn.writeFrame(Buffer.concat([o.nodeKey.pubkey, sig]));
    const auth = await conn.readFrame();
    if (auth.length !== AUTH_SIZE)
      throw new P2PError(
        { code: P2PErrorCode.BAD_AUTH_SIGNATURE, length: auth.length },
        `auth message is ${auth.length} bytes, expected ${AUTH_SIZE}`,
      );
    const remotePub = new Uint8Array(auth.subarray(0, 32));
    if (!verifyEd25519(remotePub, authMessage(weAreLo ? 1 : 0), auth.subarray(32)))
      throw new P2PError(
        P2PErrorCode.BAD_AUTH_SIGNATURE,
        "remote signature over the session challenge does not verify",
      );
    const remoteId = nodeIdOf(remotePub);
    if (o.expectedNodeId !== undefined && o.expectedNodeId.toLowerCase() !== remoteId)
      throw new P2PError(
        { code: P2PErrorCode.WRONG_NODE_ID, expected: o.expectedNodeId.toLowerCase(), got: remoteId },
        `dialed ${o.expectedNodeId.toLowerCase()} but the remote authenticated as ${remoteId}`,
      );
    conn.authenticated(remotePub, remoteId, o.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE);
    return conn;
  } catch (e) {
    const err = toP2PError(e);
    conn.destroy(err);
    throw conn.closeReason ?? err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The secret connection after (or during) the handshake. Frames are read either one by one with
 * `readFrame()` (handshake and node info) or pushed to the handler given to `setFrameHandler`.
 */
export class SecretConnection {
  private readonly queue = new ByteQueue();
  private waiter: Waiter | null = null;
  private handler: ((frame: Buffer) => void) | null = null;
  private sendKey: Buffer | null = null;
  private recvKey: Buffer | null = null;
  private readonly sendNonce = new Nonce96();
  private readonly recvNonce = new Nonce96();
  /** The limit applied to received frames: small while handshaking, `maxFrameLimit` after. */
  private maxFrame = HANDSHAKE_MAX_FRAME;
  private maxFrameLimit = DEFAULT_MAX_FRAME_SIZE;
  private closeHandlers: Array<(reason: P2PError) => void> = [];
  private endTimer: NodeJS.Timeout | null = null;
  /** Why the connection ended (or is ending): the first reason recorded wins. */
  closeReason: P2PError | null = null;
  /** True once the connection is closing or closed: nothing more is sent or delivered. */
  closing = false;
  /** True once the socket has closed. */
  closed = false;
  remotePubkey: Uint8Array = new Uint8Array(0);
  remoteNodeId = "";
  /** host:port of the other end (IPv6 in brackets), as it was when the connection was made. */
  readonly remoteAddress: string;
  bytesSent = 0;
  bytesReceived = 0;
  /** Resolves when the socket has closed. */
  readonly done: Promise<P2PError>;

  constructor(readonly socket: Socket) {
    const a = socket.remoteAddress ?? "?";
    this.remoteAddress = `${a.includes(":") ? `[${a}]` : a}:${socket.remotePort ?? 0}`;
    let resolveDone!: (r: P2PError) => void;
    this.done = new Promise((r) => {
      resolveDone = r;
    });
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () =>
      this.noteReason(new P2PError(P2PErrorCode.CONNECTION_CLOSED, "remote closed the connection")),
    );
    socket.on("error", (e) => this.noteReason(toP2PError(e)));
    const onClose = () => {
      if (this.closed) return;
      this.closing = true;
      this.closed = true;
      if (this.endTimer) clearTimeout(this.endTimer);
      const reason = this.closeReason ?? new P2PError(P2PErrorCode.CONNECTION_CLOSED, "connection closed");
      this.closeReason = reason;
      this.sendKey?.fill(0);
      this.recvKey?.fill(0);
      const w = this.waiter;
      this.waiter = null;
      w?.reject(reason);
      for (const h of this.closeHandlers) h(reason);
      this.closeHandlers = [];
      resolveDone(reason);
    };
    socket.on("close", onClose);
    if (socket.closed) queueMicrotask(onClose);
  }

  get maxFrameSize(): number {
    return this.maxFrame;
  }

  /** @internal used by the handshake */
  setKeys(send: Buffer, recv: Buffer): void {
    this.sendKey = Buffer.from(send);
    this.recvKey = Buffer.from(recv);
  }

  /** @internal used by the handshake */
  authenticated(pubkey: Uint8Array, nodeId: string, maxFrameSize: number): void {
    this.remotePubkey = pubkey;
    this.remoteNodeId = nodeId;
    this.maxFrameLimit = maxFrameSize;
  }

  /** Registers a callback run once when the socket closes, with the reason. */
  onClose(h: (reason: P2PError) => void): void {
    if (this.closed) queueMicrotask(() => h(this.closeReason!));
    else this.closeHandlers.push(h);
  }

  /** Calls `h` once the socket can take more data. */
  onDrain(h: () => void): void {
    this.socket.once("drain", h);
  }

  /** @internal plaintext bytes on the wire (the hello). */
  writeRaw(b: Buffer): void {
    this.socket.write(b);
  }

  /** @internal reads exactly n raw bytes (the hello). */
  readRaw(n: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.closing) return reject(this.reasonOr("connection closed"));
      this.waiter = { kind: "raw", n, resolve, reject };
      this.serveWaiter();
    });
  }

  /** Reads the next frame (pull mode: before `setFrameHandler`). */
  readFrame(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.closing) return reject(this.reasonOr("connection closed"));
      if (this.handler) return reject(new Error("readFrame after setFrameHandler"));
      this.waiter = { kind: "frame", resolve, reject };
      this.serveWaiter();
    });
  }

  /**
   * Switches to push mode with the post-handshake frame limit: every frame from now on, including
   * ones already buffered, goes to `h` (from a later tick, never re-entrantly).
   */
  setFrameHandler(h: (frame: Buffer) => void): void {
    this.handler = h;
    this.maxFrame = this.maxFrameLimit;
    setImmediate(() => {
      this.socket.resume();
      this.pump();
    });
  }

  /**
   * Seals and writes one frame. Returns false when the socket's buffer is full (wait for
   * `onDrain`) or the connection is closing. The plaintext must not exceed the frame limit.
   */
  writeFrame(plaintext: Uint8Array): boolean {
    if (this.closing || !this.sendKey) return false;
    if (plaintext.length > this.maxFrameLimit)
      throw new Error(`frame of ${plaintext.length} bytes exceeds the limit`);
    let nonce: Buffer;
    try {
      nonce = this.sendNonce.next();
    } catch (e) {
      this.destroy(toP2PError(e));
      return false;
    }
    const header = Buffer.allocUnsafe(HEADER_SIZE);
    header.writeUInt32BE(plaintext.length + TAG_SIZE, 0);
    const cipher = createCipheriv("chacha20-poly1305", this.sendKey, nonce, { authTagLength: TAG_SIZE });
    cipher.setAAD(header, { plaintextLength: plaintext.length });
    const ct = cipher.update(plaintext);
    cipher.final();
    const out = Buffer.concat([header, ct, cipher.getAuthTag()]);
    this.bytesSent += out.length;
    return this.socket.write(out);
  }

  /** Closes at once (pending output is dropped), recording the reason. */
  destroy(reason: P2PError): void {
    this.noteReason(reason);
    this.closing = true;
    if (!this.socket.destroyed) this.socket.destroy();
  }

  /**
   * Closes after what is already written has been flushed (e.g. a goodbye frame), recording the
   * reason; the socket is destroyed if the remote does not close within `graceMs`.
   */
  end(reason: P2PError, graceMs = 2000): void {
    this.noteReason(reason);
    if (this.closing) return;
    this.closing = true;
    this.socket.end();
    this.endTimer = setTimeout(() => this.socket.destroy(), graceMs);
    this.endTimer.unref();
  }

  private noteReason(r: P2PError): void {
    if (!this.closeReason) this.closeReason = r;
  }

  private reasonOr(msg: string): P2PError {
    return this.closeReason ?? new P2PError(P2PErrorCode.CONNECTION_CLOSED, msg);
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    this.bytesReceived += chunk.length;
    this.queue.push(chunk);
    if (this.handler) this.pump();
    else {
      this.serveWaiter();
      // Pull mode reads one frame at a time: do not buffer without bound meanwhile.
      if (this.queue.length > HEADER_SIZE + this.maxFrameLimit + TAG_SIZE) this.socket.pause();
    }
  }

  private serveWaiter(): void {
    const w = this.waiter;
    if (!w || this.closing) return;
    try {
      if (w.kind === "raw") {
        if (this.queue.length < w.n) return;
        this.waiter = null;
        w.resolve(this.queue.take(w.n));
      } else {
        this.socket.resume();
        const f = this.nextFrame();
        if (!f) return;
        this.waiter = null;
        w.resolve(f);
      }
    } catch (e) {
      const err = toP2PError(e);
      this.destroy(err);
      this.waiter = null;
      w.reject(err);
    }
  }

  private pump(): void {
    try {
      while (!this.closing && this.handler) {
        const f = this.nextFrame();
        if (!f) return;
        this.handler(f);
      }
    } catch (e) {
      this.destroy(toP2PError(e));
    }
  }

  /** The next complete frame, decrypted, or null; throws a P2PError for a bad one. */
  private nextFrame(): Buffer | null {
    if (!this.recvKey) throw new Error("frames before the key exchange");
    if (this.queue.length < HEADER_SIZE) return null;
    const len = this.queue.peekUInt32BE();
    if (len > this.maxFrame + TAG_SIZE)
      throw new P2PError(
        { code: P2PErrorCode.FRAME_TOO_LARGE, length: len - TAG_SIZE, max: this.maxFrame },
        `frame of ${len - TAG_SIZE} bytes exceeds the limit of ${this.maxFrame}`,
      );
    if (len < TAG_SIZE)
      throw new P2PError(
        { code: P2PErrorCode.FRAME_MALFORMED, length: len },
        `frame length ${len} is shorter than a tag`,
      );
    if (this.queue.length < HEADER_SIZE + len) return null;
    const header = this.queue.take(HEADER_SIZE);
    const body = this.queue.take(len);
    const nonce = this.recvNonce.next();
    const decipher = createDecipheriv("chacha20-poly1305", this.recvKey, nonce, {
      authTagLength: TAG_SIZE,
    });
    decipher.setAAD(header, { plaintextLength: len - TAG_SIZE });
    decipher.setAuthTag(body.subarray(len - TAG_SIZE));
    const pt = decipher.update(body.subarray(0, len - TAG_SIZE));
    try {
      decipher.final();
    } catch {
      throw new P2PError(P2PErrorCode.DECRYPT_FAILED, "frame failed authentication (tampered or corrupt)");
    }
    return pt;
  }
}
