/**
 * Issue 15's direct path in `npm run bench:timing`: the same partner, the same
 * strikes and the same listener device as the playout tables, heard three ways —
 * - relay: sender → server → listener over TCP (core/sim/network.ts relayHits,
 *   exactly the "project" figures of the tables above);
 * - direct: a data channel without retransmission (core/sim/datagram.ts), each
 *   packet repeating the last DIRECT_REDUNDANCY hits; a hit whose every copy is
 *   lost is never heard (counted late);
 * - both: every copy from both paths through core/first-copy.ts; the first copy
 *   of each hit is played, the playout learns from those. The direct copy of a
 *   hit meets the same access-network queueing as its relay copy (datagram.ts
 *   `queues: "shared"`); "both, independent queues" is the optimistic case
 *   where the two paths' queueing is unrelated.
 * The project's AdaptivePlayout decides every time (bench/timing/playout.ts
 * runAdaptive). Its prior: the relay's legs for the relay; for direct and both,
 * half the round trip of pings over the data channel (p99 so far; one every
 * 250 ms from the start, as the app would while the channel is open).
 */
import { DIRECT_REDUNDANCY } from "../../core/direct-packet";
import { FirstCopyFilter, type CopyArrival } from "../../core/first-copy";
import { AUDIO_DEVICES, SimAudioDevice } from "../../core/sim/audio-device";
import { directHits, directRoute, SimDatagramLink, type DatagramRouteModel } from "../../core/sim/datagram";
import { PROFILES, relayHits, SIM_START_MS, streamRng, type NetworkProfile } from "../../core/sim/network";
import { quantile, sortedAscending } from "../../core/stats";
import { DURATION_MS } from "./common";
import { summarize, type MethodSummary } from "./metrics";
import { FIRST_STRIKE_MS, relayPriors, runAdaptive, type Arrival, type PlayoutRun, type PriorReport } from "./playout";
import { strikesFor, type RhythmId } from "./rhythms";
import { QUALITY_REPORT_MS, type LegsReport } from "./sync";

export const PATH_MODES = ["relay", "direct", "both", "bothIndependent"] as const;
export type PathMode = (typeof PATH_MODES)[number];
export const PATH_MODE_LABELS: Record<PathMode, string> = {
  relay: "relay only",
  direct: "direct only",
  both: "both (first copy)",
  bothIndependent: "both, independent queues",
};

/** data-channel pings for the direct prior (volatile, a few bytes each) */
const DIRECT_PING_MS = 250;
/** pings before their p99 is trusted as a prior */
const DIRECT_PING_MIN = 8;
const FROM = "sender-0001";

export interface DirectCellInput {
  profile: NetworkProfile;
  rhythm: RhythmId;
  seed: number;
  legs: readonly LegsReport[];
  redundancy?: number;
  route?: DatagramRouteModel;
  /** false: skip "both, independent queues" (the redundancy study does not show it) */
  withIndependent?: boolean;
}

const EMPTY_RUN: PathRun = { run: { outcomes: [], sampleMs: 0, delayMs: null, changes: 0, firstDelayMs: null }, lost: 0, directFirsts: 0 };

export interface PathRun {
  run: PlayoutRun;
  /** hits no copy of which reached the listener */
  lost: number;
  /** first copies delivered by the direct path */
  directFirsts: number;
}

/** The direct path's prior at each quality report: p99 of (round trip / 2) of the data-channel pings so far. */
export function directPriors(route: DatagramRouteModel, seed: number, untilMs: number): PriorReport[] {
  const there = new SimDatagramLink(route, streamRng(seed, "ping-there"), streamRng(seed, "ping-there-loss"));
  const back = new SimDatagramLink(route, streamRng(seed, "ping-back"), streamRng(seed, "ping-back-loss"));
  const pings: { doneAtMs: number; halfRttMs: number }[] = [];
  for (let atMs = SIM_START_MS; atMs <= untilMs; atMs += DIRECT_PING_MS) {
    const atPeerMs = there.send(atMs);
    const doneAtMs = atPeerMs === null ? null : back.send(atPeerMs);
    if (doneAtMs !== null) pings.push({ doneAtMs, halfRttMs: (doneAtMs - atMs) / 2 });
  }
  const out: PriorReport[] = [];
  for (let atMs = SIM_START_MS + QUALITY_REPORT_MS; atMs <= untilMs; atMs += QUALITY_REPORT_MS) {
    const known = pings.filter((p) => p.doneAtMs <= atMs).map((p) => p.halfRttMs);
    out.push({ atMs, priorMs: known.length >= DIRECT_PING_MIN ? quantile(sortedAscending(known), 0.99) : null });
  }
  return out;
}

