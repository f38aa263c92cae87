/**
 * Clock sync on the simulated profiles: the project's ClockSync (pinged on the
 * app's schedule, read through `toShared`), timesync (the real library, with
 * its defaults and re-syncing every 10 s) and a naive latest-exchange offset.
 * Also the clock-sync legs each player publishes, which give the playout its
 * prior (app/lib/partner-playout.ts).
 */
import { ClockSync, nextPingDelayMs, sampleFromExchange, type LegStats, type SyncExchange } from "../../core/clock-sync";
import { SIM_START_MS, SimConnection, type NetworkProfile, type SimExchange } from "../../core/sim/network";
import { quantile, sortedAscending } from "../../core/stats";
import { DURATION_MS, mean, WARMUP_MS } from "./common";
import { runTimesync } from "./timesync";

/** spacing of the virtual instants at which every estimate is checked */
export const GRID_MS = 20;
/** "converged" means |error| ≤ this from then on */
export const CONVERGED_WITHIN_MS = 1;
/** the app's sync:ping ack timeout (app/lib/session.ts): a later reply is dropped */
const PING_TIMEOUT_MS = 5_000;
export const TIMESYNC_FAST_INTERVAL_MS = 10_000;
/** the app reports its quality (with its legs) every 2 s (app/lib/session.ts reportQuality) */
export const QUALITY_REPORT_MS = 2_000;

/** Errors (estimate − truth, ms) of one method on the grid; NaN before its first estimate. */
type ErrorTrace = Float64Array;

const GRID_POINTS = Math.floor(DURATION_MS / GRID_MS) + 1;
const gridTrueMs = (i: number) => SIM_START_MS + i * GRID_MS;

/**
 * The app's ping schedule on one connection: handles every exchange that
 * finished (or timed out) by a given true time, then pings again after
 * nextPingDelayMs of LOCAL time, as the app's setTimeout does.
 */
export class PingDriver {
  readonly sync = new ClockSync();
  samples = 0;
  private pending: SimExchange;

  constructor(readonly conn: SimConnection) {
    this.pending = conn.exchange(SIM_START_MS);
  }

  advanceTo(atMs: number, onExchange?: (e: SyncExchange) => void): void {
    for (;;) {
      const p = this.pending;
      const timedOut = p.completesAtMs - p.sentAtMs > PING_TIMEOUT_MS;
      const doneAtMs = timedOut ? p.sentAtMs + PING_TIMEOUT_MS : p.completesAtMs;
      if (doneAtMs > atMs) return;
      if (!timedOut) {
        this.sync.addExchange(p);
        this.samples++;
        onExchange?.(p);
      }
      const nextLocalMs = this.conn.clock.localAt(doneAtMs) + nextPingDelayMs(this.samples);
      this.pending = this.conn.exchange(this.conn.clock.trueAt(nextLocalMs));
    }
  }
}

/** The project's ClockSync and the naive single-exchange estimate, on the app's ping schedule. */
function runProjectAndNaive(profile: NetworkProfile, seed: number): { project: ErrorTrace; naive: ErrorTrace; exchanges: number } {
  const driver = new PingDriver(new SimConnection(profile, seed));
  const clock = driver.conn.clock;
  const project = new Float64Array(GRID_POINTS).fill(NaN);
  const naive = new Float64Array(GRID_POINTS).fill(NaN);
  let naiveOffsetMs: number | null = null;
  for (let i = 0; i < GRID_POINTS; i++) {
    const atMs = gridTrueMs(i);
    driver.advanceTo(atMs, (e) => (naiveOffsetMs = sampleFromExchange(e).offsetMs));
    const localMs = clock.localAt(atMs);
    if (driver.sync.synced) project[i] = driver.sync.toShared(localMs) - atMs;
    if (naiveOffsetMs !== null) naive[i] = localMs + naiveOffsetMs - atMs;
  }
  return { project, naive, exchanges: driver.samples };
}

async function timesyncTrace(profile: NetworkProfile, seed: number, intervalMs: number | null): Promise<{ trace: ErrorTrace; exchanges: number }> {
  const { conn, changes, exchanges } = await runTimesync(profile, seed, intervalMs, DURATION_MS);
  const trace = new Float64Array(GRID_POINTS).fill(NaN);
  let k = -1;
  for (let i = 0; i < GRID_POINTS; i++) {
    const atMs = gridTrueMs(i);
    while (k + 1 < changes.length && changes[k + 1]!.atMs <= atMs) k++;
    // timesync.now() = options.now() + offset
    if (k >= 0) trace[i] = conn.clock.localAt(atMs) + changes[k]!.offsetMs - atMs;
  }
  return { trace, exchanges };
}

