import assert from "node:assert/strict";
import { type AddressInfo, type Server, type Socket, connect, createServer } from "node:net";
import { after, test } from "node:test";
import { generateEd25519 } from "../../chain/crypto/ed25519.ts";
import { nodeIdOf } from "../../chain/node/node-key.ts";
import { formatPeerAddress, parsePeerAddress } from "../../chain/p2p/address.ts";
import {
  ACCEPT_FRAME,
  DEFAULT_CHANNELS,
  channelMap,
  goodbyePacket,
  msgPacketHeader,
  parsePackets,
} from "../../chain/p2p/channels.ts";
import { P2PError, P2PErrorCode, isP2PError } from "../../chain/p2p/errors.ts";
import { decodeNodeInfo, encodeNodeInfo, type NodeInfo } from "../../chain/p2p/node-info.ts";
import {
  HELLO_MAGIC,
  Nonce96,
  type SecretConnection,
  secretHandshake,
} from "../../chain/p2p/secret-connection.ts";

const servers: Server[] = [];
const sockets = new Set<Socket>();
after(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

function track(s: Socket): Socket {
  sockets.add(s);
  s.on("error", () => {});
  s.once("close", () => sockets.delete(s));
  return s;
}

/** A loopback server whose first accepted socket is handed to the test, and a client socket to it. */
async function socketPair(): Promise<{ server: Socket; client: Socket; port: number }> {
  const srv = createServer();
  servers.push(srv);
  const accepted = new Promise<Socket>((r) => srv.once("connection", (s) => r(track(s))));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as AddressInfo).port;
  const client = track(connect({ host: "127.0.0.1", port }));
  await new Promise<void>((r, j) => {
    client.once("connect", () => r());
    client.once("error", j);
  });
  return { server: await accepted, client, port };
}

/** A loopback proxy: client -> proxy -> target, with a hook that may rewrite client-to-target chunks. */
async function proxy(
  targetPort: number,
  rewrite: (chunk: Buffer) => Buffer = (c) => c,
): Promise<{ port: number; seen: Buffer[] }> {
  const seen: Buffer[] = [];
  const srv = createServer((down) => {
    track(down);
    const up = track(connect({ host: "127.0.0.1", port: targetPort }));
    down.on("data", (c: Buffer) => {
      seen.push(Buffer.from(c));
      up.write(rewrite(c));
    });
    up.on("data", (c: Buffer) => down.write(c));
    down.on("close", () => up.destroy());
    up.on("close", () => down.destroy());
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  return { port: (srv.address() as AddressInfo).port, seen };
}

async function rejects(p: Promise<unknown>, code: P2PErrorCode): Promise<P2PError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isP2PError(e), `expected a P2PError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected rejection with ${code}`);
}

const nextFrame = (c: SecretConnection) =>
  new Promise<Buffer>((r) => {
    c.setFrameHandler(r);
  });

