/**
 * Crash injection for tests, as CometBFT's libs/fail: `CIFER_FAIL_POINT=<name>[:<n>]` makes the
 * process die abruptly (SIGKILL: no cleanup, no flush, as a power cut would) the n-th time (default
 * the first) execution reaches `failPoint("<name>")`. Read once at start-up; unset, a fail point
 * costs one string comparison. Points (<vote> is prevote or precommit, our own):
 *   <vote>-after-sign  the signer's last-sign state holds the vote (fsynced), the WAL does not yet
 *   <vote>-after-wal   the vote is in the fsynced WAL too, and not yet sent to any peer
 */
const spec = process.env.CIFER_FAIL_POINT ?? "";
const [armed = "", nth = "1"] = spec.split(":");
let remaining = Number(nth);
if (spec !== "" && (!/^[a-z-]+$/.test(armed) || !Number.isSafeInteger(remaining) || remaining < 1))
  throw new Error(`CIFER_FAIL_POINT must be <name>[:<n>], got ${JSON.stringify(spec)}`);

export function failPoint(name: string): void {
  if (name !== armed || --remaining > 0) return;
  // Written synchronously (stderr is a file or pipe) so a test can tell this death from any other.
  process.stderr.write(`fail point ${name} reached: killing the process\n`);
  process.kill(process.pid, "SIGKILL");
}
