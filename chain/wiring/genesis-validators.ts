import type { JsonObject } from "../types/json.ts";
import { buildGenesis, DEV_MNEMONIC, UCIF_PER_CIF } from "./genesis.ts";
import { buildGenTx, operatorAddress } from "./gentx.ts";

/** Local networks derive validator operator accounts from the dev mnemonic from this HD index on. */
export const VALIDATOR_OPERATOR_HD_BASE = 100;
/** Each local validator's operator gets this much, and bonds `LOCAL_SELF_DELEGATION` of it. */
export const LOCAL_OPERATOR_FUNDS = 11_000n * UCIF_PER_CIF;
export const LOCAL_SELF_DELEGATION = 10_000n * UCIF_PER_CIF;
/** Local networks: stake unbonds in 2 minutes and the validator set may change every 10 blocks. */
export const LOCAL_STAKING = { unbondingTimeSeconds: 120n, epochBlocks: 10n };

export interface StakedValidatorSpec {
  consensusPubKey: Uint8Array;
  moniker: string;
  /** Operator account: DEV_MNEMONIC (or `mnemonic`) at m/44'/118'/0'/0/hdIndex. */
  hdIndex: number;
  selfDelegation?: bigint;
  funds?: bigint;
}

/**
 * A genesis whose validators are created the way a real network's are: each operator is funded
 * and signs a gentx (MsgCreateValidator with its self-delegation); the chain's first set is what
 * staking makes of them at InitChain. Staking parameters default to the module's, and local
 * networks pass short ones (unbonding time, epoch length) so their effects can be watched.
 */
export async function buildStakedGenesis(o: {
  chainId: string;
  genesisTime: string;
  devAddresses: string[];
  validators: StakedValidatorSpec[];
  mnemonic?: string;
  staking?: { unbondingTimeSeconds?: bigint; epochBlocks?: bigint };
  /** Operators funded now that create their validators later (HD indexes of the mnemonic). */
  laterOperators?: number[];
}): Promise<JsonObject> {
  const gentxs = [];
  for (const v of o.validators) {
    gentxs.push(
      await buildGenTx({
        chainId: o.chainId,
        mnemonic: o.mnemonic ?? DEV_MNEMONIC,
        hdIndex: v.hdIndex,
        consensusPubKey: v.consensusPubKey,
        moniker: v.moniker,
        selfDelegation: v.selfDelegation ?? LOCAL_SELF_DELEGATION,
      }),
    );
  }
  const staking: JsonObject = {
    params: {
      ...(o.staking?.unbondingTimeSeconds ? { unbonding_time: `${o.staking.unbondingTimeSeconds}s` } : {}),
    },
    ...(o.staking?.epochBlocks ? { epoch_blocks: o.staking.epochBlocks.toString() } : {}),
  };
  const later = [];
  for (const hdIndex of o.laterOperators ?? [])
    later.push({
      address: await operatorAddress(o.mnemonic ?? DEV_MNEMONIC, hdIndex),
      amount: LOCAL_OPERATOR_FUNDS,
    });
  return buildGenesis({
    chainId: o.chainId,
    genesisTime: o.genesisTime,
    validators: [],
    devAddresses: o.devAddresses,
    fundedAccounts: [
      ...gentxs.map((g, i) => ({
        address: g.operator,
        amount: o.validators[i]!.funds ?? LOCAL_OPERATOR_FUNDS,
      })),
      ...later,
    ],
    appState: { staking, genutil: { gen_txs: gentxs.map((g) => g.txBase64) } },
  });
}
