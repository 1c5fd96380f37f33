/**
 * CiferClient: the unmodified CosmJS SigningStargateClient, preconfigured for Cifer (registry of every
 * Cosmos and cifer message, gas price 0.0025ucif), plus a few typed helpers. Everything a
 * SigningStargateClient can do, a CiferClient can do; code written for CosmJS keeps working.
 *
 *   const client = await CiferClient.connect("http://127.0.0.1:26657");             // read-only
 *   const signing = await CiferClient.connectWithSigner(url, wallet);                 // signs and sends
 *   await signing.bankSend({ from, to, amount: "1.5CIF" });
 */
import type { StdFee } from "@cosmjs/amino";
import { fromBase64, toBase64, toHex } from "@cosmjs/encoding";
import {
  type Coin,
  type EncodeObject,
  isOfflineDirectSigner,
  type OfflineDirectSigner,
  type OfflineSigner,
} from "@cosmjs/proto-signing";
import type { SignDoc } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import {
  type AuthExtension,
  type BankExtension,
  type DeliverTxResponse,
  type DistributionExtension,
  GasPrice,
  QueryClient,
  SigningStargateClient,
  type SigningStargateClientOptions,
  type StakingExtension,
  setupAuthExtension,
  setupBankExtension,
  setupDistributionExtension,
  setupSlashingExtension,
  setupStakingExtension,
  setupTxExtension,
  type TxExtension,
} from "@cosmjs/stargate";
import { type CometClient, connectComet, type HttpEndpoint } from "@cosmjs/tendermint-rpc";
import { DEFAULT_GAS_PRICE } from "./amounts.ts";
import { msgSend } from "./msgs.ts";
import { type FlExtension, setupFlExtension } from "./fl/query.ts";
import { type MarketExtension, setupMarketExtension } from "./market/query.ts";
import { createCiferRegistry } from "./registry.ts";
import { type ReputationExtension, setupReputationExtension } from "./reputation.ts";

// Light modules of their own, so that the CLI can parse and validate without loading CosmJS's
// clients; re-exported here as part of the SDK.
export { DEFAULT_RPC_URL } from "./endpoint.ts";
export { msgSend };

export const LOCAL_CHAIN_ID = "cifer-local-1";

export type Fee = StdFee | "auto" | number;

/** The node's `status`, with bytes as hex and times as RFC 3339 strings. */
export interface ChainStatus {
  chainId: string;
  moniker: string;
  nodeId: string;
  nodeVersion: string;
  latestBlockHeight: number;
  latestBlockTime: string;
  latestBlockHash: string;
  catchingUp: boolean;
  validator: { address: string; votingPower: string; pubkey?: { type: string; value: string } };
}

/** CosmJS's slashing query extension (its type is not exported by @cosmjs/stargate's index). */
export type SlashingExtension = ReturnType<typeof setupSlashingExtension>;

/** CosmJS's own query extensions (the wire paths wallets use) plus Cifer's reputation, fl and market queries. */
export type CiferQueryClient = QueryClient &
  AuthExtension &
  BankExtension &
  StakingExtension &
  DistributionExtension &
  SlashingExtension &
  TxExtension &
  ReputationExtension &
  FlExtension &
  MarketExtension;

export class ReadOnlyClientError extends Error {
  override name = "ReadOnlyClientError";
  constructor() {
    super(
      "this CiferClient is read-only (CiferClient.connect); use CiferClient.connectWithSigner to sign transactions",
    );
  }
}

/** Signer of read-only clients: it has no accounts and refuses to sign, with a clear message. */
const readOnlySigner: OfflineDirectSigner = {
  getAccounts: async () => [],
  signDirect: async () => {
    throw new ReadOnlyClientError();
  },
};

function withDefaults(options: SigningStargateClientOptions): SigningStargateClientOptions {
  return {
    ...options,
    registry: options.registry ?? createCiferRegistry(),
    gasPrice: options.gasPrice ?? GasPrice.fromString(DEFAULT_GAS_PRICE),
  };
}

export class CiferClient extends SigningStargateClient {
  readonly readOnly: boolean;
  private extendedQuery?: CiferQueryClient;

  protected constructor(
    cometClient: CometClient | undefined,
    private readonly offlineSigner: OfflineSigner,
    options: SigningStargateClientOptions,
  ) {
    super(cometClient, offlineSigner, withDefaults(options));
    this.readOnly = offlineSigner === readOnlySigner;
  }

