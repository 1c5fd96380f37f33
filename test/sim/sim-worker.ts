import { parentPort, workerData } from "node:worker_threads";
import { scheduleFromSeed } from "./schedule.ts";
import { runSchedule } from "./world.ts";

// Runs a share of the seeds in a worker thread and posts the results back.
const { seeds } = workerData as { seeds: number[] };
parentPort!.postMessage(seeds.map((seed) => runSchedule(scheduleFromSeed(seed))));
