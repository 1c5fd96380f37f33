/**
 * Send 1 CIF from dev account 0 to dev account 1 of a local Cifer network, with nothing but CosmJS.
 *
 *   pnpm testnet                         # in another terminal
 *   npx tsx examples/send-tokens.ts      # CIFER_NODE=http://host:port to use another node
 *
 * Cifer speaks the Cosmos dialect (CometBFT RPC, SIGN_MODE_DIRECT, bech32 prefix "cif", denom "ucif" with
 * 1 CIF = 1,000,000 ucif), so the unmodified CosmJS clients work as they do on any Cosmos chain.
 */
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { stringToPath } from "@cosmjs/crypto";

// The public mnemonic of the local network's funded dev accounts. NEVER use it for anything of value.
const DEV_MNEMONIC =
  "economy stock theory fatal elder harbor betray wasp final emotion task crumble siren bottom lizard educate guess current outdoor pair theory focus wife stone";

const rpcUrl = process.env.CIFER_NODE ?? "http://127.0.0.1:26657";

// Dev accounts 0 and 1: m/44'/118'/0'/0/0 and m/44'/118'/0'/0/1 (the Cosmos HD path), prefix "cif".
const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
  prefix: "cif",
  hdPaths: [stringToPath("m/44'/118'/0'/0/0"), stringToPath("m/44'/118'/0'/0/1")],
});
const [sender, recipient] = await wallet.getAccounts();
if (!sender || !recipient) throw new Error("the wallet derived no accounts");

// A gas price is needed for "auto" fees: the simulated gas x 1.4 x 0.0025ucif (the nodes' minimum).
const client = await SigningStargateClient.connectWithSigner(rpcUrl, wallet, {
  gasPrice: GasPrice.fromString("0.0025ucif"),
});

async function printBalances(when: string): Promise<void> {
  console.log(`${when}:`);
  for (const { address } of [sender!, recipient!]) {
    const balance = await client.getBalance(address, "ucif");
    console.log(`  ${address}  ${balance.amount} ${balance.denom}`);
  }
}

console.log(`connected to ${rpcUrl}: chain ${await client.getChainId()}, height ${await client.getHeight()}`);
await printBalances("balances before");

const result = await client.sendTokens(
  sender.address,
  recipient.address,
  [{ denom: "ucif", amount: "1000000" }], // 1 CIF
  "auto",
  "sent by examples/send-tokens.ts",
);
assertIsDeliverTxSuccess(result); // throws with the chain's log if the transaction failed
console.log(
  `sent 1 CIF: tx ${result.transactionHash} in block ${result.height} (gas used ${result.gasUsed})`,
);

await printBalances("balances after");
client.disconnect();
