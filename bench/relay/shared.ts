/** Helpers shared by the relay benchmark's orchestrator and load generator. */
import { readFileSync } from "node:fs";

// ---------- latency histogram (cheap to fill, mergeable across processes) ----------
/** 0.02 ms bins below 20 ms, 0.5 ms bins from 20 ms to 2 s, then one overflow bin. */
const FINE_MS = 0.02;
const FINE_LIMIT_MS = 20;
const COARSE_MS = 0.5;
const COARSE_LIMIT_MS = 2_000;
const FINE_BINS = Math.round(FINE_LIMIT_MS / FINE_MS);
const COARSE_BINS = Math.round((COARSE_LIMIT_MS - FINE_LIMIT_MS) / COARSE_MS);
export const HIST_BINS = FINE_BINS + COARSE_BINS + 1;
export const HIST_OVERFLOW_MS = COARSE_LIMIT_MS;

export function histIndex(ms: number): number {
  if (ms < FINE_LIMIT_MS) return ms <= 0 ? 0 : Math.floor(ms / FINE_MS);
  if (ms < COARSE_LIMIT_MS) return FINE_BINS + Math.floor((ms - FINE_LIMIT_MS) / COARSE_MS);
  return HIST_BINS - 1;
}

/** Upper edge of a bin (Infinity for the overflow bin): quantiles are conservative by at most one bin. */
function binUpperMs(i: number): number {
  if (i < FINE_BINS) return (i + 1) * FINE_MS;
  if (i < FINE_BINS + COARSE_BINS) return FINE_LIMIT_MS + (i - FINE_BINS + 1) * COARSE_MS;
  return Infinity;
}

/** q-quantile of a histogram, counting `missing` samples as +Infinity (never arrived). */
export function histQuantile(hist: ArrayLike<number>, q: number, missing = 0): number {
  let total = missing;
  for (let i = 0; i < hist.length; i++) total += hist[i]!;
  if (total === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= rank) return binUpperMs(i);
  }
  return Infinity;
}

// ---------- /proc sampling ----------
const CLK_TCK = 100; // USER_HZ on Linux

/** CPU seconds (user + system, all threads) the process has used so far; NaN when it is gone. */
export function procCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/**
 * CPU seconds of the process's main thread only (the event loop: sockets, Socket.IO, the room
 * logic). The rest of procCpuSeconds is other threads: the SQLite hit writer, GC helpers, libuv.
 */
export function procMainThreadCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuSeconds(path: string): number {
  try {
    const stat = readFileSync(path, "utf8");
    // Fields after the ")" of the command name: state is field 3; utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Resident set size in MiB; NaN when the process is gone. */
export function procRssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Machine-wide busy and total jiffies from /proc/stat (all CPUs). */
export function machineCpuJiffies(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal (guest is inside user)
  return { busy: total - idle, total };
}

export function loadAvg(): [number, number, number] {
  const [a, b, c] = readFileSync("/proc/loadavg", "utf8").split(" ").map(Number);
  return [a ?? NaN, b ?? NaN, c ?? NaN];
}

// ---------- messages between orchestrator and generator ----------
/** "backbeat-norec": the same Backbeat server with no recording running (diagnostic: relay path alone). */
/** backbeat: as deployed here, WORKERS=auto (one worker process per core); backbeat-1: one process */
export type ServerKind = "backbeat" | "backbeat-1" | "backbeat-norec" | "naive" | "ws";

export interface GenRoom {
  /** Backbeat room code, or the room name for the baselines */
  code: string;
  /** participant ids, one per socket */
  members: string[];
}

export type ToGenerator =
  | { type: "setup"; kind: ServerKind; port: number; rooms: GenRoom[]; startRecording: boolean }
  | { type: "run"; warmMs: number; measureMs: number; drainMs: number; hitsPerSecond: number; seqBase: number }
  | { type: "teardown" };

export interface SetupResult {
  type: "ready";
  sockets: number;
  setupMs: number;
  failures: number;
  firstError: string | null;
}

export interface RunResult {
  type: "result";
  /** hits sent during the measure window, over all sockets */
  sent: number;
  /** relayed copies of those hits expected (sent × (room size − 1)) */
  expected: number;
  received: number;
  hist: number[];
  maxMs: number;
  /** event-loop delay of the generator during the window (ms) */
  loopP99Ms: number;
  loopMaxMs: number;
  /** other inbound frames during the run (acks, room state, pings) */
  otherFrames: number;
  /** error events received from the server (e.g. Backbeat's `error`) */
  errorFrames: number;
  firstErrorFrame: string | null;
  disconnects: number;
}

export type FromGenerator = SetupResult | RunResult | { type: "closed" } | { type: "fatal"; message: string };
