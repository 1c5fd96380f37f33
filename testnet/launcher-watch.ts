import { readFileSync } from "node:fs";

/**
 * `pnpm testnet` runs as pnpm -> sh -> tsx -> this process. pnpm does not forward SIGTERM to its
 * children, so `kill <pnpm pid>` (or a supervisor stopping pnpm) would leave the network running.
 * Watching the launching processes and stopping when one of them exits closes that gap.
 */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined; // not Linux, or gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Calls onGone once when any of this process's first `depth` ancestors (init excluded) exits. */
export function watchLauncher(onGone: (pid: number) => void, depth = 3, intervalMs = 1000): () => void {
  const watched: number[] = [];
  let pid = process.ppid;
  for (let i = 0; i < depth && pid > 1; i++) {
    watched.push(pid);
    const next = parentOf(pid);
    if (next === undefined) break;
    pid = next;
  }
  const timer = setInterval(() => {
    const gone = watched.find((p) => !alive(p));
    if (gone !== undefined) {
      clearInterval(timer);
      onGone(gone);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
