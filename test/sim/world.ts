import type { DuplicateVoteEvidence } from "cosmjs-types/tendermint/types/evidence";
import { decodeConsensusMessage, encodeConsensusMessage } from "../../chain/consensus/engine/messages.ts";
import type { ValidatorSet } from "../../chain/consensus/engine/proposer.ts";
import type { ConsensusMessage, Effect, EngineInput } from "../../chain/consensus/engine/types.ts";
import { verifyCommit } from "../../chain/consensus/verify-commit.ts";
import {
  ed25519Address,
  ed25519FromSeed,
  type Ed25519Key,
  verifyEd25519,
} from "../../chain/crypto/ed25519.ts";
import { sha256, toHexUpper, utf8 } from "../../chain/crypto/hash.ts";
import { evidenceKey, verifyDuplicateVote } from "../../chain/evidence/verify.ts";
import { advanceValidators } from "../../chain/state/transition.ts";
import { type Validator, type ValidatorUpdate, validatorsHash } from "../../chain/types/block.ts";
import { timestampFromMillis } from "../../chain/types/time.ts";
import { CommitChecker } from "./commit-check.ts";
import { byzantineBroadcast, type ByzantineNet, intruderAct } from "./byzantine.ts";
import { EventQueue } from "./event-queue.ts";
import { GENESIS_MS, MemoryWal, SimNode, type SimNodeSigner, type SimWal } from "./node.ts";
import { Prng } from "./prng.ts";
import { type CrashSpec, describeSchedule, type Schedule } from "./schedule.ts";
import { SIM_CHAIN_ID, SimChain, type StoredBlock, simGenesisState } from "./sim-chain.ts";
import { SimSigner } from "./sim-signer.ts";

type From = number | "intruder";
type SimEvent =
  | { kind: "deliver"; to: number; from: From; bytes: Uint8Array; forged: boolean }
  | { kind: "evidence"; to: number; evidence: DuplicateVoteEvidence }
  | { kind: "sync-req"; to: number; from: number; height: bigint }
  | { kind: "sync-resp"; to: number; blocks: StoredBlock[] }
  | { kind: "timer"; node: number; generation: number; input: EngineInput }
  | { kind: "crash"; spec: CrashSpec }
  | { kind: "restart"; node: number }
  | { kind: "sync-tick"; node: number }
  | { kind: "evidence-tick"; node: number }
  | { kind: "intruder-tick" }
  | { kind: "check" };

export interface SimResult {
  seed: number;
  description: string;
  violations: string[];
  /** Final height of each honest node. */
  heights: bigint[];
  simulatedMs: number;
  /** Simulated time from liveFrom until every honest node reached its target height. */
  liveAfterMs: number;
  events: number;
  evidenceDetected: number;
  peerErrors: number;
  /** Committed heights decided by a validator set other than the genesis one. */
  changedSetHeights: number;
}

export interface WorldHooks {
  /** Replace a validator's signer or WAL (e.g. the real FilePrivValidator and WAL file). */
  signerFor?: (id: number, key: Ed25519Key) => SimNodeSigner | undefined;
  walFor?: (id: number) => SimWal | undefined;
  /** Every message an engine asked to broadcast, before the network sees it. */
  onBroadcast?: (node: SimNode, message: ConsensusMessage) => void;
  log?: (line: string) => void;
}

const MAX_BLOCK_BYTES = 65_536;
const SYNC_EVERY_MS = 600;
const EVIDENCE_EVERY_MS = 1000;
const INTRUDER_EVERY_MS = 200;
const CHECK_EVERY_MS = 100;

/** Keys are costly to derive: schedules draw theirs from one lazily built pool. */
const KEY_POOL_SIZE = 64;
const keyPool: Ed25519Key[] = [];
function poolKey(i: number): Ed25519Key {
  const k = i % KEY_POOL_SIZE;
  while (keyPool.length <= k) keyPool.push(ed25519FromSeed(sha256(utf8(`sim-key/${keyPool.length}`))));
  return keyPool[k]!;
}

/**
 * The simulated world: validators running the real engine and host code, a network with loss,
 * delay, duplication and partitions, a virtual clock and one seeded PRNG. Properties are checked
 * as events happen (agreement, commit validity, honest peers never blamed) and at the end
 * (liveness after `liveFrom`, every detected equivocation committed, no double-sign requests).
 */
