/**
 * Playout at the listener's SPEAKER: a partner's hits go sender → server →
 * listener through the network simulator; a playout method decides when each
 * should sound; the listener's simulated audio device (core/sim/audio-device.ts:
 * output path, 128-sample render quanta at 48 kHz, a start in the past plays at
 * the next block) says when it is HEARD.
 */
import { audioLeadMs } from "../../core/audio-deadline";
import { PlannedOutputPath } from "../../core/planned-path";
import { AdaptivePlayout, LATE_TARGETS, type AdaptivePlayoutOptions } from "../../core/playout";
import { SimAudioDevice, type AudioDeviceModel } from "../../core/sim/audio-device";
import { relayHits, SIM_START_MS, streamRng, type HitDelivery, type NetworkProfile } from "../../core/sim/network";
import { sortedAscending } from "../../core/stats";
import { DURATION_MS } from "./common";
import { BEAT_MS, strikesFor, type RhythmId } from "./rhythms";
import type { LegsReport } from "./sync";

/** The partner starts playing here: after the first quality report (2 s), as after joining a room. */
export const FIRST_STRIKE_MS = 3_000;
export const FIXED_DELAY_MS = 100;
/** the app's audio scheduler tick (app/lib/session.ts SCHEDULER_TICK_MS): each tick reads the output path */
const SCHEDULER_TICK_MS = 25;
/** the server's relay time the app adds to the prior (app/lib/partner-playout.ts RELAY_MS) */
const PRIOR_RELAY_MS = 0.5;
/** the oracle's late allowance: the default late target */
export const ORACLE_LATE_FRACTION = LATE_TARGETS.normal;

export const PLAYOUT_METHODS = ["adaptive", "none", "fixed", "oracle"] as const;
export type PlayoutMethod = (typeof PLAYOUT_METHODS)[number];
export const PLAYOUT_LABELS: Record<PlayoutMethod, string> = {
  adaptive: "project (AdaptivePlayout)",
  none: "play on arrival",
  fixed: `fixed ${FIXED_DELAY_MS} ms`,
  oracle: "oracle (hindsight)",
};

/** One hit as the listener heard it. */
export interface Outcome {
  strikeAtMs: number;
  /** its slot (strike + the delay in force), null when the method has none (play on arrival) */
  dueAtMs: number | null;
  /** when it sounded at the speaker; null: skipped */
  heardAtMs: number | null;
  /** the playout itself counted it late (adaptive only) */
  countedLate: boolean;
}

export interface PlayoutRun {
  /** in strike order */
  outcomes: Outcome[];
  /** a heard time within this of the slot is on time (one sample: the engine starts on a sample) */
  sampleMs: number;
  /** the constant delay (fixed, oracle) or the final one (adaptive) */
  delayMs: number | null;
  /** adaptive: how often its delay changed after the first hit */
  changes: number;
  /** adaptive: the delay at the first hit */
  firstDelayMs: number | null;
}

export interface CellInput {
  profile: NetworkProfile;
  device: AudioDeviceModel;
  rhythm: RhythmId;
  seed: number;
  legs: readonly LegsReport[];
  lateFraction?: number;
  /** overrides of the playout's defaults (tuning runs) */
  playoutOptions?: AdaptivePlayoutOptions;
}

export interface CellRuns {
  runs: Record<PlayoutMethod, PlayoutRun>;
  /** arrival − strike of every hit (ms) */
  transitsMs: number[];
  /** the prior in force at the first hit (null: none yet) */
  priorMs: number | null;
}

function priorFrom(r: LegsReport): number | null {
  return r.sender && r.listener ? r.sender.upP99Ms + r.listener.downP99Ms + PRIOR_RELAY_MS : null;
}

/** A prior for the playout, in force from `atMs` (a quality report's). */
export interface PriorReport {
  atMs: number;
  priorMs: number | null;
}

/** The relay's prior at each quality report: the sender's up-leg p99 + the listener's down-leg p99 + the relay time. */
export const relayPriors = (legs: readonly LegsReport[]): PriorReport[] => legs.map((r) => ({ atMs: r.atMs, priorMs: priorFrom(r) }));

/** What the playout needs of a delivered hit. */
export type Arrival = Pick<HitDelivery, "strikeAtMs" | "arrivalAtMs">;

