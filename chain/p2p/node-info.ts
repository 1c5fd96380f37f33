import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { P2PError, P2PErrorCode } from "./errors.ts";

/** Version of the packet/channel protocol spoken after the secret handshake. */
export const P2P_PROTOCOL_VERSION = 1;

/**
 * What two nodes tell each other right after the secret handshake (the first frame each way).
 * Wire: protobuf, 1 node_id string, 2 listen_address string, 3 chain_id string, 4 protocol_version
 * uint32, 5 moniker string, 6 channels bytes, 7 software_version string, 8 max_frame_size uint32;
 * unknown fields skipped.
 */
export interface NodeInfo {
  nodeId: string;
  /** Where the node accepts connections, host:port (may be empty for a node that only dials). */
  listenAddress: string;
  chainId: string;
  protocolVersion: number;
  moniker: string;
  /** The channel ids the node serves. */
  channels: Uint8Array;
  softwareVersion: string;
  /**
   * The largest frame plaintext the node accepts (the other side builds frames no larger);
   * 0 = unspecified (the default, 64 KiB).
   */
  maxFrameSize: number;
}

export const NODE_INFO_LIMITS = {
  moniker: 64,
  chainId: 50,
  listenAddress: 256,
  softwareVersion: 64,
  channels: 64,
  minFrameSize: 1024,
  maxFrameSize: 16 * 1024 * 1024,
} as const;

export function encodeNodeInfo(n: NodeInfo): Uint8Array {
  const w = BinaryWriter.create();
  w.uint32(10).string(n.nodeId);
  w.uint32(18).string(n.listenAddress);
  w.uint32(26).string(n.chainId);
  w.uint32(32).uint32(n.protocolVersion);
  w.uint32(42).string(n.moniker);
  w.uint32(50).bytes(n.channels);
  w.uint32(58).string(n.softwareVersion);
  if (n.maxFrameSize !== 0) w.uint32(64).uint32(n.maxFrameSize);
  return w.finish();
}

const badInfo = (msg: string) => new P2PError(P2PErrorCode.BAD_NODE_INFO, `bad node info: ${msg}`);

function text(s: string, max: number, field: string): string {
  if (s.length > max) throw badInfo(`${field} longer than ${max} characters`);
  if (/[\u0000-\u001f\u007f\ufffd]/.test(s)) throw badInfo(`${field} has control or invalid characters`);
  return s;
}

/** Decodes and checks the shape of a node info (not yet whether we accept the peer). */
export function decodeNodeInfo(bytes: Uint8Array): NodeInfo {
  const n: NodeInfo = {
    nodeId: "",
    listenAddress: "",
    chainId: "",
    protocolVersion: 0,
    moniker: "",
    channels: new Uint8Array(0),
    softwareVersion: "",
    maxFrameSize: 0,
  };
  try {
    const r = new BinaryReader(bytes);
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag) {
        case 10:
          n.nodeId = r.string();
          break;
        case 18:
          n.listenAddress = r.string();
          break;
        case 26:
          n.chainId = r.string();
          break;
        case 32:
          n.protocolVersion = r.uint32();
          break;
        case 42:
          n.moniker = r.string();
          break;
        case 50:
          n.channels = r.bytes();
          break;
        case 58:
          n.softwareVersion = r.string();
          break;
        case 64:
          n.maxFrameSize = r.uint32();
          break;
        default:
          if (tag >>> 3 === 0) throw new Error("field number 0");
          r.skipType(tag & 7);
      }
    }
  } catch (e) {
    if (e instanceof P2PError) throw e;
    throw badInfo((e as Error).message);
  }
  if (!/^[0-9a-f]{40}$/.test(n.nodeId)) throw badInfo("node id must be 40 lower-case hex characters");
  if (n.chainId === "") throw badInfo("empty chain id");
  text(n.chainId, NODE_INFO_LIMITS.chainId, "chain id");
  text(n.moniker, NODE_INFO_LIMITS.moniker, "moniker");
  text(n.listenAddress, NODE_INFO_LIMITS.listenAddress, "listen address");
  text(n.softwareVersion, NODE_INFO_LIMITS.softwareVersion, "software version");
  if (n.channels.length > NODE_INFO_LIMITS.channels) throw badInfo("too many channels");
  if (
    n.maxFrameSize !== 0 &&
    (n.maxFrameSize < NODE_INFO_LIMITS.minFrameSize || n.maxFrameSize > NODE_INFO_LIMITS.maxFrameSize)
  )
    throw badInfo(`max frame size ${n.maxFrameSize} outside 1 KiB..16 MiB`);
  if (new Set(n.channels).size !== n.channels.length) throw badInfo("channel listed twice");
  return n;
}