export class World implements ByzantineNet {
  now = 0;
  readonly rng: Prng;
  readonly nodes: SimNode[] = [];
  readonly violations: string[] = [];
  private readonly queue = new EventQueue<SimEvent>();
  private readonly validators: Validator[];
  /** Index h - 1: the sets after block h - 1 (index 0: genesis); their `validators` decide height h. */
  private readonly valSets: ReturnType<typeof advanceValidators>[] = [];
  private readonly agreed = new Map<bigint, string>();
  private readonly detected = new Map<string, number>();
  private readonly intruderKey: Ed25519Key;
  private readonly commits = new CommitChecker(SIM_CHAIN_ID);
  /** Signature results shared by the simulated nodes (each would compute the same). */
  private readonly verified = new Map<string, boolean>();
  private readonly verify = (pubKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
    const key = Buffer.concat([pubKey, signature, message]).toString("base64");
    let ok = this.verified.get(key);
    if (ok === undefined) {
      ok = verifyEd25519(pubKey, message, signature);
      this.verified.set(key, ok);
    }
    return ok;
  };
  private baseHeight: bigint | undefined;
  private done = false;
  private events = 0;
  private peerErrors = 0;

  constructor(
    readonly schedule: Schedule,
    private readonly hooks: WorldHooks = {},
  ) {
    this.rng = new Prng(schedule.seed ^ 0x5eed);
    const picks = this.rng.shuffle([...Array(KEY_POOL_SIZE).keys()]);
    const keys = schedule.powers.map((_, i) => poolKey(picks[i]!));
    this.validators = keys.map((k, i) => ({
      address: ed25519Address(k.pubkey),
      pubKey: k.pubkey,
      votingPower: schedule.powers[i]!,
      name: `n${i}`,
    }));
    this.intruderKey = poolKey(picks[schedule.powers.length]!);
    const genesis = simGenesisState(this.validators, timestampFromMillis(GENESIS_MS));
    this.valSets.push(genesis);
    const validationMemo = new Map<string, string | null>();
    keys.forEach((key, i) => {
      const byz = schedule.byzantine.get(i) ?? null;
      const signer = hooks.signerFor?.(i, key) ?? new SimSigner(key, byz === null);
      const wal = hooks.walFor?.(i) ?? new MemoryWal();
      this.nodes.push(
        new SimNode(
          i,
          key,
          signer,
          wal,
          new SimChain(genesis, {
            validationMemo,
            updatesAt: (h) => this.updatesAt(h),
            validatorsAt: (h) => this.validatorSet(h).validators,
          }),
          byz,
          this.rng.fork(),
        ),
      );
    });
  }

  get liveFrom(): number {
    return this.schedule.liveFrom;
  }

  /** The schedule's validator-set changes the simulated app returns at `height`. */
  updatesAt(height: bigint): ValidatorUpdate[] {
    return this.schedule.powerChanges
      .filter((c) => c.height === height)
      .map((c) => ({ pubKey: this.validators[c.node]!.pubKey, power: c.power }));
  }

  /** Every node's chain state moves its sets the same way; this follows them without a chain. */
  validatorSet(height: bigint): ValidatorSet {
    while (BigInt(this.valSets.length) < height) {
      const h = BigInt(this.valSets.length);
      this.valSets.push(advanceValidators(this.valSets.at(-1)!, h, this.updatesAt(h)));
    }
    return this.valSets[Number(height) - 1]!.validators;
  }

  run(): SimResult {
    const s = this.schedule;
    for (const node of this.nodes) this.boot(node);
    for (const c of s.crashes) this.queue.push(c.at, { kind: "crash", spec: c });
    for (const node of this.nodes) {
      this.queue.push(this.rng.int(SYNC_EVERY_MS), { kind: "sync-tick", node: node.id });
      this.queue.push(this.rng.int(EVIDENCE_EVERY_MS), { kind: "evidence-tick", node: node.id });
    }
    if (s.intruder) this.queue.push(INTRUDER_EVERY_MS, { kind: "intruder-tick" });
    this.queue.push(CHECK_EVERY_MS, { kind: "check" });
    const deadline = s.liveFrom + s.livenessBoundMs;
    while (!this.done) {
      const ev = this.queue.pop();
      if (!ev) break;
      this.now = ev.time;
      this.events++;
      this.dispatch(ev.item, deadline);
      if (this.violations.length > 0 && !this.done) this.done = this.violations.length >= 5;
    }
    this.finalChecks();
    let top = 0n;
    for (const n of this.nodes) if (n.chain.height > top) top = n.chain.height;
    const genesisHash = toHexUpper(validatorsHash(this.validatorSet(1n).validators));
    let changedSetHeights = 0;
    for (let h = 1n; h <= top; h++)
      if (toHexUpper(validatorsHash(this.validatorSet(h).validators)) !== genesisHash) changedSetHeights++;
    return {
      seed: s.seed,
      description: describeSchedule(s),
      violations: this.violations,
      heights: this.nodes.filter((n) => n.honest).map((n) => n.chain.height),
      simulatedMs: this.now,
      liveAfterMs: this.now - s.liveFrom,
      events: this.events,
      evidenceDetected: this.detected.size,
      peerErrors: this.peerErrors,
      changedSetHeights,
    };
  }