test("Nonce96 counts little-endian over all 96 bits and refuses to wrap around", () => {
  const n = new Nonce96();
  assert.deepEqual([...n.next()], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...n.next()], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const carry = new Nonce96(Uint8Array.from([255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  carry.next();
  assert.deepEqual([...carry.next()], [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const top = new Nonce96(Uint8Array.from([254, ...new Array(11).fill(255)]));
  assert.equal(top.next()[0], 254);
  assert.ok(
    top.next().every((b) => b === 255),
    "the last value is used once",
  );
  assert.throws(
    () => top.next(),
    (e) => isP2PError(e, P2PErrorCode.NONCE_EXHAUSTED),
  );
});

test("secret handshake: mutual authentication by node key and frames both ways", async () => {
  const { server, client } = await socketPair();
  const a = generateEd25519();
  const b = generateEd25519();
  const [ca, cb] = await Promise.all([
    secretHandshake(client, { nodeKey: a, expectedNodeId: nodeIdOf(b.pubkey) }),
    secretHandshake(server, { nodeKey: b }),
  ]);
  assert.equal(ca.remoteNodeId, nodeIdOf(b.pubkey));
  assert.equal(cb.remoteNodeId, nodeIdOf(a.pubkey));
  assert.deepEqual(cb.remotePubkey, a.pubkey);
  const gotB = nextFrame(cb);
  const gotA = nextFrame(ca);
  ca.writeFrame(Buffer.from("hello from a"));
  cb.writeFrame(Buffer.from("hello from b"));
  assert.equal((await gotB).toString(), "hello from a");
  assert.equal((await gotA).toString(), "hello from b");
  ca.destroy(new P2PError(P2PErrorCode.LOCAL_CLOSE));
  assert.equal((await cb.done).code, P2PErrorCode.CONNECTION_CLOSED);
});

test("each direction has its own key: the same plaintext at the same nonce differs on the wire", async () => {
  const { port } = await (async () => {
    const srv = createServer((s) => {
      track(s);
      void secretHandshake(s, { nodeKey: generateEd25519() }).then(async (c) => {
        c.writeFrame(Buffer.from("same plaintext"));
      });
    });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    return { port: (srv.address() as AddressInfo).port };
  })();
  const p = await proxy(port);
  const client = track(connect({ host: "127.0.0.1", port: p.port }));
  const fromServer: Buffer[] = [];
  client.on("data", (c: Buffer) => fromServer.push(Buffer.from(c)));
  const c = await secretHandshake(client, { nodeKey: generateEd25519() });
  const got = nextFrame(c);
  c.writeFrame(Buffer.from("same plaintext"));
  assert.equal((await got).toString(), "same plaintext");
  for (let i = 0; i < 100 && Buffer.concat(p.seen).length < 41 + 116 + 34; i++)
    await new Promise((r) => setTimeout(r, 10));
  // After the 41-byte hello, each side sent the 116-byte auth frame and then the 34-byte data frame,
  // both with their direction's second nonce (1).
  const up = Buffer.concat(p.seen).subarray(41 + 116, 41 + 116 + 34);
  const down = Buffer.concat(fromServer).subarray(41 + 116, 41 + 116 + 34);
  assert.equal(up.length, 34);
  assert.equal(down.length, 34);
  assert.equal(up.readUInt32BE(0), 30);
  assert.notDeepEqual(up, down);
  c.destroy(new P2PError(P2PErrorCode.LOCAL_CLOSE));
});

test("the dialer rejects a remote that authenticates as another node id", async () => {
  const { server, client } = await socketPair();
  const [r] = await Promise.allSettled([
    secretHandshake(client, { nodeKey: generateEd25519(), expectedNodeId: "ab".repeat(20) }),
    secretHandshake(server, { nodeKey: generateEd25519() }),
  ]);
  assert.equal(r.status, "rejected");
  assert.equal((r as PromiseRejectedResult).reason.code, P2PErrorCode.WRONG_NODE_ID);
  assert.ok(client.destroyed);
});

test("a peer that is not a Cifer node, or of another version, fails the hello", async () => {
  const { server, client } = await socketPair();
  client.write(Buffer.alloc(41, 7));
  await rejects(secretHandshake(server, { nodeKey: generateEd25519() }), P2PErrorCode.BAD_HELLO);

  const p2 = await socketPair();
  p2.client.write(Buffer.concat([HELLO_MAGIC, Buffer.from([99]), Buffer.alloc(32, 1)]));
  const e = await rejects(secretHandshake(p2.server, { nodeKey: generateEd25519() }), P2PErrorCode.BAD_HELLO);
  assert.match(e.message, /version 99/);
});

test("low-order ephemeral keys are refused", async () => {
  const { server, client } = await socketPair();
  // The all-zero point gives an all-zero shared secret.
  client.write(Buffer.concat([HELLO_MAGIC, Buffer.from([1]), Buffer.alloc(32)]));
  await rejects(secretHandshake(server, { nodeKey: generateEd25519() }), P2PErrorCode.BAD_EPHEMERAL_KEY);
});

test("the handshake is bounded in time", async () => {
  const { server } = await socketPair();
  const t0 = Date.now();
  await rejects(
    secretHandshake(server, { nodeKey: generateEd25519(), timeoutMs: 150 }),
    P2PErrorCode.HANDSHAKE_TIMEOUT,
  );
  assert.ok(Date.now() - t0 < 5000);
  assert.ok(server.destroyed);
});

test("a node that claims a key it does not hold fails authentication", async () => {
  const { server, client } = await socketPair();
  const victim = generateEd25519();
  // Signs with its own private key while presenting the victim's public key.
  const fake = { ...generateEd25519(), pubkey: victim.pubkey };
  const [rc, rs] = await Promise.allSettled([
    secretHandshake(client, { nodeKey: fake }),
    secretHandshake(server, { nodeKey: generateEd25519() }),
  ]);
  assert.equal(rs.status, "rejected");
  assert.equal((rs as PromiseRejectedResult).reason.code, P2PErrorCode.BAD_AUTH_SIGNATURE);
  // The impostor may have verified the honest side before being cut off; either way it is closed.
  if (rc.status === "fulfilled") await rc.value.done;
});

test("frames: oversized length, short length, tampered body and replayed frames close the connection", async () => {
  const setup = async () => {
    const { server, client } = await socketPair();
    const [cc, cs] = await Promise.all([
      secretHandshake(client, { nodeKey: generateEd25519() }),
      secretHandshake(server, { nodeKey: generateEd25519(), maxFrameSize: 1024 }),
    ]);
    const frames: Buffer[] = [];
    cs.setFrameHandler((f) => frames.push(f));
    return { cc, cs, client, frames };
  };
  {
    const { cs, client } = await setup();
    const h = Buffer.alloc(4);
    h.writeUInt32BE(1025 + 16);
    client.write(h);
    const reason = await cs.done;
    assert.equal(reason.code, P2PErrorCode.FRAME_TOO_LARGE);
  }
  {
    const { cs, client } = await setup();
    client.write(Buffer.from([0, 0, 0, 3, 1, 2, 3]));
    assert.equal((await cs.done).code, P2PErrorCode.FRAME_MALFORMED);
  }
  {
    const { cc, cs, client, frames } = await setup();
    const writes: Buffer[] = [];
    const orig = client.write.bind(client);
    // Capture the sealed bytes of the next frame instead of sending them.
    (client as unknown as { write: (b: Buffer) => boolean }).write = (b: Buffer) => {
      writes.push(Buffer.from(b));
      return true;
    };
    cc.writeFrame(Buffer.from("payload"));
    (client as unknown as { write: typeof orig }).write = orig;
    const sealed = writes[0]!;
    orig(sealed);
    orig(sealed); // replay: the receiver's nonce moved on
    assert.equal((await cs.done).code, P2PErrorCode.DECRYPT_FAILED);
    assert.deepEqual(
      frames.map((f) => f.toString()),
      ["payload"],
    );
  }
  {
    const { cc, cs, client, frames } = await setup();
    const orig = client.write.bind(client);
    (client as unknown as { write: (b: Buffer) => boolean }).write = (b: Buffer) => {
      const t = Buffer.from(b);
      t[t.length - 20] = t[t.length - 20]! ^ 0x01;
      return orig(t);
    };
    cc.writeFrame(Buffer.from("tampered payload"));
    assert.equal((await cs.done).code, P2PErrorCode.DECRYPT_FAILED);
    assert.equal(frames.length, 0);
  }
});

test("packets: messages, control packets and goodbye parse; malformed ones are refused", () => {
  const data = Buffer.from("abc");
  const frame = Buffer.concat([
    Buffer.from([1, 2]),
    msgPacketHeader(0x20, true, 3),
    data,
    msgPacketHeader(0x30, false, 0),
    goodbyePacket("P2P_DUPLICATE_PEER: bye"),
  ]);
  const seen: string[] = [];
  parsePackets(frame, {
    stopped: () => false,
    ping: () => seen.push("ping"),
    pong: () => seen.push("pong"),
    msg: (ch, eof, d) => seen.push(`msg ${ch} ${eof} ${d.toString()}`),
    goodbye: (r) => seen.push(`bye ${r}`),
  });
  assert.deepEqual(seen, ["ping", "pong", "msg 32 true abc", "msg 48 false ", "bye P2P_DUPLICATE_PEER: bye"]);
  const noop = { stopped: () => false, ping() {}, pong() {}, msg() {}, goodbye() {} };
  const bad = [
    Buffer.alloc(0),
    Buffer.from([9]),
    Buffer.from([3, 0x20, 0]),
    Buffer.concat([msgPacketHeader(0x20, true, 10), data]),
    Buffer.from([3, 0x20, 2, 0, 0, 0, 0]),
    Buffer.from([4, 0, 5, 65]),
  ];
  for (const f of bad)
    assert.throws(
      () => parsePackets(f, noop),
      (e) => isP2PError(e, P2PErrorCode.MALFORMED_PACKET),
    );
  assert.equal(ACCEPT_FRAME.length, 1);
});

test("channel descriptors: defaults are consistent, bad lists are refused", () => {
  const m = channelMap(DEFAULT_CHANNELS);
  assert.deepEqual([...m.keys()], [0x20, 0x21, 0x30, 0x38, 0x40, 0x50]);
  assert.equal(m.get(0x20)!.maxMessageSize, 64 * 1024);
  assert.equal(m.get(0x21)!.maxMessageSize, 8 * 1024 * 1024);
  // Blobs: one 1 MiB chunk per message, the lowest priority.
  assert.equal(m.get(0x50)!.maxMessageSize, 1024 * 1024 + 1024);
  assert.equal(Math.min(...DEFAULT_CHANNELS.map((c) => c.priority)), m.get(0x50)!.priority);
  assert.throws(() => channelMap([DEFAULT_CHANNELS[0]!, DEFAULT_CHANNELS[0]!]), /twice/);
  assert.throws(() => channelMap([{ ...DEFAULT_CHANNELS[0]!, id: 300 }]), /0\.\.255/);
  assert.throws(() => channelMap([{ ...DEFAULT_CHANNELS[0]!, sendQueueBytes: 1 }]), /sendQueueBytes/);
});

test("node info round-trips and bad node infos are refused", () => {
  const info: NodeInfo = {
    nodeId: "0123456789abcdef0123456789abcdef01234567",
    listenAddress: "127.0.0.1:26656",
    chainId: "cifer-1",
    protocolVersion: 1,
    moniker: "validator-0",
    channels: Uint8Array.from([0x20, 0x30]),
    softwareVersion: "0.1.0",
    maxFrameSize: 65536,
  };
  assert.deepEqual(decodeNodeInfo(encodeNodeInfo(info)), info);
  const badInfo = (patch: Partial<NodeInfo>) =>
    assert.throws(
      () => decodeNodeInfo(encodeNodeInfo({ ...info, ...patch })),
      (e) => isP2PError(e, P2PErrorCode.BAD_NODE_INFO),
    );
  badInfo({ nodeId: "xyz" });
  badInfo({ chainId: "" });
  badInfo({ moniker: "m".repeat(65) });
  badInfo({ moniker: "evil\nlog line" });
  badInfo({ channels: Uint8Array.from([0x20, 0x20]) });
  badInfo({ maxFrameSize: 100 });
  badInfo({ maxFrameSize: 64 * 1024 * 1024 });
  assert.throws(
    () => decodeNodeInfo(Uint8Array.from([10, 200])),
    (e) => isP2PError(e, P2PErrorCode.BAD_NODE_INFO),
  );
});

test("peer addresses: id@host:port, IPv6 and tcp:// accepted; the rest refused", () => {
  const id = "AB".repeat(20);
  assert.deepEqual(parsePeerAddress(`${id}@127.0.0.1:26656`), {
    id: id.toLowerCase(),
    host: "127.0.0.1",
    port: 26656,
  });
  assert.deepEqual(parsePeerAddress(`tcp://${id}@[::1]:1`), { id: id.toLowerCase(), host: "::1", port: 1 });
  assert.equal(formatPeerAddress(parsePeerAddress(`${id}@[::1]:1`)), `${id.toLowerCase()}@[::1]:1`);
  for (const s of [
    "127.0.0.1:26656",
    `${id}@127.0.0.1`,
    `${id}@127.0.0.1:0`,
    `${id}@127.0.0.1:70000`,
    `abc@127.0.0.1:1`,
    `${id}@bad host:1`,
  ])
    assert.throws(
      () => parsePeerAddress(s),
      (e) => isP2PError(e, P2PErrorCode.BAD_ADDRESS),
      s,
    );
});
