import { ValidatorSigningInfo } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import { BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context, LastCommitVote, Misbehavior } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import { toAddress } from "../../chain/crypto/address.ts";
import { concatBytes, fromUtf8, utf8 } from "../../chain/crypto/hash.ts";
import { iteratePrefix } from "../../chain/store/kv.ts";
import { Dec } from "../../chain/types/dec.ts";
import { blockTime, type StakingKeeper, timeLte, addSeconds } from "../staking/keeper.ts";
import { slash } from "../staking/slash.ts";
import { VALCONS_PREFIX } from "../staking/store.ts";
import {
  DEFAULT_SLASHING_PARAMS,
  DOUBLE_SIGN_JAIL_END,
  maxMissedBlocks,
  type SlashingParams,
} from "./params.ts";

export const SLASHING_STORE_KEY = "slashing";
const KEY_PARAMS = utf8("p");
const INFO = utf8("i/");
const MISSED = utf8("m/");
const lp = (a: Uint8Array) => concatBytes(Uint8Array.of(a.length), a);
const infoKey = (cons: Uint8Array) => concatBytes(INFO, lp(cons));
const missedPrefix = (cons: Uint8Array) => concatBytes(MISSED, lp(cons));
function missedKey(cons: Uint8Array, index: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(index);
  return concatBytes(missedPrefix(cons), b);
}

/** CometBFT applies a validator update one block later than the app returns it (ValidatorUpdateDelay). */
const VALIDATOR_UPDATE_DELAY = 1n;

export const consAddressString = (cons: Uint8Array) => toAddress(cons, VALCONS_PREFIX);

/**
 * x/slashing (SDK v0.50) with x/evidence's equivocation handling: liveness over a sliding window
 * of the validator's last blocks (slash, jail for a while) and double signing (slash 5%, jail for
 * good, tombstone). Signing infos are keyed by consensus address.
 */
export class SlashingKeeper {
  constructor(readonly staking: StakingKeeper) {}

  private kv(ctx: Context) {
    return ctx.kv(SLASHING_STORE_KEY);
  }

  async params(ctx: Context): Promise<SlashingParams> {
    const raw = await this.kv(ctx).get(KEY_PARAMS);
    if (!raw) return DEFAULT_SLASHING_PARAMS;
    const j = JSON.parse(fromUtf8(raw)) as Record<string, string>;
    return {
      signedBlocksWindow: BigInt(j.signedBlocksWindow!),
      minSignedPerWindow: Dec.fromProto(j.minSignedPerWindow!),
      downtimeJailSeconds: BigInt(j.downtimeJailSeconds!),
      slashFractionDoubleSign: Dec.fromProto(j.slashFractionDoubleSign!),
      slashFractionDowntime: Dec.fromProto(j.slashFractionDowntime!),
    };
  }

  setParams(ctx: Context, p: SlashingParams): void {
    const j = {
      signedBlocksWindow: p.signedBlocksWindow.toString(),
      minSignedPerWindow: p.minSignedPerWindow.toProto(),
      downtimeJailSeconds: p.downtimeJailSeconds.toString(),
      slashFractionDoubleSign: p.slashFractionDoubleSign.toProto(),
      slashFractionDowntime: p.slashFractionDowntime.toProto(),
    };
    this.kv(ctx).set(KEY_PARAMS, utf8(JSON.stringify(j)));
  }

  async signingInfo(ctx: Context, cons: Uint8Array): Promise<ValidatorSigningInfo | undefined> {
    const raw = await this.kv(ctx).get(infoKey(cons));
    return raw ? ValidatorSigningInfo.decode(raw) : undefined;
  }

  setSigningInfo(ctx: Context, cons: Uint8Array, info: ValidatorSigningInfo): void {
    this.kv(ctx).set(infoKey(cons), ValidatorSigningInfo.encode(info).finish());
  }

  async *signingInfos(ctx: Context): AsyncIterable<ValidatorSigningInfo> {
    for await (const [, v] of iteratePrefix(this.kv(ctx), INFO)) yield ValidatorSigningInfo.decode(v);
  }

  /** AfterValidatorBonded: a new signing info, or the old one with a fresh start height. */
  async bonded(ctx: Context, cons: Uint8Array): Promise<void> {
    const info = await this.signingInfo(ctx, cons);
    this.setSigningInfo(
      ctx,
      cons,
      info
        ? { ...info, startHeight: ctx.block.height }
        : {
            address: consAddressString(cons),
            startHeight: ctx.block.height,
            indexOffset: 0n,
            jailedUntil: { seconds: 0n, nanos: 0 },
            tombstoned: false,
            missedBlocksCounter: 0n,
          },
    );
  }

