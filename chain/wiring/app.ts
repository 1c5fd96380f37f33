import { App } from "../app/app.ts";
import { moduleAddress } from "../crypto/address.ts";
import type { KVReader } from "../store/kv.ts";
import type { GasPrice } from "../types/gas-price.ts";
import { FEE_COLLECTOR, newAnteHandler } from "../../modules/auth/ante.ts";
import { AuthModule } from "../../modules/auth/module.ts";
import { BankModule } from "../../modules/bank/module.ts";
import { GenutilModule } from "../../modules/genutil/module.ts";
import { ReputationModule } from "../../modules/reputation/module.ts";
import { SlashingModule } from "../../modules/slashing/module.ts";
import { StakingModule } from "../../modules/staking/module.ts";
import { BONDED_POOL, NOT_BONDED_POOL } from "../../modules/staking/params.ts";
import { DistributionModule } from "../../modules/distribution/module.ts";
import { DISTRIBUTION_MODULE } from "../../modules/distribution/params.ts";
import { FlModule } from "../../modules/fl/module.ts";
import { FL_MODULE } from "../../modules/fl/params.ts";
import { currentEligible } from "../../modules/fl/committee.ts";
import { MarketModule } from "../../modules/market/module.ts";
import { MARKET_MODULE } from "../../modules/market/params.ts";
import { slash } from "../../modules/staking/slash.ts";
import { DENOM, MODULE_ACCOUNTS, TOTAL_SUPPLY_UCIF } from "./genesis.ts";

export interface AppWiringOptions {
  chainId: string;
  committed: KVReader;
  minGasPrices: () => GasPrice[];
}

/**
 * The app wiring (the Cosmos SDK's app.go): the one place in chain/ that names modules. Order matters:
 * genesis and block hooks run in this order.
 */
export function createApp(o: AppWiringOptions): App {
  const auth = new AuthModule();
  const bank = new BankModule({
    auth: auth.keeper,
    blockedAddresses: [
      FEE_COLLECTOR,
      BONDED_POOL,
      NOT_BONDED_POOL,
      DISTRIBUTION_MODULE,
      FL_MODULE,
      MARKET_MODULE,
      ...MODULE_ACCOUNTS.map((m) => m.name),
    ].map(moduleAddress),
    listAccounts: (ctx) => auth.addresses(ctx),
    fixedSupply: { denom: DENOM, amount: TOTAL_SUPPLY_UCIF },
  });
  const staking = new StakingModule({
    balance: (ctx, address, denom) => bank.keeper.getBalance(ctx, address, denom),
    delegateCoins: (ctx, delegator, pool, coins) => bank.keeper.delegateCoins(ctx, delegator, pool, coins),
    undelegateCoins: (ctx, pool, delegator, coins) =>
      bank.keeper.undelegateCoins(ctx, pool, delegator, coins),
    sendBetweenModules: (ctx, from, to, coins) =>
      bank.keeper.sendCoins(ctx, moduleAddress(from), moduleAddress(to), coins),
  });
  // Created before the other users of staking's hooks: as in the SDK, distribution's run first, so
  // rewards are settled before slashing and reputation react to the same change.
  const store = staking.keeper.store;
  const distribution = new DistributionModule(
    {
      validator: (ctx, val) => store.validator(ctx, val),
      validatorByCons: (ctx, cons) => store.validatorByCons(ctx, cons),
      delegation: (ctx, del, val) => store.delegation(ctx, del, val),
      delegationsOf: (ctx, del) => store.delegationsOf(ctx, del),
      bondDenom: async (ctx) => (await staking.keeper.params(ctx)).bondDenom,
      addHooks: (h) => staking.keeper.hooks.add(h),
    },
    bank.keeper,
    moduleAddress(FEE_COLLECTOR),
  );
  const ante = newAnteHandler({
    auth: auth.keeper,
    bank: bank.keeper,
    minGasPrices: o.minGasPrices,
    chainId: o.chainId,
    feeDenom: DENOM,
  });
  const reputation = new ReputationModule(staking.keeper);
  // fl reads validators and reputation to draw committees, slashes through staking, and sends the
  // deposits of failed disputes to distribution's community pool.
  const fl = new FlModule(
    {
      bondDenom: async (ctx) => (await staking.keeper.params(ctx)).bondDenom,
      validators: (ctx) => store.validators(ctx),
      validator: (ctx, val) => store.validator(ctx, val),
      slash: (ctx, cons, height, power, fraction) =>
        slash(ctx, staking.keeper, cons, height, power, fraction),
    },
    bank.keeper,
    reputation.keeper,
    distribution.keeper,
  );
  // market reads fl's task records (model provenance) and draws escrow committees as fl does.
  const market = new MarketModule(
    bank.keeper,
    distribution.keeper,
    {
      task: (ctx, id) => fl.keeper.store.task(ctx, id),
      modelSpec: (ctx, id) => fl.keeper.store.modelSpec(ctx, id),
      round: (ctx, id, round) => fl.keeper.store.round(ctx, id, round),
      participants: (ctx, id) => fl.keeper.store.participants(ctx, id),
      eligibleValidators: (ctx) => currentEligible(ctx, fl.keeper.staking, fl.keeper.reputation),
      maxParamCount: async (ctx) => (await fl.keeper.params(ctx)).maxParamCount,
    },
    async (ctx) => (await staking.keeper.params(ctx)).bondDenom,
  );
  // genutil last: its genesis transactions run once every other module's genesis is in place.
  return new App({
    chainId: o.chainId,
    modules: [
      auth,
      bank,
      reputation,
      staking,
      // The SDK's BeginBlock order: distribution (rewards for the last commit), then slashing
      // (liveness), then evidence (in slashing here).
      distribution,
      new SlashingModule(staking.keeper),
      // After slashing: a validator jailed in this BeginBlock is not drawn into a committee.
      fl,
      market,
      new GenutilModule(),
    ],
    ante,
    committed: o.committed,
  });
}
