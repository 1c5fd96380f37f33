/**
 * Delegate 10 CIF from dev account 2 to the first validator of a local Cifer network, read the
 * delegation back, start unbonding 4 of them, and withdraw the rewards the rest earned, with
 * nothing but CosmJS.
 *
 *   pnpm testnet                          # in another terminal
 *   npx tsx examples/delegate-tokens.ts   # CIFER_NODE=http://host:port to use another node
 *
 * Staking is Cosmos SDK x/staking: the same messages and queries as any Cosmos chain, so Keplr,
 * CosmJS and explorers use it unchanged. Local networks unbond in 2 minutes (21 days by default).
 * Rewards are x/distribution's (F1): every block's fees and emission, shared by stake.
 */
import { stringToPath } from "@cosmjs/crypto";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import {
  assertIsDeliverTxSuccess,
  coin,
  GasPrice,
  QueryClient,
  SigningStargateClient,
  setupDistributionExtension,
  setupStakingExtension,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";

// The public mnemonic of the local network's funded dev accounts. NEVER use it for anything of value.
const DEV_MNEMONIC =
  "economy stock theory fatal elder harbor betray wasp final emotion task crumble siren bottom lizard educate guess current outdoor pair theory focus wife stone";

const rpcUrl = process.env.CIFER_NODE ?? "http://127.0.0.1:26657";
const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
  prefix: "cif",
  hdPaths: [stringToPath("m/44'/118'/0'/0/2")],
});
const [delegator] = await wallet.getAccounts();
if (!delegator) throw new Error("the wallet derived no account");

const comet = await Comet38Client.connect(rpcUrl);
const queries = QueryClient.withExtensions(comet, setupStakingExtension, setupDistributionExtension);
const { validators } = await queries.staking.validators("BOND_STATUS_BONDED");
const validator = validators[0];
if (!validator) throw new Error("no bonded validator");
console.log(
  `validator ${validator.description?.moniker} ${validator.operatorAddress}, ${validator.tokens} ucif bonded`,
);

const client = await SigningStargateClient.connectWithSigner(rpcUrl, wallet, {
  gasPrice: GasPrice.fromString("0.0025ucif"),
});
const delegated = await client.delegateTokens(
  delegator.address,
  validator.operatorAddress,
  coin(10_000_000, "ucif"),
  "auto",
);
assertIsDeliverTxSuccess(delegated);
console.log(`delegated 10 CIF: tx ${delegated.transactionHash} in block ${delegated.height}`);
console.log("delegation now:", await client.getDelegation(delegator.address, validator.operatorAddress));
console.log("all staked by this account:", await client.getBalanceStaked(delegator.address));

const unbonding = await client.undelegateTokens(
  delegator.address,
  validator.operatorAddress,
  coin(4_000_000, "ucif"),
  "auto",
);
assertIsDeliverTxSuccess(unbonding);
const { unbond } = await queries.staking.unbondingDelegation(delegator.address, validator.operatorAddress);
const entry = unbond?.entries.at(-1);
console.log(
  `unbonding 4 CIF: back on ${entry?.completionTime ? new Date(Number(entry.completionTime.seconds) * 1000).toISOString() : "?"}`,
);

// Rewards accrue every block; DecCoin amounts on the wire carry 18 decimals.
await new Promise((r) => setTimeout(r, 3000));
const { rewards } = await queries.distribution.delegationRewards(
  delegator.address,
  validator.operatorAddress,
);
const pending = BigInt(rewards.find((c) => c.denom === "ucif")?.amount ?? "0") / 10n ** 18n;
console.log(`rewards pending: ${pending} ucif`);
const withdrawn = await client.withdrawRewards(delegator.address, validator.operatorAddress, "auto");
assertIsDeliverTxSuccess(withdrawn);
const paid = withdrawn.events
  .find((e) => e.type === "withdraw_rewards")
  ?.attributes.find((a) => a.key === "amount")?.value;
console.log(`withdrew ${paid} in block ${withdrawn.height}`);
client.disconnect();
comet.disconnect();
