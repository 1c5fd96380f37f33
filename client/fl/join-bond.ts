/**
 * A task's join bond (issue #6) as the joining trainer sees it: MsgJoinTask moves the bond from the
 * trainer to the module, so a trainer short of it is refused by the chain after paying the fee; the
 * CLI and the trainer SDK check the balance first and say what the bond is.
 */
import type { Coin } from "@cosmjs/proto-signing";
import type { Task } from "../../modules/fl/proto.ts";
import { BASE_DENOM, formatCoin } from "../amounts.ts";

/** The bond of `task` as a coin (amount "0" when it has none). */
export const joinBondOf = (task: Task): Coin => ({
  denom: task.rewardPool?.denom || BASE_DENOM,
  amount: task.joinBond || "0",
});

/**
 * Why `address` cannot pay the bond of `task`, or undefined when it can (or the task takes none).
 * The tx fee comes on top; the chain has the last word on it.
 */
export async function joinBondShortfall(
  client: { getBalance(address: string, denom: string): Promise<Coin> },
  address: string,
  task: Task,
): Promise<string | undefined> {
  const bond = joinBondOf(task);
  if (BigInt(bond.amount) === 0n) return undefined;
  const balance = await client.getBalance(address, bond.denom);
  if (BigInt(balance.amount) >= BigInt(bond.amount)) return undefined;
  return `joining task ${task.id} takes a bond of ${formatCoin(bond)} (returned when the task ends unless this trainer contributed nothing); ${address} has ${formatCoin(balance)}`;
}