/** Runs every playout method on the same deliveries and the same device. */
export function runCell(c: CellInput): CellRuns {
  const strikes = strikesFor(c.rhythm, c.seed, SIM_START_MS + FIRST_STRIKE_MS, SIM_START_MS + DURATION_MS);
  const deliveries = relayHits(c.profile, c.seed, strikes);
  // TCP keeps each direction in order, so arrival order is strike order; sort anyway (stable) to be safe.
  const byArrival = [...deliveries].sort((a, b) => a.arrivalAtMs - b.arrivalAtMs);
  const device = new SimAudioDevice(c.device, streamRng(c.seed, "audio-device")());
  const adaptive = runAdaptive(c, byArrival, device);
  const fixedRun = (delayMs: number): PlayoutRun => ({
    outcomes: deliveries.map((d) => ({
      strikeAtMs: d.strikeAtMs,
      dueAtMs: d.strikeAtMs + delayMs,
      // handed at arrival for strike + delay; a time already inside the device's path sounds late
      heardAtMs: device.play(d.arrivalAtMs, d.strikeAtMs + delayMs),
      countedLate: false,
    })),
    sampleMs: device.sampleMs,
    delayMs,
    changes: 0,
    firstDelayMs: delayMs,
  });
  return {
    runs: {
      adaptive: adaptive.run,
      none: {
        outcomes: deliveries.map((d) => ({ strikeAtMs: d.strikeAtMs, dueAtMs: null, heardAtMs: device.playNow(d.arrivalAtMs), countedLate: false })),
        sampleMs: device.sampleMs,
        delayMs: null,
        changes: 0,
        firstDelayMs: null,
      },
      fixed: fixedRun(FIXED_DELAY_MS),
      oracle: fixedRun(oracleDelayMs(deliveries, device)),
    },
    transitsMs: deliveries.map((d) => d.arrivalAtMs - d.strikeAtMs),
    priorMs: adaptive.priorMs,
  };
}

/**
 * The smallest constant delay leaving at most ORACLE_LATE_FRACTION of the hits
 * late AT THE SPEAKER, knowing every arrival in advance: a hit is on time iff
 * strike + D ≥ the earliest it can be heard when handed at its arrival (output
 * path, the block being rendered and the block phase included).
 */
function oracleDelayMs(deliveries: readonly HitDelivery[], device: SimAudioDevice): number {
  const needMs = sortedAscending(deliveries.map((d) => device.playNow(d.arrivalAtMs) - d.strikeAtMs));
  return needMs[needMs.length - 1 - Math.floor(ORACLE_LATE_FRACTION * needMs.length)]!;
}

/**
 * The project's playout as the app drives it (app/lib/session.ts onRemoteHit,
 * app/lib/partner-playout.ts): the output path measured on every scheduler
 * tick and hit, the planning lead from the planned path (core/planned-path.ts)
 * and the deadline from this instant's, the prior from the legs of
 * each quality report, the rest length = a beat of the room's tempo; the
 * decision's playAtMs handed to the device at arrival. `priors`: the relay's
 * from the legs, unless given (bench/timing/direct.ts: the direct path's).
 */
export function runAdaptive(
  c: CellInput,
  byArrival: readonly Arrival[],
  device: SimAudioDevice,
  priors: readonly PriorReport[] = relayPriors(c.legs),
): { run: PlayoutRun; priorMs: number | null } {
  const playout = new AdaptivePlayout({ targetLateFraction: c.lateFraction ?? LATE_TARGETS.normal, restMs: BEAT_MS, shrinkRestMs: 4 * BEAT_MS, ...c.playoutOptions });
  const meter = new PlannedOutputPath();
  // the page reads its output path on every scheduler tick from load, seconds before a partner plays
  let tickAtMs = SIM_START_MS - 10_000;
  let report = 0;
  let priorAtFirstHit: number | null = null;
  let firstDelayMs: number | null = null;
  const outcomes: Outcome[] = [];
  for (const d of byArrival) {
    const nowMs = d.arrivalAtMs;
    for (; tickAtMs <= nowMs; tickAtMs += SCHEDULER_TICK_MS) meter.add(device.outputPathReadingMs(tickAtMs), tickAtMs);
    for (; report < priors.length && priors[report]!.atMs <= nowMs; report++) playout.setPriorTransit(priors[report]!.priorMs);
    // app/lib/session.ts leads(): the delay plans with the planned path, the deadline is judged
    // with this instant's reading
    const pathNowMs = device.outputPathReadingMs(nowMs);
    meter.add(pathNowMs, nowMs);
    const planLeadMs = audioLeadMs({ outputPathMs: meter.ms!, quantumMs: device.quantumMs });
    const nowLeadMs = audioLeadMs({ outputPathMs: pathNowMs, quantumMs: device.quantumMs });
    if (outcomes.length === 0) priorAtFirstHit = playout.priorTransit;
    const dec = playout.onArrival(d.strikeAtMs, nowMs, planLeadMs, nowLeadMs);
    firstDelayMs ??= dec.delayMs;
    outcomes.push({
      strikeAtMs: d.strikeAtMs,
      dueAtMs: dec.dueAtMs,
      heardAtMs: dec.skipped ? null : device.play(nowMs, dec.playAtMs),
      countedLate: dec.late,
    });
  }
  outcomes.sort((a, b) => a.strikeAtMs - b.strikeAtMs);
  const lastLead = audioLeadMs({ outputPathMs: meter.ms ?? c.device.outputPathMs, quantumMs: device.quantumMs });
  return {
    run: { outcomes, sampleMs: device.sampleMs, delayMs: playout.delayMs(lastLead), changes: playout.changes, firstDelayMs },
    priorMs: priorAtFirstHit,
  };
}
