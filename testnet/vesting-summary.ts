import { createProtobufRpcClient, QueryClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { QueryClientImpl as AuthQuery } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { QueryClientImpl as BankQuery } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { ContinuousVestingAccount } from "cosmjs-types/cosmos/vesting/v1beta1/vesting";
import { formatCif } from "../client/amounts.ts";
import { DENOM, DEV_MNEMONIC, LOCAL_VESTING } from "../chain/wiring/genesis.ts";
import { hdAddress } from "../chain/wiring/hd-address.ts";

/**
 * One line per local vesting account (founders, advisors), read from the chain: what it holds, until
 * when it vests, and what is spendable now. Accounts that are not vesting (a testnet created before
 * vesting genesis accounts existed) are left out.
 */
export async function vestingSummary(rpcUrl: string): Promise<string[]> {
  const comet = await Comet38Client.connect(rpcUrl);
  try {
    const rpc = createProtobufRpcClient(new QueryClient(comet));
    const auth = new AuthQuery(rpc);
    const bank = new BankQuery(rpc);
    const lines: string[] = [];
    for (const v of LOCAL_VESTING) {
      const address = hdAddress(DEV_MNEMONIC, v.hdIndex);
      const any = (await auth.Account({ address }).catch(() => undefined))?.account;
      if (any?.typeUrl !== "/cosmos.vesting.v1beta1.ContinuousVestingAccount") continue;
      const bva = ContinuousVestingAccount.decode(any.value).baseVestingAccount!;
      const total = bva.originalVesting.find((c) => c.denom === DENOM)?.amount ?? "0";
      const until = new Date(Number(bva.endTime) * 1000).toISOString().slice(0, 10);
      const spendable =
        (await bank.SpendableBalanceByDenom({ address, denom: DENOM })).balance?.amount ?? "0";
      lines.push(
        `  ${v.allocation.padEnd(9)} ${address}  ${formatCif(total)} CIF vesting until ${until}, ${formatCif(spendable)} CIF spendable  (m/44'/118'/0'/0/${v.hdIndex})`,
      );
    }
    return lines;
  } finally {
    comet.disconnect();
  }
}