  private violation(what: string): void {
    if (this.violations.length < 20) this.violations.push(`t=${this.now}ms ${what}`);
  }

  private log(node: SimNode | null, line: string): void {
    this.hooks.log?.(`[${String(this.now).padStart(6)}ms] ${node?.name ?? "--"} ${line}`);
  }

  // ---- events --------------------------------------------------------------------------------

  private dispatch(ev: SimEvent, deadline: number): void {
    switch (ev.kind) {
      case "deliver":
        this.deliver(ev.to, ev.from, ev.bytes, ev.forged);
        return;
      case "evidence": {
        const node = this.nodes[ev.to]!;
        if (node.up) node.chain.addEvidence(ev.evidence);
        return;
      }
      case "sync-req":
        this.serveSync(ev.to, ev.from, ev.height);
        return;
      case "sync-resp":
        this.applySynced(ev.to, ev.blocks);
        return;
      case "timer": {
        const node = this.nodes[ev.node]!;
        if (!node.up || !node.engine || node.generation !== ev.generation) return;
        this.perform(node, node.engine.handle(ev.input));
        return;
      }
      case "crash":
        this.crash(ev.spec);
        return;
      case "restart": {
        const node = this.nodes[ev.node]!;
        node.up = true;
        this.log(node, `restarts at height ${node.chain.height + 1n}`);
        this.boot(node);
        return;
      }
      case "sync-tick":
        this.syncTick(ev.node);
        return;
      case "evidence-tick": {
        const node = this.nodes[ev.node]!;
        if (node.up && (node.honest || this.now < this.liveFrom))
          for (const e of node.chain.pendingEvidence.values()) this.gossipEvidence(node, e);
        this.queue.push(this.now + EVIDENCE_EVERY_MS, ev);
        return;
      }
      case "intruder-tick":
        intruderAct(this, this.intruderKey);
        this.queue.push(this.now + INTRUDER_EVERY_MS, ev);
        return;
      case "check":
        this.check(deadline);
        if (!this.done) this.queue.push(this.now + CHECK_EVERY_MS, ev);
        return;
    }
  }

  private boot(node: SimNode): void {
    const effects = node.boot({
      now: () => this.now,
      timeouts: this.schedule.timeouts,
      validatorSet: (h) => this.validatorSet(h),
      verify: this.verify,
    });
    this.perform(node, effects);
  }

  private crash(spec: CrashSpec): void {
    const node = this.nodes[spec.node]!;
    if (spec.mode === "after-wal-vote") {
      node.crashAfterWalVote = true;
      return;
    }
    this.crashNow(node, spec.restartAfterMs);
  }

  private crashNow(node: SimNode, restartAfterMs: number): void {
    this.log(node, `crashes at height ${node.chain.height + 1n}`);
    node.crash();
    this.queue.push(this.now + restartAfterMs, { kind: "restart", node: node.id });
  }

  // ---- effects -------------------------------------------------------------------------------

