/**
 * Processes from /proc (Linux): a Backbeat primary's worker processes, for tests
 * that kill one and for the relay benchmark, which sums their CPU and memory.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Direct children of `pid`. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the ")" of the command name: state, then ppid.
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The process and all its descendants. */
export function processTree(pid: number): number[] {
  return [pid, ...childPids(pid).flatMap(processTree)];
}

/** The primary's worker processes by index (server/workers.ts sets BACKBEAT_WORKER_INDEX), not e.g. tsx's esbuild child. */
export function workerPids(primary: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of childPids(primary)) {
    try {
      const entry = readFileSync(`/proc/${pid}/environ`, "utf8")
        .split("\0")
        .find((v) => v.startsWith("BACKBEAT_WORKER_INDEX="));
      if (entry) out.set(Number(entry.split("=")[1]), pid);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The worker with this index, or null while there is none (restarting). */
export const workerPid = (primary: number, index: number): number | null => workerPids(primary).get(index) ?? null;