  /** HandleValidatorSignature for one vote of the last commit. */
  async handleSignature(ctx: Context, vote: LastCommitVote): Promise<void> {
    const cons = vote.validatorAddress;
    const v = await this.staking.store.validatorByCons(ctx, cons);
    if (!v || v.jailed) return;
    const info = await this.signingInfo(ctx, cons);
    if (!info) return;
    const p = await this.params(ctx);
    const index = info.indexOffset % p.signedBlocksWindow;
    let { missedBlocksCounter } = info;
    const key = missedKey(cons, index);
    const previous = (await this.kv(ctx).get(key)) !== undefined;
    const missed = !vote.signed;
    if (!previous && missed) {
      this.kv(ctx).set(key, Uint8Array.of(1));
      missedBlocksCounter++;
    } else if (previous && !missed) {
      this.kv(ctx).delete(key);
      missedBlocksCounter--;
    }
    const next: ValidatorSigningInfo = { ...info, indexOffset: info.indexOffset + 1n, missedBlocksCounter };
    if (missed)
      ctx.events.emit(
        event("liveness", [
          ["address", info.address],
          ["missed_blocks", missedBlocksCounter.toString()],
          ["height", ctx.block.height.toString()],
        ]),
      );
    const height = ctx.block.height;
    if (height > info.startHeight + p.signedBlocksWindow && missedBlocksCounter > maxMissedBlocks(p)) {
      // The stake that signed the block: its height is two before this one (update delay + last commit).
      const burned = await slash(
        ctx,
        this.staking,
        cons,
        height - VALIDATOR_UPDATE_DELAY - 1n,
        vote.power,
        p.slashFractionDowntime,
      );
      ctx.events.emit(
        event("slash", [
          ["address", info.address],
          ["power", vote.power.toString()],
          ["reason", "missing_signature"],
          ["jailed", info.address],
          ["burned_coins", burned.toString()],
        ]),
      );
      await this.staking.jail(ctx, (await this.staking.store.validatorByCons(ctx, cons))!);
      next.jailedUntil = addSeconds(blockTime(ctx), p.downtimeJailSeconds);
      // Reset, or the validator would be slashed again the moment it is back.
      next.missedBlocksCounter = 0n;
      next.indexOffset = 0n;
      await this.clearMissed(ctx, cons);
    }
    this.setSigningInfo(ctx, cons, next);
  }

  private async clearMissed(ctx: Context, cons: Uint8Array): Promise<void> {
    const keys: Uint8Array[] = [];
    for await (const [k] of iteratePrefix(this.kv(ctx), missedPrefix(cons))) keys.push(Uint8Array.from(k));
    for (const k of keys) this.kv(ctx).delete(k);
  }

  /** x/evidence HandleEquivocationEvidence: slash at the infraction, jail for good, tombstone. */
  async handleDoubleSign(ctx: Context, m: Misbehavior): Promise<void> {
    const cons = m.validatorAddress;
    const v = await this.staking.store.validatorByCons(ctx, cons);
    // An unbonded validator no longer poses a threat; evidence about unknown keys cannot be handled.
    if (!v || v.status === BondStatus.BOND_STATUS_UNBONDED) return;
    const info = await this.signingInfo(ctx, cons);
    if (!info || info.tombstoned) return;
    const p = await this.params(ctx);
    const burned = await slash(
      ctx,
      this.staking,
      cons,
      m.height - VALIDATOR_UPDATE_DELAY,
      m.validatorPower,
      p.slashFractionDoubleSign,
    );
    ctx.events.emit(
      event("slash", [
        ["address", info.address],
        ["power", m.validatorPower.toString()],
        ["reason", "double_sign"],
        ["burned_coins", burned.toString()],
      ]),
    );
    const after = await this.staking.store.validatorByCons(ctx, cons);
    if (after && !after.jailed) await this.staking.jail(ctx, after);
    this.setSigningInfo(ctx, cons, { ...info, jailedUntil: DOUBLE_SIGN_JAIL_END, tombstoned: true });
  }

  /** Whether a jailed validator may leave jail now (MsgUnjail's signing-info checks). */
  async unjailAllowed(ctx: Context, cons: Uint8Array): Promise<"ok" | "tombstoned" | "too-early"> {
    const info = await this.signingInfo(ctx, cons);
    if (!info) return "ok";
    if (info.tombstoned) return "tombstoned";
    return timeLte(info.jailedUntil!, blockTime(ctx)) ? "ok" : "too-early";
  }
}
