import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { scheduleFromSeed } from "./schedule.ts";
import { runSchedule, type SimResult } from "./world.ts";

/**
 * Runs the schedules of `seeds`, spread over worker threads (one per core, at most `maxWorkers`);
 * results come back in seed order. Each schedule is deterministic, so the split changes nothing.
 */
export async function runSeeds(seeds: number[], maxWorkers = availableParallelism()): Promise<SimResult[]> {
  const workers = Math.max(1, Math.min(maxWorkers, availableParallelism(), seeds.length));
  if (workers === 1) return seeds.map((s) => runSchedule(scheduleFromSeed(s)));
  const shares: number[][] = Array.from({ length: workers }, () => []);
  for (let i = 0; i < seeds.length; i++) shares[i % workers]!.push(seeds[i]!);
  const tsx = import.meta.resolve("tsx/esm/api");
  const script = new URL("./sim-worker.ts", import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(script)}); })`;
  const parts = await Promise.all(
    shares.map(
      (share) =>
        new Promise<SimResult[]>((resolve, reject) => {
          const w = new Worker(boot, { eval: true, workerData: { seeds: share } });
          w.once("message", (r: SimResult[]) => {
            resolve(r);
            void w.terminate();
          });
          w.once("error", reject);
          w.once("exit", (code) => {
            if (code !== 0) reject(new Error(`simulation worker exited with ${code}`));
          });
        }),
    ),
  );
  return parts.flat().sort((a, b) => a.seed - b.seed);
}
