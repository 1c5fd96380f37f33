import { SdkCode, sdkError } from "../app/errors.ts";

/** Mempool rejections carry the Cosmos SDK's codes so that clients see familiar (codespace, code) pairs. */
export const mempoolErrors = {
  tooLarge: (size: number, max: number) =>
    sdkError(SdkCode.TxTooLarge, `tx too large: ${size} bytes, this node accepts at most ${max}`),
  duplicate: () => sdkError(SdkCode.TxInMempoolCache, "tx already exists in cache"),
  full: (count: number, bytes: number) =>
    sdkError(SdkCode.MempoolIsFull, `mempool is full: number of txs ${count}, total txs bytes ${bytes}`),
  senderLimit: (sender: string, limit: number) =>
    sdkError(
      SdkCode.MempoolIsFull,
      `sender ${sender} already has ${limit} txs in the mempool; wait for them to be included`,
    ),
};
