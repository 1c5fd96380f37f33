import assert from "node:assert/strict";
import { decodeTxRaw } from "@cosmjs/proto-signing";
import type { StargateClient } from "@cosmjs/stargate";

/** An account's ucif balance, through unmodified CosmJS. */
export const ucifBalance = async (reader: StargateClient, address: string) =>
  BigInt((await reader.getBalance(address, "ucif")).amount);

/** The ucif fee a committed tx paid, read back from the chain's tx index. */
export async function ucifFee(reader: StargateClient, hash: string): Promise<bigint> {
  const tx = await reader.getTx(hash);
  assert.ok(tx, `tx ${hash} is indexed`);
  const fee = decodeTxRaw(tx.tx).authInfo.fee!.amount;
  return fee.reduce((s, c) => s + (c.denom === "ucif" ? BigInt(c.amount) : 0n), 0n);
}
