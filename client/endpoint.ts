/** The RPC endpoint of a local node (`cifer node start`, validator 0 of `pnpm testnet`). */
export const DEFAULT_RPC_URL = "http://127.0.0.1:26657";