/** Plays the first copies and returns the run, with a never-heard outcome for every hit no copy reached. */
function play(c: DirectCellInput, strikes: readonly number[], copies: readonly CopyArrival[], priors: readonly PriorReport[]): PathRun {
  const filter = new FirstCopyFilter();
  const firsts: (Arrival & { index: number })[] = [];
  let directFirsts = 0;
  for (const copy of copies) {
    const v = filter.onCopy(copy);
    if (v.kind !== "first") continue;
    firsts.push({ strikeAtMs: copy.strikeAtMs, arrivalAtMs: copy.arrivalAtMs, index: copy.seq - 1 });
    if (copy.path === "direct") directFirsts++;
  }
  const device = new SimAudioDevice(AUDIO_DEVICES.headless, streamRng(c.seed, "audio-device")());
  const cell = { profile: c.profile, device: AUDIO_DEVICES.headless, rhythm: c.rhythm, seed: c.seed, legs: c.legs };
  const { run } = runAdaptive(cell, firsts, device, priors);
  const heard = new Set(firsts.map((f) => f.index));
  const finalDelayMs = run.delayMs ?? 0;
  const missing = strikes.flatMap((strikeAtMs, i) =>
    heard.has(i) ? [] : [{ strikeAtMs, dueAtMs: strikeAtMs + finalDelayMs, heardAtMs: null, countedLate: true }],
  );
  const outcomes = [...run.outcomes, ...missing].sort((a, b) => a.strikeAtMs - b.strikeAtMs);
  return { run: { ...run, outcomes }, lost: missing.length, directFirsts };
}

/** One (profile, rhythm, seed): the three ways of hearing the same strikes, on the headless device. */
export function runDirectCell(c: DirectCellInput): Record<PathMode, PathRun> {
  const untilMs = SIM_START_MS + DURATION_MS;
  const strikes = strikesFor(c.rhythm, c.seed, SIM_START_MS + FIRST_STRIKE_MS, untilMs);
  const route = c.route ?? directRoute(c.profile);
  const relay: CopyArrival[] = relayHits(c.profile, c.seed, strikes).map((d, i) => ({
    from: FROM,
    seq: i + 1,
    strikeAtMs: d.strikeAtMs,
    path: "relay",
    arrivalAtMs: d.arrivalAtMs,
  }));
  const directCopies = (queues: "shared" | "independent"): CopyArrival[] =>
    directHits(c.profile, c.seed, strikes, { redundancy: c.redundancy ?? DIRECT_REDUNDANCY, route, queues }).map((d) => ({
      from: FROM,
      seq: d.index + 1,
      strikeAtMs: d.strikeAtMs,
      path: "direct",
      arrivalAtMs: d.arrivalAtMs,
      repeat: d.repeat,
    }));
  const direct = directCopies("shared");
  // arrival order; a stable sort keeps send order among equal times
  const byArrival = (xs: CopyArrival[]) => xs.sort((a, b) => a.arrivalAtMs - b.arrivalAtMs);
  const dPriors = directPriors(route, c.seed, untilMs);
  return {
    relay: play(c, strikes, byArrival([...relay]), relayPriors(c.legs)),
    direct: play(c, strikes, byArrival([...direct]), dPriors),
    both: play(c, strikes, byArrival([...direct, ...relay]), dPriors),
    bothIndependent: c.withIndependent === false ? EMPTY_RUN : play(c, strikes, byArrival([...directCopies("independent"), ...relay]), dPriors),
  };
}

export interface PathSummary extends MethodSummary {
  /** hits never heard because no copy arrived (direct only can lose) */
  lostPercent: number;
  /** share of the heard hits whose first copy came over the direct path */
  directFirstPercent: number;
}

export function summarizePaths(runs: readonly Record<PathMode, PathRun>[]): Record<PathMode, PathSummary> {
  const one = (m: PathMode): PathSummary => {
    const rs = runs.map((r) => r[m]);
    const hits = rs.reduce((s, r) => s + r.run.outcomes.length, 0);
    const heard = hits - rs.reduce((s, r) => s + r.lost, 0);
    return {
      ...summarize(rs.map((r) => r.run)),
      lostPercent: (100 * rs.reduce((s, r) => s + r.lost, 0)) / hits,
      directFirstPercent: (100 * rs.reduce((s, r) => s + r.directFirsts, 0)) / heard,
    };
  };
  return { relay: one("relay"), direct: one("direct"), both: one("both"), bothIndependent: one("bothIndependent") };
}

/** The redundancy study's network: continental with 1% loss on each leg (so ~2% on the direct route). */
export const LOSSY_CONTINENTAL: NetworkProfile = {
  ...PROFILES.continental,
  name: "continental, 1% loss per leg",
  up: { ...PROFILES.continental.up, lossProb: 0.01 },
  down: { ...PROFILES.continental.down, lossProb: 0.01 },
};
export const REDUNDANCY_STUDY = [0, 1, 2, 3, 5] as const;
/** loss episodes of the study: short (nearly independent losses) and long (a Wi-Fi fade) */
export const STUDY_BURSTS_MS = [2, 20, 100] as const;
