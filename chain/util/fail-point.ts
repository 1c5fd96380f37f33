/**
 * Crash injection for tests, as CometBFT's libs/fail: `CIFER_FAIL_POINT=<name>[:<n>]` makes the
 * process die abruptly (SIGKILL, no cleanup, as a power cut would) the n-th time (default the first)
 * execution reaches `failPoint("<name>")`. Unset, a fail point costs one comparison. Points:
 *   vote-after-wal  after one of our own signed votes is in the fsynced WAL, before it is sent
 */
const spec = process.env.CIFER_FAIL_POINT ?? "";
const [armed = "", nth = "1"] = spec.split(":");
let remaining = Number.parseInt(nth, 10);
if (spec !== "" && (!/^[a-z-]+$/.test(armed) || !Number.isInteger(remaining) || remaining < 1))
  throw new Error(`CIFER_FAIL_POINT must be <name>[:<n>], got ${JSON.stringify(spec)}`);

export function failPoint(name: string): void {
  if (name !== armed || --remaining > 0) return;
  // Written synchronously so a test can tell this crash from any other.
  process.stderr.write(`fail point ${name} reached: killing the process\n`);
  process.kill(process.pid, "SIGKILL");
}
