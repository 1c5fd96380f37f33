/**
 * pnpm bench:aggregate [--updates 20] [--params 1000000] [--runs 3] [--seed 1]
 *
 * Each aggregation rule on n seeded float32 updates (four layers, 1M parameters in all, four of them
 * attackers), ours (`aggregate`, validation and canonical sort included) against NumPy doing the
 * same math in float64 (test/bench/aggregate_numpy.py) on the same bytes, in the same run: the
 * inputs go to a temp file both sides read. Prints best-of-runs ms, the ratio ours / NumPy, and
 * whether the two results are the same bytes (they need not be: NumPy's summation order and
 * tie-breaking differ from the canonical ones). Without python3 + numpy only our side runs.
 * Then privacy mode ckks: the whole encrypted path for --ckks-updates updates of --ckks-params
 * values (each trainer's encrypt and serialize, the committee's load and add, the owner's decrypt:
 * modules/fl/ckks/ops.ts) against a raw node-seal loop on the same values (encode, encrypt, add,
 * decrypt, decode, no serialization), in the same run.
 * Noisy machines: compare ratios, not absolute numbers.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchArgs } from "./args.ts";
import { toHexUpper } from "../../chain/crypto/hash.ts";
import { aggregate } from "../../modules/fl/aggregation/aggregate.ts";
import { aggregateHash, encodeLayers } from "../../modules/fl/aggregation/encoding.ts";
import type { AggregationRule, ModelUpdate } from "../../modules/fl/aggregation/types.ts";
import { decryptSum, encryptUpdate, generateCkksKeys, sumCiphertexts } from "../../modules/fl/ckks/ops.ts";
import { SCALE, SLOTS } from "../../modules/fl/ckks/params.ts";
import { loadSeal, scoped } from "../../modules/fl/ckks/seal.ts";

const USAGE = `pnpm bench:aggregate [options]
  --updates N       updates per rule (default 20, at least 7)
  --params P        float32 parameters per update (default 1000000, at least 1000)
  --runs R          runs per rule; the best is printed (default 3)
  --seed S          seed of the updates (default 1)
  --ckks-updates K  updates of the ckks row (default 8)
  --ckks-params V   values per ckks update (default 65536, at most --params)`;
const { values } = benchArgs(USAGE, () =>
  parseArgs({
    options: {
      updates: { type: "string", default: "20" },
      params: { type: "string", default: "1000000" },
      runs: { type: "string", default: "3" },
      seed: { type: "string", default: "1" },
      "ckks-updates": { type: "string", default: "8" },
      "ckks-params": { type: "string", default: "65536" },
    },
  }),
);
const N = Number(values.updates);
const P = Number(values.params);
const RUNS = Number(values.runs);
const F = Math.floor((N - 3) / 4); // the largest f Bulyan allows
if (!(N >= 7 && P >= 1000 && RUNS >= 1)) {
  console.error(USAGE);
  process.exit(2);
}
const BETA = 0.1;
const M = N - F;
// A dense model's shape: two big weight matrices, two biases.
const SHAPE = [Math.floor(P * 0.8), Math.floor(P * 0.001), 0, 0];
SHAPE[2] = Math.floor(P * 0.198);
SHAPE[3] = P - SHAPE[0]! - SHAPE[1]! - SHAPE[2]!;

/** xorshift32 + Box-Muller: the same updates for the same seed on every machine. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

const rand = gaussian(Number(values.seed));
const global = SHAPE.map((len) => Float64Array.from({ length: len }, () => rand() * 0.05));
const updates: ModelUpdate[] = [];
for (let i = 0; i < N; i++) {
  const attacker = i < F;
  const layers = global.map((g) => {
    const layer = new Float32Array(g.length);
    for (let c = 0; c < g.length; c++) {
      const honest = g[c]! + rand() * 0.01;
      // Half the attackers flip and scale their update, half send noise.
      layer[c] = !attacker ? honest : i % 2 === 0 ? -3 * honest : rand();
    }
    return layer;
  });
  updates.push({
    id: `cif1trainer${String(i).padStart(3, "0")}`,
    samples: 100 + ((i * 7919) % 4900),
    layers,
  });
}

const rules: AggregationRule[] = [
  { kind: "fedavg" },
  { kind: "median" },
  { kind: "trimmed_mean", beta: BETA },
  { kind: "krum", f: F },
  { kind: "multikrum", f: F, m: M },
  { kind: "bulyan", f: F },
];

function time<T>(fn: () => T): { ms: number; out: T } {
  let best = Number.POSITIVE_INFINITY;
  let out: T | undefined;
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    out = fn();
    best = Math.min(best, performance.now() - t);
  }
  return { ms: best, out: out! };
}

console.log(
  `${N} updates x ${P.toLocaleString("en")} float32 parameters (layers ${SHAPE.join(", ")}), f = ${F}, ` +
    `m = ${M}, beta = ${BETA}, best of ${RUNS}`,
);
// Warm the JIT on a small input so the first rule timed is not also the first compiled.
const small = updates.map((u) => ({ ...u, layers: u.layers.map((l) => l.subarray(0, 256)) }));
for (const rule of rules) aggregate(small, rule);

const ours = rules.map((rule) => {
  const { ms, out } = time(() => aggregate(updates, rule));
  return { rule: rule.kind, ms, hash: toHexUpper(aggregateHash(out.layers)).toLowerCase() };
});

const dir = mkdtempSync(join(tmpdir(), "cifer-agg-bench-"));
let numpy: Record<string, { ms: number; sha256: string }> | undefined;
let why = "";
try {
  const bin = join(dir, "updates.bin");
  const sorted = [...updates].sort((a, b) => Buffer.compare(Buffer.from(a.id), Buffer.from(b.id)));
  writeFileSync(bin, Buffer.concat(sorted.map((u) => encodeLayers(u.layers))));
  const params = join(dir, "params.json");
  writeFileSync(
    params,
    JSON.stringify({
      shape: SHAPE,
      samples: sorted.map((u) => u.samples),
      f: F,
      m: M,
      beta: BETA,
      runs: RUNS,
    }),
  );
  const py = spawnSync("python3", [join(import.meta.dirname, "aggregate_numpy.py"), bin, params], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (py.error) why = `python3 not runnable (${py.error.message})`;
  else if (py.status !== 0) why = `numpy side failed: ${py.stderr.trim().split("\n").pop()}`;
  else numpy = JSON.parse(py.stdout);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const rows = ours.map((o) => {
  const np = numpy?.[o.rule];
  return [
    o.rule,
    o.ms.toFixed(1),
    np ? np.ms.toFixed(1) : "-",
    np ? (o.ms / np.ms).toFixed(2) : "-",
    np ? (np.sha256 === o.hash ? "yes" : "no") : "-",
  ];
});
const header = ["rule", "ours ms", "numpy ms", "ours/numpy", "same bytes"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) =>
  r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
console.log(line(header));
for (const r of rows) console.log(line(r));
if (!numpy) console.log(`numpy comparison skipped: ${why || "no output"}`);

// ---- privacy mode ckks ------------------------------------------------------------------------

const K = Number(values["ckks-updates"]);
// At most the plaintext benchmark's parameter count: the values are its first updates' first values.
const CP = Math.min(Number(values["ckks-params"]), P);
if (K >= 1 && CP >= 1) {
  const { seal, context, encoder, evaluator } = await loadSeal();
  const { publicKey, secretKey } = await generateCkksKeys();
  const inputs = updates.slice(0, K).map((u) => encodeLayers(u.layers).subarray(0, CP * 4));
  const floats = inputs.map(
    (b) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
  );
  const samples = updates.slice(0, K).map((u) => Number(u.samples));
  const total = samples.reduce((a, b) => a + b, 0);
  const ourPath = async () => {
    const blobs = [];
    for (const [i, f] of floats.entries()) blobs.push(await encryptUpdate(f, samples[i]!, publicKey));
    return decryptSum(await sumCiphertexts(blobs, CP), secretKey, total, CP);
  };
  const rawPath = () =>
    scoped((keep) => {
      const pk = keep(seal.PublicKey());
      pk.loadArray(context, publicKey);
      const sk = keep(seal.SecretKey());
      sk.loadArray(context, secretKey);
      const enc = keep(seal.Encryptor(context, pk));
      const dec = keep(seal.Decryptor(context, sk));
      const out = new Float32Array(CP);
      const slot = new Float64Array(SLOTS);
      for (let at = 0; at < CP; at += SLOTS) {
        const acc = keep(seal.CipherText());
        floats.forEach((f, i) => {
          slot.fill(0);
          for (let j = 0; j < SLOTS && at + j < CP; j++) slot[j] = f[at + j]! * samples[i]!;
          const pt = keep(seal.PlainText());
          encoder.encode(slot, SCALE, pt);
          const ct = keep(seal.CipherText());
          enc.encrypt(pt, ct);
          if (i === 0) acc.copy(ct);
          else evaluator.add(acc, ct, acc);
        });
        const pt = keep(seal.PlainText());
        dec.decrypt(acc, pt);
        const v = encoder.decode(pt) as Float64Array;
        for (let j = 0; j < SLOTS && at + j < CP; j++) out[at + j] = v[j]! / total;
      }
      return out;
    });
  const best = async (fn: () => Promise<Float32Array>): Promise<{ ms: number; out: Float32Array }> => {
    let ms = Number.POSITIVE_INFINITY;
    let out: Float32Array = new Float32Array();
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now();
      out = await fn();
      ms = Math.min(ms, performance.now() - t);
    }
    return { ms, out };
  };
  await ourPath(); // warm up SEAL's memory pool and the JIT
  const ours = await best(ourPath);
  const raw = await best(rawPath);
  let worst = 0;
  for (let i = 0; i < CP; i++) {
    let want = 0;
    for (const [u, f] of floats.entries()) want += f[i]! * samples[u]!;
    worst = Math.max(worst, Math.abs(ours.out[i]! - want / total));
  }
  console.log(
    `\nckks: ${K} updates x ${CP.toLocaleString("en")} values (${Math.ceil(CP / SLOTS)} ciphertexts each, degree 8192), best of ${RUNS}`,
  );
  const ckRows = [
    ["ours: encrypt+serialize, load+add, decrypt", ours.ms.toFixed(1)],
    ["raw node-seal: encrypt, add, decrypt", raw.ms.toFixed(1)],
    ["ours / raw", (ours.ms / raw.ms).toFixed(2)],
    ["max error vs plaintext FedAvg", worst.toExponential(2)],
  ];
  const w0 = Math.max(...ckRows.map((r) => r[0]!.length));
  for (const r of ckRows) console.log(`${r[0]!.padEnd(w0)}  ${r[1]}`);
}