  /** Performs an engine's effects in order, as a host must. */
  private perform(node: SimNode, effects: Effect[]): void {
    const work = effects.slice();
    for (let i = 0; i < work.length; i++) {
      if (!node.up || !node.engine) return;
      const e = work[i]!;
      switch (e.kind) {
        case "wal":
          node.wal.write(e.entry, e.sync);
          if (
            node.crashAfterWalVote &&
            e.entry.kind === "message" &&
            e.entry.own &&
            e.entry.message.kind === "vote"
          ) {
            const spec = this.schedule.crashes.find((c) => c.node === node.id);
            this.crashNow(node, spec?.restartAfterMs ?? 500);
            return;
          }
          break;
        case "broadcast":
          this.hooks.onBroadcast?.(node, e.message);
          if (node.honest) {
            const bytes = encodeConsensusMessage(e.message);
            for (const p of this.nodes) if (p !== node) this.sendRaw(node, p, bytes);
          } else byzantineBroadcast(this, node, e.message);
          break;
        case "schedule":
          this.queue.push(this.now + e.ms, {
            kind: "timer",
            node: node.id,
            generation: node.generation,
            input: { kind: "timeout", height: e.height, round: e.round, step: e.step },
          });
          break;
        case "commit": {
          if (node.honest) {
            const why = this.commits.check(
              this.validatorSet(e.height).validators,
              e.blockId,
              e.height,
              e.commit,
            );
            if (why) this.violation(`${node.name} committed ${e.height} without a valid +2/3 commit: ${why}`);
          }
          this.applyBlock(node, {
            block: e.block,
            bytes: e.blockBytes,
            blockId: e.blockId,
            commit: e.commit,
          });
          work.push(...node.engine.handle({ kind: "applied", height: e.height }));
          break;
        }
        case "evidence":
          this.onEvidence(node, e.evidence);
          break;
        case "peer-error":
          this.peerErrors++;
          if (this.nodes.some((n) => n.honest && n.name === e.peer))
            this.violation(`${node.name} blamed honest ${e.peer}: ${e.code} ${e.reason}`);
          break;
        case "log":
          if (this.hooks.log)
            this.log(
              node,
              `${e.level} ${e.message} ${e.fields ? JSON.stringify(e.fields, (_, v) => (typeof v === "bigint" ? String(v) : v)) : ""}`,
            );
          break;
      }
    }
  }

  private applyBlock(node: SimNode, stored: StoredBlock): void {
    const h = stored.block.header.height;
    if (node.honest) {
      const key = toHexUpper(stored.blockId.hash);
      const prev = this.agreed.get(h);
      if (prev === undefined) this.agreed.set(h, key);
      else if (prev !== key)
        this.violation(`agreement: ${node.name} committed ${key} at ${h}, another honest node ${prev}`);
    }
    node.chain.apply(stored);
    node.committedAt.set(h, this.now);
    this.log(
      node,
      `commits ${h} ${toHexUpper(stored.blockId.hash).slice(0, 12)} (${stored.block.evidence.evidence.length} evidence)`,
    );
  }

  private onEvidence(node: SimNode, ev: DuplicateVoteEvidence): void {
    if (!node.honest) return;
    try {
      verifyDuplicateVote(SIM_CHAIN_ID, ev, this.validatorSet(ev.voteA?.height ?? 0n).validators);
    } catch (err) {
      this.violation(`${node.name} reported invalid evidence: ${(err as Error).message}`);
      return;
    }
    const key = evidenceKey(ev);
    if (!this.detected.has(key)) this.detected.set(key, this.now);
    if (node.chain.addEvidence(ev)) this.gossipEvidence(node, ev);
  }

  private gossipEvidence(node: SimNode, evidence: DuplicateVoteEvidence): void {
    for (const p of this.nodes)
      if (p !== node && this.link(node.id, p.id))
        this.queue.push(this.now + this.delay(), { kind: "evidence", to: p.id, evidence });
  }

  // ---- network -------------------------------------------------------------------------------

  private partitioned(a: number, b: number): boolean {
    for (const p of this.schedule.network.partitions) {
      if (this.now < p.start || this.now >= p.end) continue;
      const ga = p.groups.findIndex((g) => g.includes(a));
      const gb = p.groups.findIndex((g) => g.includes(b));
      if (ga !== gb) return true;
    }
    return false;
  }

  /** Whether a message from a to b survives (partitions and loss). */
  private link(a: number, b: number): boolean {
    if (this.partitioned(a, b)) return false;
    return !this.rng.chance(this.schedule.network.lossPermille);
  }

  private delay(): number {
    const n = this.schedule.network;
    if (this.now < this.liveFrom && this.rng.chance(n.slowPermille))
      return this.rng.range(n.maxDelayMs, n.slowMaxMs);
    return this.rng.range(n.minDelayMs, n.maxDelayMs);
  }

  sendRaw(from: SimNode | "intruder", to: SimNode, bytes: Uint8Array, forged = false): void {
    const fromId = from === "intruder" ? "intruder" : from.id;
    if (fromId !== "intruder" && !this.link(fromId, to.id)) return;
    const copies = this.rng.chance(this.schedule.network.dupPermille) ? 2 : 1;
    for (let i = 0; i < copies; i++)
      this.queue.push(this.now + this.delay(), { kind: "deliver", to: to.id, from: fromId, bytes, forged });
  }

