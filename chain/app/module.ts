import type { ValidatorUpdate } from "../types/block.ts";
import type { Context } from "./context.ts";

/**
 * The one interface through which the chain core knows a module (DESIGN section 2). A module owns its
 * store key, its messages, its queries, its block hooks and its genesis.
 */
export interface MsgDef<T = unknown> {
  /** Any type URL, e.g. /cosmos.bank.v1beta1.MsgSend. */
  typeUrl: string;
  decode(bytes: Uint8Array): T;
  /** Bech32 addresses that must sign the tx, in order. */
  signers(msg: T): string[];
  /** Stateless checks (the SDK's ValidateBasic); throws a ChainError. */
  validateBasic(msg: T): void;
  /** Executes the message; returns the Any of its response, recorded in TxMsgData. */
  handle(ctx: Context, msg: T): Promise<{ typeUrl: string; value: Uint8Array }>;
}

export interface QueryDef {
  /** gRPC method path, e.g. /cosmos.bank.v1beta1.Query/Balance. */
  path: string;
  handle(ctx: Context, request: Uint8Array): Promise<Uint8Array>;
}

export interface AppModule {
  readonly name: string;
  readonly storeKey: string;
  msgs(): MsgDef<never>[];
  queries(): QueryDef[];
  beginBlock?(ctx: Context): Promise<void>;
  /**
   * Validator updates, if any, change the consensus set two heights later. Only staking returns
   * them, and only at epoch boundaries (DESIGN section 5): the chain applies what it is given.
   */
  endBlock?(ctx: Context): Promise<ValidatorUpdate[] | undefined>;
  /** Checks a genesis section without touching state; throws an Error that says what is wrong. */
  validateGenesis(state: unknown): void;
  initGenesis(ctx: Context, state: unknown): Promise<void>;
  /** Signed txs (TxRaw bytes) in the module's genesis section, delivered after every initGenesis (genutil). */
  genesisTxs?(state: unknown): Uint8Array[];
  /** After the genesis txs: the initial consensus set, if this module decides it (staking). */
  genesisValidators?(ctx: Context): Promise<ValidatorUpdate[]>;
  exportGenesis(ctx: Context): Promise<unknown>;
  /**
   * What must hold of the module's state after every block (the SDK's x/crisis invariants): the
   * broken ones, each described; empty when all hold. Tests check them after every block.
   */
  invariants?(ctx: Context): Promise<string[]>;
}
