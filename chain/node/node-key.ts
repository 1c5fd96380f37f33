import { ed25519Address } from "../crypto/ed25519.ts";

/** CometBFT node id: hex of the first 20 bytes of sha256 of the node's ed25519 public key, lower case. */
export const nodeIdOf = (pubkey: Uint8Array) => Buffer.from(ed25519Address(pubkey)).toString("hex");