  private deliver(to: number, from: From, bytes: Uint8Array, forged: boolean): void {
    const node = this.nodes[to]!;
    if (!node.up || !node.engine) return;
    const fromName = from === "intruder" ? "intruder" : `n${from}`;
    if (node.byzantine?.includes("replay")) {
      node.heard.push(bytes);
      if (node.heard.length > 200) node.heard.shift();
    }
    let message: ConsensusMessage;
    try {
      message = decodeConsensusMessage(bytes, MAX_BLOCK_BYTES);
    } catch (err) {
      if (from !== "intruder" && this.nodes[from]!.honest)
        this.violation(
          `${node.name} could not decode a message from honest ${fromName}: ${(err as Error).message}`,
        );
      return;
    }
    const engine = node.engine;
    const before = { height: engine.height, round: engine.round };
    const effects = engine.handle({ kind: "message", message, from: fromName });
    if (
      forged &&
      message.kind === "vote" &&
      message.vote.height === before.height &&
      message.vote.round <= before.round &&
      !effects.some((e) => e.kind === "peer-error" && e.peer === "intruder")
    )
      this.violation(
        `${node.name} did not refuse a forged vote (${message.vote.height}/${message.vote.round})`,
      );
    this.perform(node, effects);
  }

  // ---- block sync ----------------------------------------------------------------------------

  private syncTick(id: number): void {
    const node = this.nodes[id]!;
    if (node.up && node.engine) {
      const peer = this.rng.pick(this.nodes.filter((p) => p !== node));
      if (this.link(id, peer.id))
        this.queue.push(this.now + this.delay(), {
          kind: "sync-req",
          to: peer.id,
          from: id,
          height: node.chain.height + 1n,
        });
    }
    this.queue.push(this.now + SYNC_EVERY_MS, { kind: "sync-tick", node: id });
  }

  private serveSync(id: number, requester: number, from: bigint): void {
    const node = this.nodes[id]!;
    if (!node.up || node.chain.height < from) return;
    const blocks = node.chain.blocks.slice(Number(from) - 1, Number(from) + 4);
    if (this.link(id, requester))
      this.queue.push(this.now + this.delay(), { kind: "sync-resp", to: requester, blocks });
  }

  /** Block sync: verify each block's commit against its validator set, validate, apply. */
  private applySynced(id: number, blocks: StoredBlock[]): void {
    const node = this.nodes[id]!;
    for (const b of blocks) {
      if (!node.up || !node.engine) return;
      const h = b.block.header.height;
      if (h !== node.chain.height + 1n) continue;
      try {
        verifyCommit(SIM_CHAIN_ID, this.validatorSet(h).validators as Validator[], b.blockId, h, b.commit);
      } catch {
        return;
      }
      if (node.chain.validate(b.block, b.bytes) !== null) return;
      this.log(node, `block sync: ${h}`);
      this.applyBlock(node, b);
      this.perform(node, node.engine.handle({ kind: "applied", height: h }));
    }
  }

  // ---- properties ----------------------------------------------------------------------------

  private check(deadline: number): void {
    if (this.now < this.liveFrom) return;
    const honest = this.nodes.filter((n) => n.honest);
    if (this.baseHeight === undefined) {
      let base = 0n;
      for (const n of honest) if (n.chain.height > base) base = n.chain.height;
      this.baseHeight = base;
    }
    const target = this.baseHeight + BigInt(this.schedule.targetHeights);
    const behind = honest.filter((n) => n.chain.height < target);
    const missing = [...this.detected.keys()].filter((k) =>
      honest.some((n) => !n.chain.committedEvidence.has(k)),
    );
    if (behind.length === 0 && missing.length === 0) {
      this.done = true;
      return;
    }
    if (this.now >= deadline) {
      for (const n of behind)
        this.violation(
          `liveness: ${n.name} at height ${n.chain.height}, needed ${target} (${this.schedule.livenessBoundMs}ms after ${this.liveFrom}ms)`,
        );
      for (const k of missing)
        this.violation(`evidence ${k} detected at ${this.detected.get(k)}ms was never committed everywhere`);
      this.done = true;
    }
  }

  private finalChecks(): void {
    const byzantine = new Set(
      [...this.schedule.byzantine.keys()].map((id) => toHexUpper(this.validators[id]!.address)),
    );
    for (const n of this.nodes) {
      if (!n.honest) continue;
      if (n.signer.refusals > 0)
        this.violation(`${n.name}'s engine asked its signer to double-sign ${n.signer.refusals} time(s)`);
      for (const key of n.chain.committedEvidence.keys()) {
        const addr = key.split("/")[0]!;
        if (!byzantine.has(addr))
          this.violation(`${n.name} committed evidence against an honest validator: ${key}`);
      }
    }
  }
}

export function runSchedule(schedule: Schedule, hooks: WorldHooks = {}): SimResult {
  return new World(schedule, hooks).run();
}