export interface SyncSummary {
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** per seed: ms from start after which |error| stayed ≤ 1 ms, or null for never */
  convergeMs: (number | null)[];
  exchangesPerRun: number;
}

function summarizeSync(traces: readonly ErrorTrace[], exchanges: readonly number[]): SyncSummary {
  const abs: number[] = [];
  const convergeMs: (number | null)[] = [];
  const warmupIndex = Math.ceil(WARMUP_MS / GRID_MS);
  for (const t of traces) {
    for (let i = warmupIndex; i < t.length; i++) abs.push(Number.isNaN(t[i]!) ? Infinity : Math.abs(t[i]!));
    let lastBad = -1;
    for (let i = 0; i < t.length; i++) if (!(Math.abs(t[i]!) <= CONVERGED_WITHIN_MS)) lastBad = i;
    convergeMs.push(lastBad === t.length - 1 ? null : (lastBad + 1) * GRID_MS);
  }
  const s = sortedAscending(abs);
  return { p50Ms: quantile(s, 0.5), p95Ms: quantile(s, 0.95), maxMs: s[s.length - 1] ?? NaN, convergeMs, exchangesPerRun: mean(exchanges) };
}

export const SYNC_METHODS = ["project", "timesync", "timesyncFast", "naive"] as const;
export type SyncMethod = (typeof SYNC_METHODS)[number];
export const SYNC_LABELS: Record<SyncMethod, string> = {
  project: "project (ClockSync)",
  timesync: "timesync 1.0.11, defaults (re-sync 1 h)",
  timesyncFast: `timesync 1.0.11, re-sync every ${TIMESYNC_FAST_INTERVAL_MS / 1000} s`,
  naive: "naive single ping (latest exchange)",
};

export async function benchSync(profile: NetworkProfile, seeds: readonly number[]): Promise<Record<SyncMethod, SyncSummary>> {
  const traces: Record<SyncMethod, ErrorTrace[]> = { project: [], timesync: [], timesyncFast: [], naive: [] };
  const exchanges: Record<SyncMethod, number[]> = { project: [], timesync: [], timesyncFast: [], naive: [] };
  for (const seed of seeds) {
    const own = runProjectAndNaive(profile, seed);
    traces.project.push(own.project);
    traces.naive.push(own.naive);
    exchanges.project.push(own.exchanges);
    exchanges.naive.push(own.exchanges);
    const slow = await timesyncTrace(profile, seed, null);
    traces.timesync.push(slow.trace);
    exchanges.timesync.push(slow.exchanges);
    const fast = await timesyncTrace(profile, seed, TIMESYNC_FAST_INTERVAL_MS);
    traces.timesyncFast.push(fast.trace);
    exchanges.timesyncFast.push(fast.exchanges);
  }
  return {
    project: summarizeSync(traces.project, exchanges.project),
    timesync: summarizeSync(traces.timesync, exchanges.timesync),
    timesyncFast: summarizeSync(traces.timesyncFast, exchanges.timesyncFast),
    naive: summarizeSync(traces.naive, exchanges.naive),
  };
}

/** What the listener's page knows of the path at one quality report. */
export interface LegsReport {
  atMs: number;
  /** the sender's published legs (rounded to 0.1 ms, as app/lib/session.ts reports them) */
  sender: LegStats | null;
  /** the listener's own legs at that moment */
  listener: LegStats | null;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * Sender and listener each run the app's ping schedule on their own simulated
 * connection from the start; every QUALITY_REPORT_MS the sender's legs are
 * published (the room view carries them) and the listener combines them with
 * its own. The pings travel on links of the same profile as the hits but are
 * drawn independently of them.
 */
export function legsTimeline(profile: NetworkProfile, senderSeed: number, listenerSeed: number, untilMs: number): LegsReport[] {
  const sender = new PingDriver(new SimConnection(profile, senderSeed));
  const listener = new PingDriver(new SimConnection(profile, listenerSeed));
  const out: LegsReport[] = [];
  for (let atMs = SIM_START_MS + QUALITY_REPORT_MS; atMs <= untilMs; atMs += QUALITY_REPORT_MS) {
    sender.advanceTo(atMs);
    listener.advanceTo(atMs);
    const s = sender.sync.legs();
    out.push({
      atMs,
      sender: s && { ...s, upP50Ms: round1(s.upP50Ms), upP99Ms: round1(s.upP99Ms), downP50Ms: round1(s.downP50Ms), downP99Ms: round1(s.downP99Ms) },
      listener: listener.sync.legs(),
    });
  }
  return out;
}
