/**
 * How a data owner's server decides whom to serve: dev account 3 mints a $Data and lists it on a
 * linear curve, dev account 4 buys access, and a tiny "server" checks requests: an ADR-036 signature
 * over a nonce it issued (proof of who asks), then ONE query to the chain (whether that address holds
 * a valid grant on the asset now).
 *
 *   pnpm testnet                           # in another terminal
 *   npx tsx examples/verify-access.ts      # CIFER_NODE=http://host:port to use another node
 *
 * The data never touches the chain: the grant is an on-chain licence record, the owner's server
 * enforces it. client/README.md, "Verifying an access grant (data owners)", has the protocol.
 */
import { randomBytes } from "node:crypto";
import { encodeSecp256k1Pubkey, Secp256k1HdWallet, type StdSignature } from "@cosmjs/amino";
import { sha256, stringToPath } from "@cosmjs/crypto";
import { toHex, toUtf8 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess } from "@cosmjs/stargate";
import {
  adr36SignDoc,
  boughtAccess,
  CiferClient,
  createdAssetId,
  MarketCurveKind,
  msgBuyAccess,
  msgListAsset,
  msgMintData,
  verifyAccess,
  verifyAdr36Signature,
} from "../client/index.ts";

// The public mnemonic of the local network's funded dev accounts. NEVER use it for anything of value.
const DEV_MNEMONIC =
  "economy stock theory fatal elder harbor betray wasp final emotion task crumble siren bottom lizard educate guess current outdoor pair theory focus wife stone";

const rpcUrl = process.env.CIFER_NODE ?? "http://127.0.0.1:26657";
const path = (i: number) => stringToPath(`m/44'/118'/0'/0/${i}`);

// ----- the chain side: the owner mints and lists, the buyer buys (SIGN_MODE_DIRECT transactions) -----

const txWallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
  prefix: "cif",
  hdPaths: [path(3), path(4)],
});
const [owner, buyer] = await txWallet.getAccounts();
if (!owner || !buyer) throw new Error("the wallet derived no accounts");
// CiferClient is CosmJS's SigningStargateClient with the cifer messages in its registry. Local blocks
// come every second or faster, so polling for inclusion every 3 s (CosmJS's default) would mostly wait.
const chain = await CiferClient.connectWithSigner(rpcUrl, txWallet, { broadcastPollIntervalMs: 300 });

// Only the dataset's sha256 goes on chain; the rows stay on the owner's server.
const dataset = toUtf8("pixel0,...,pixel63,label\n0,0,5,13,...,0\n");
const minted = await chain.signAndBroadcast(
  owner.address,
  [
    msgMintData({
      owner: owner.address,
      dataHash: toHex(sha256(dataset)),
      schema: "csv: 64 pixels, label",
      sizeBytes: BigInt(dataset.length),
      license: "CC-BY-4.0",
    }),
  ],
  "auto",
);
assertIsDeliverTxSuccess(minted);
const assetId = createdAssetId(minted)!;

// P(s) = 1 CIF x s + 5 CIF: the first buyer pays 5 CIF, the next 6, ...; grants last 1000 blocks.
const listed = await chain.signAndBroadcast(
  owner.address,
  [
    msgListAsset({
      owner: owner.address,
      assetId,
      curve: { kind: MarketCurveKind.Linear, m: "1000000", b: "5000000", exponentNum: 0, exponentDen: 0 },
      accessBlocks: 1000n,
      licence: "research only",
    }),
  ],
  "auto",
);
assertIsDeliverTxSuccess(listed);
console.log(`owner ${owner.address} minted $Data ${assetId} and listed it at 1 CIF x sales + 5 CIF`);

// The max price guards against the curve moving between reading the price and buying.
const { price } = await chain.query.market.price(assetId);
const bought = await chain.signAndBroadcast(
  buyer.address,
  [msgBuyAccess(buyer.address, assetId, BigInt(price))],
  "auto",
);
assertIsDeliverTxSuccess(bought);
console.log(`buyer ${buyer.address} bought access for ${boughtAccess(bought)!.price} ucif (max ${price})`);

// ----- the data owner's server: a nonce it issued, a signature over it, one query -----

interface AccessRequest {
  address: string;
  nonce: string;
  signature: StdSignature;
}

// The server's own connection, read-only, to a node it runs or trusts: the answer is only as good as the node.
const server = await CiferClient.connect(rpcUrl);
const issued = new Set<string>();

/** A fresh nonce naming the asset, so a signature over it is good for one request to this server only. */
function challenge(): string {
  const nonce = `cifer-access asset ${assetId} nonce ${randomBytes(16).toString("hex")}`;
  issued.add(nonce);
  return nonce;
}

async function serve(request: AccessRequest): Promise<string> {
  // Accepted once: a signature seen on the wire cannot be replayed.
  if (!issued.delete(request.nonce)) return "denied: unknown or used nonce";
  // Who asks: the key behind the address signed this server's nonce.
  if (!verifyAdr36Signature(request.address, request.nonce, request.signature))
    return "denied: bad signature";
  // Whether they may: the one query.
  const { granted, grant, height } = await verifyAccess(server.query, assetId, request.address);
  return granted
    ? `allowed: grant ${grant!.id}, valid until block ${grant!.expires} (checked at ${height})`
    : `denied: no valid grant at block ${height}`;
}

// ----- requesters: their wallets sign the nonce as Keplr's signArbitrary does (amino ADR-036) -----

const aminoWallet = await Secp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
  prefix: "cif",
  hdPaths: [path(4), path(0)],
});
const [buyerKey, strangerKey] = await aminoWallet.getAccounts();
if (!buyerKey || !strangerKey) throw new Error("the wallet derived no accounts");
const signNonce = async (signer: string, about: string, nonce: string) =>
  (await aminoWallet.signAmino(signer, adr36SignDoc(about, nonce))).signature;

const nonce = challenge();
const ok: AccessRequest = {
  address: buyer.address,
  nonce,
  signature: await signNonce(buyer.address, buyer.address, nonce),
};
console.log(`buyer:        ${await serve(ok)}`);

const n2 = challenge();
const stranger = {
  address: strangerKey.address,
  nonce: n2,
  signature: await signNonce(strangerKey.address, strangerKey.address, n2),
};
console.log(`non-buyer:    ${await serve(stranger)}`);

// A forger claims the buyer's address and public key but can only sign with its own key.
const n3 = challenge();
const forgedSig = await signNonce(strangerKey.address, buyer.address, n3);
const forged = {
  address: buyer.address,
  nonce: n3,
  signature: { ...forgedSig, pub_key: encodeSecp256k1Pubkey(buyerKey.pubkey) },
};
console.log(`forged:       ${await serve(forged)}`);

console.log(`replayed:     ${await serve(ok)}`);
chain.disconnect();
server.disconnect();