  /**
   * Signs a SignDoc that is not a transaction (an FL upload claim, modules/fl/upload-auth.ts) with
   * the account's key, SIGN_MODE_DIRECT: returns the compressed public key and the 64-byte signature.
   */
  async signDirectDoc(address: string, doc: SignDoc): Promise<{ pubkey: Uint8Array; signature: Uint8Array }> {
    if (this.readOnly || !isOfflineDirectSigner(this.offlineSigner))
      throw new Error("this client's signer cannot sign SIGN_MODE_DIRECT documents");
    const { signature } = await this.offlineSigner.signDirect(address, doc);
    return { pubkey: fromBase64(signature.pub_key.value), signature: fromBase64(signature.signature) };
  }

  /** A read-only client: queries, getTx, broadcastTx of already signed bytes. */
  static override async connect(
    endpoint: string | HttpEndpoint,
    options: SigningStargateClientOptions = {},
  ): Promise<CiferClient> {
    return new CiferClient(await connectComet(endpoint), readOnlySigner, options);
  }

  static override async connectWithSigner(
    endpoint: string | HttpEndpoint,
    signer: OfflineSigner,
    options: SigningStargateClientOptions = {},
  ): Promise<CiferClient> {
    return new CiferClient(await connectComet(endpoint), signer, options);
  }

  static override createWithSigner(
    cometClient: CometClient,
    signer: OfflineSigner,
    options: SigningStargateClientOptions = {},
  ): CiferClient {
    return new CiferClient(cometClient, signer, options);
  }

  /** For offline signing: no network; pass explicit SignerData to sign(). */
  static override async offline(
    signer: OfflineSigner,
    options: SigningStargateClientOptions = {},
  ): Promise<CiferClient> {
    return new CiferClient(undefined, signer, options);
  }

  /**
   * The protobuf query client: CosmJS's auth, bank, staking, distribution, slashing and tx extensions
   * and the cifer reputation, fl and market extensions, over this client's CometBFT connection.
   */
  get query(): CiferQueryClient {
    this.extendedQuery ??= QueryClient.withExtensions(
      this.forceGetCometClient(),
      setupAuthExtension,
      setupBankExtension,
      setupStakingExtension,
      setupDistributionExtension,
      setupSlashingExtension,
      setupTxExtension,
      setupReputationExtension,
      setupFlExtension,
      setupMarketExtension,
    );
    return this.extendedQuery;
  }

  async status(): Promise<ChainStatus> {
    const s = await this.forceGetCometClient().status();
    const pk = s.validatorInfo.pubkey;
    return {
      chainId: s.nodeInfo.network,
      moniker: s.nodeInfo.moniker,
      nodeId: toHex(s.nodeInfo.id),
      nodeVersion: s.nodeInfo.version,
      latestBlockHeight: s.syncInfo.latestBlockHeight,
      latestBlockTime: s.syncInfo.latestBlockTime.toISOString(),
      latestBlockHash: toHex(s.syncInfo.latestBlockHash).toUpperCase(),
      catchingUp: s.syncInfo.catchingUp,
      validator: {
        address: toHex(s.validatorInfo.address).toUpperCase(),
        votingPower: s.validatorInfo.votingPower.toString(),
        ...(pk ? { pubkey: { type: pk.algorithm, value: toBase64(pk.data) } } : {}),
      },
    };
  }

  /** Throws unless the node serves `expected` (guards against signing for the wrong network). */
  async assertChainId(expected: string): Promise<void> {
    const actual = await this.getChainId();
    if (actual !== expected)
      throw new Error(`chain id mismatch: the node serves ${actual}, expected ${expected}`);
  }

  /** Bank send with amount strings ("1.5CIF", "1000ucif"). Default fee: simulated gas x 1.4 at the gas price. */
  async bankSend(args: {
    from: string;
    to: string;
    amount: string | readonly Coin[];
    fee?: Fee;
    memo?: string;
  }): Promise<DeliverTxResponse> {
    return this.signAndBroadcast(
      args.from,
      [msgSend(args.from, args.to, args.amount)],
      args.fee ?? "auto",
      args.memo ?? "",
    );
  }

  /** Gas used by a simulation of these messages (what "auto" fees multiply). */
  async estimateGas(signer: string, messages: readonly EncodeObject[], memo = ""): Promise<number> {
    return this.simulate(signer, messages, memo);
  }
}
