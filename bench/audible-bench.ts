/**
 * The AUDIBLE section of `npm run bench:e2e`: what the listener's speaker
 * plays, measured with the audio tap (bench/audio-tap.ts), against the
 * partner's input events — the truth a person has. Settings, what a cell
 * captures, and its analysis; driven by e2e-bench/audible.spec.ts, reported by
 * bench/audible-report.ts.
 *
 * One cell = one link profile × one output latency: a fresh room, the partner
 * (page A) plays both rhythms (bench/audible-rhythms.ts) through the room
 * page's keyboard path, the listener (page B) plays nothing. Metronome and
 * backing are off on both, so B's tap hears only A's hits and A's tap only
 * A's own (local monitoring).
 */
import { z } from "zod";
import type { ChunkTrace, DelaySpec } from "./delay-proxy";
import {
  contextToEpochMs,
  engineContext,
  fitAudioClock,
  matchOnsets,
  outputPathMs,
  quantumMs,
  spread,
  sumPercentile,
  type AudioClockFit,
  type Spread,
} from "./audible";
import { median, quantile } from "../core/stats";
import { DEFAULT_DETECTOR, type TapCapture } from "./audio-tap";
import { RHYTHMS } from "./audible-rhythms";
import { hitSchema as benchHitSchema } from "./e2e-timing";

// ---------- settings ----------

export interface LinkProfile {
  id: string;
  label: string;
  /** partner → server and server → listener legs are separate proxies: A's upstream, B's downstream */
  upstream: DelaySpec;
  downstream: DelaySpec;
}

export const AUDIBLE = {
  profiles: [
    // 0.5 ms per direction: the proxies' timers round up to 1 ms, so ≈ 1 ms one-way, no jitter
    { id: "loopback", label: "loopback ≈1 ms", upstream: { baseMs: 0.5, jitterMs: 0 }, downstream: { baseMs: 0.5, jitterMs: 0 } },
    { id: "metro", label: "metro 15 ± 3 ms", upstream: { baseMs: 15, jitterMs: 3 }, downstream: { baseMs: 15, jitterMs: 3 } },
    // asymmetric: up 30 ± 10, down 50 ± 15 (mean 40 one-way); clock sync cannot see the 10 ms base asymmetry/2 (timing-background.md)
    { id: "continental", label: "continental up 30 ± 10 / down 50 ± 15 ms", upstream: { baseMs: 30, jitterMs: 10 }, downstream: { baseMs: 50, jitterMs: 15 } },
  ] satisfies LinkProfile[],
  /** AudioContext latencyHint of both pages, standing for devices (desktop … phone/Bluetooth) */
  latencyHints: ["interactive", 0.05, 0.1] as const,
  /** proxy seeds: profile index × 10 + 1 (partner) / + 2 (listener) */
  seedBase: 10,
  /** clock sync's join burst and a few steady re-syncs before anything is measured */
  minSyncSamples: 12,
  settleMs: 3_000,
  /** between the two rhythms: a long rest */
  gapMs: 2_000,
  /** onsets are matched to strikes within this of strike + median latency (< half the 75 ms 32nd) */
  matchWindowMs: 30,
  /** strikes closer than this cannot each get an onset (detector refractory): "masked", not "missing" */
  resolvableMs: DEFAULT_DETECTOR.refractoryMs + 5,
  targets: { audibleP95Ms: 1.5, latePercent: 0.5, aboveFloorMs: 5, monitorAboveFloorMs: 3 },
} as const;

export type LatencyHint = (typeof AUDIBLE.latencyHints)[number];

// ---------- what the pages hand back ----------

/** the diagnostics hit of the "handed" benchmark; here the app always reports its delay */
const hitSchema = benchHitSchema.extend({ playoutDelayMs: z.number() });

export const audibleDiagSchema = z.object({
  participantId: z.string(),
  inputOffsetMs: z.number(),
  outputLatencyMs: z.number(),
  outputPathMs: z.number().nullable().optional(),
  audioLeadMs: z.number().optional(),
  lateTarget: z.string().optional(),
  monitorLatencyMs: z.number().nullable().optional(),
  monitorFloorMs: z.number().nullable().optional(),
  partners: z
    .array(z.object({ from: z.string(), delayMs: z.number(), delayChanges: z.number(), late: z.number(), skipped: z.number(), hits: z.number(), priorTransitMs: z.number().nullable().optional() }))
    .optional(),
  hits: z.array(hitSchema),
});
export type AudibleDiag = z.infer<typeof audibleDiagSchema>;

export interface RhythmRun {
  rhythm: string;
  /** the partner's keydown timeStamps (performance.now() base of page A) */
  stampsMs: number[];
  /** the intended offsets of those strikes (ms after the first) */
  intendedMs: number[];
  /** this process's performance.now() while it played (to cut the proxies' traces) */
  t0: number;
  tEnd: number;
  /** the listener's delay changes for the partner so far, after this rhythm */
  delayChangesAfter: number;
}

export interface CellCapture {
  profile: LinkProfile;
  latencyHint: LatencyHint;
  runs: RhythmRun[];
  diagA: AudibleDiag;
  diagB: AudibleDiag;
  tapA: TapCapture;
  tapB: TapCapture;
  /** each proxy's chunk trace (this process's performance.now() base) */
  traceA: ChunkTrace[];
  traceB: ChunkTrace[];
  /** this process's timeOrigin (to put traces on the machine's clock) */
  timeOrigin: number;
}

// ---------- analysis ----------

export interface RhythmResult {
  rhythm: string;
  strikes: number;
  /** partner hits as the listener's speaker played them: |strike→onset − median| */
  audible: Spread;
  medianLatencyMs: number;
  /** the same statistic on the audio time handed to the engine (what the old section measured) */
  handed: Spread;
  /** old section's figure: handed − (true strike + playout delay in force) */
  handedVsDelay: Spread;
  /** onset − handed time, on the audio clock (frames): the engine playing what it was given */
  soundedMinusHanded: Spread;
  /** consecutive hits: heard spacing − struck spacing (what a delay change does locally) */
  ioi: Spread;
  late: number;
  skipped: number;
  /** handed to the engine but no onset there, no other hit handed within resolvableMs: unexplained */
  missing: number;
  /** no onset, but another hit handed within resolvableMs (the detector cannot separate them) */
  masked: number;
  /** onsets while this rhythm played that belong to no hit (the cell's figure adds any onset outside the rhythms) */
  extra: number;
  delayChanges: number;
  /** own strike → own onset; spread: |latency − median| (your own groove as you hear it) */
  monitor: { medianMs: number; minMs: number; maxMs: number; spread: Spread; n: number; missing: number; masked: number };
  /** strikes fired off their intended grid by the page (busy machine): p99 |IOI error| */
  strikeIoiP99Ms: number;
}

export interface CellResult {
  profile: string;
  profileLabel: string;
  latencyHint: LatencyHint;
  rhythms: RhythmResult[];
  /** pooled over both rhythms (each against its own median) */
  audible: Spread;
  handed: Spread;
  handedVsDelay: Spread;
  soundedMinusHanded: Spread;
  ioi: Spread;
  medianLatencyMs: number;
  strikes: number;
  latePercent: number;
  skippedPercent: number;
  missing: number;
  masked: number;
  extra: number;
  delayChanges: number;
  /** link p99.5 one-way (A's up-leg ⊕ B's down-leg, from the proxies' traces) */
  linkP995Ms: number;
  /** what the playout sees instead: strike → the listener's hit handler (its receivedAtMs − true strike), p99.5 */
  transitP995Ms: number;
  outputPathMs: number;
  reportedOutputLatencyMs: number;
  quantumMs: number;
  floorMs: number;
  monitorMedianMs: number;
  monitorRangeMs: [number, number];
  /** |own strike → own onset − median| over both rhythms (each against its own median) */
  monitorSpread: Spread;
  monitorFloorMs: number;
  monitorAppMs: number | null;
  clockB: Pick<AudioClockFit, "residualP99Ms" | "jumpsMs" | "n">;
  clockA: Pick<AudioClockFit, "residualP99Ms" | "jumpsMs" | "n">;
  priorTransitMs: number | null;
  finalDelayMs: number | null;
  /** worklet calls with a stale currentFrame (counted on) and with quanta skipped, listener / partner */
  worklet: { staleB: number; skippedB: number; staleA: number; skippedA: number };
  met: { audible: boolean; late: boolean; floor: boolean; monitor: boolean };
}

function ioiErrorP99(stampsMs: readonly number[], intendedMs: readonly number[]): number {
  const e: number[] = [];
  for (let i = 1; i < stampsMs.length; i++) e.push(stampsMs[i]! - stampsMs[i - 1]! - (intendedMs[i]! - intendedMs[i - 1]!));
  return spread(e).p99Ms;
}

interface Heard {
  /** per hit: when it was at the speaker (epoch ms), or null (no onset) */
  atMs: (number | null)[];
  /** per hit: onset − handed audio time (ms, on the audio clock) */
  soundedMinusHandedMs: (number | null)[];
  missing: number;
  masked: number;
  /** onsets of this page's engine in [fromS, toS] that belong to no hit */
  extra: number;
}

/**
 * Which onset is which hit: matched on the AUDIO clock, each hit's onset
 * within `matchWindowMs` of the audio time the page handed to its engine
 * (`audioTime` in the diagnostics). The engine plays what it is handed to the
 * frame, so this holds whatever the page's playout delay does; only where the
 * sound really was (onset frame → the machine's clock through the fitted
 * line) enters the figures. A hit with no onset there is missing — or masked
 * when another hit was handed within the detector's refractory period.
 */
function heardOf(tap: TapCapture, fit: AudioClockFit, handedS: readonly (number | null)[], fromS: number, toS: number): Heard {
  const engine = engineContext(tap);
  const onsets = engine.onsets.filter((o) => o.frame / engine.sampleRate >= fromS && o.frame / engine.sampleRate <= toS);
  const expected = handedS.map((t) => (t === null ? -1e12 : t * 1000));
  const m = matchOnsets(
    expected,
    onsets.map((o) => (o.frame / engine.sampleRate) * 1000),
    AUDIBLE.matchWindowMs,
  );
  let missing = 0;
  let maskedN = 0;
  const atMs = handedS.map((t, i) => {
    const j = m.onsetOf[i];
    if (t === null) return null;
    if (j === null || j === undefined) {
      if (handedS.some((u, k) => k !== i && u !== null && Math.abs(u - t) * 1000 < AUDIBLE.resolvableMs)) maskedN++;
      else missing++;
      return null;
    }
    return contextToEpochMs(fit, tap.timeOrigin, onsets[j]!.frame / engine.sampleRate);
  });
  const soundedMinusHandedMs = handedS.map((t, i) => {
    const j = m.onsetOf[i];
    return t === null || j === null || j === undefined ? null : (onsets[j]!.frame / engine.sampleRate - t) * 1000;
  });
  return { atMs, soundedMinusHandedMs, missing, masked: maskedN, extra: m.extra.length };
}

const present = (xs: readonly (number | null)[]) => xs.filter((x): x is number => x !== null);

/** (heard spacing − struck spacing) of consecutive strikes that were both heard */
function ioiErrors(strikesMs: readonly number[], heardMs: readonly (number | null)[]): number[] {
  const e: number[] = [];
  for (let i = 1; i < strikesMs.length; i++) {
    const a = heardMs[i - 1];
    const b = heardMs[i];
    if (a != null && b != null) e.push(b - a - (strikesMs[i]! - strikesMs[i - 1]!));
  }
  return e;
}

export function analyseCell(c: CellCapture): CellResult {
  const engineB = engineContext(c.tapB);
  const engineA = engineContext(c.tapA);
  const fitB = fitAudioClock(engineB.clock);
  const fitA = fitAudioClock(engineA.clock);
  const localA = c.diagA.hits.filter((h) => h.kind === "local");
  const total = c.runs.reduce((s, r) => s + r.stampsMs.length, 0);
  if (localA.length !== total) throw new Error(`partner: ${total} strikes dispatched but ${localA.length} local hits logged`);
  const remoteB = new Map(c.diagB.hits.filter((h) => h.kind === "remote" && h.from === c.diagA.participantId).map((h) => [h.seq, h]));
  const results: RhythmResult[] = [];
  const pooled = { audible: [] as number[], handed: [] as number[], handedVsDelay: [] as number[], soundedMinusHanded: [] as number[], ioi: [] as number[] };
  const allLatencies: number[] = [];
  const monitorLatencies: number[] = [];
  const monitorDeviations: number[] = [];
  let offset = 0;
  let changesBefore = 0;
  const spansS: [number, number][] = [];
  let extraB = 0;
  for (const run of c.runs) {
    const local = localA.slice(offset, offset + run.stampsMs.length);
    offset += run.stampsMs.length;
    const strikes = run.stampsMs.map((t) => c.tapA.timeOrigin + t - c.diagA.inputOffsetMs);
    const logged = local.map((h) => remoteB.get(h.seq));
    if (logged.some((h) => !h)) throw new Error(`the listener did not log all of the partner's ${strikes.length} hits (${run.rhythm})`);
    const hits = logged as NonNullable<(typeof logged)[number]>[];
    // the listener's engine times of this rhythm, ±0.5 s: onsets outside every rhythm are counted separately
    const handedB = hits.map((h) => (typeof h.audioTime === "number" ? h.audioTime : null));
    const spanB: [number, number] = [Math.min(...present(handedB)) - 0.5, Math.max(...present(handedB)) + 0.5];
    spansS.push(spanB);
    const heard = heardOf(c.tapB, fitB, handedB, spanB[0], spanB[1]);
    extraB += heard.extra;
    const audibleLat = present(heard.atMs.map((t, i) => (t === null ? null : t - strikes[i]!)));
    const handedLat: number[] = [];
    const handedVsDelay: number[] = [];
    hits.forEach((h, i) => {
      if (typeof h.audioTime !== "number") return;
      const handedMs = contextToEpochMs(fitB, c.tapB.timeOrigin, h.audioTime);
      handedLat.push(handedMs - strikes[i]!);
      handedVsDelay.push(handedMs - (strikes[i]! + h.playoutDelayMs));
    });
    // each rhythm against its own median: a change of delay between two songs is not a flam
    const aud = audibleLat.map((x) => x - median(audibleLat));
    const han = handedLat.map((x) => x - median(handedLat));
    const ioi = ioiErrors(strikes, heard.atMs);
    const smh = present(heard.soundedMinusHandedMs);
    pooled.audible.push(...aud);
    pooled.handed.push(...han);
    pooled.handedVsDelay.push(...handedVsDelay);
    pooled.soundedMinusHanded.push(...smh);
    pooled.ioi.push(...ioi);
    allLatencies.push(...audibleLat);
    // local monitoring: A's own onsets against A's strikes, matched on A's audio clock
    const handedA = local.map((h) => (typeof h.audioTime === "number" ? h.audioTime : null));
    const mon = heardOf(c.tapA, fitA, handedA, Math.min(...present(handedA)) - 0.5, Math.max(...present(handedA)) + 0.5);
    const monLat = present(mon.atMs.map((t, i) => (t === null ? null : t - strikes[i]!)));
    monitorLatencies.push(...monLat);
    monitorDeviations.push(...monLat.map((x) => x - median(monLat)));
    results.push({
      rhythm: run.rhythm,
      strikes: strikes.length,
      audible: spread(aud),
      medianLatencyMs: median(audibleLat),
      handed: spread(han),
      handedVsDelay: spread(handedVsDelay),
      soundedMinusHanded: spread(smh),
      ioi: spread(ioi),
      late: hits.filter((h) => h.late).length,
      skipped: hits.filter((h) => h.skipped).length,
      missing: heard.missing,
      masked: heard.masked,
      extra: heard.extra,
      delayChanges: run.delayChangesAfter - changesBefore,
      monitor: {
        medianMs: median(monLat),
        minMs: Math.min(...monLat),
        maxMs: Math.max(...monLat),
        spread: spread(monLat.map((x) => x - median(monLat))),
        n: monLat.length,
        missing: mon.missing,
        masked: mon.masked,
      },
      strikeIoiP99Ms: ioiErrorP99(run.stampsMs, run.intendedMs),
    });
    changesBefore = run.delayChangesAfter;
  }
  // onsets at the listener between the rhythms (it plays nothing: metronome and backing are off), and any from another context
  const inside = (t: number) => spansS.some(([f, u]) => t >= f && t <= u);
  const strayB =
    engineB.onsets.filter((o) => {
      const t = o.frame / engineB.sampleRate;
      return t >= spansS[0]![0] && t <= spansS[spansS.length - 1]![1] && !inside(t);
    }).length + c.tapB.contexts.filter((x) => x !== engineB).reduce((s, x) => s + x.onsets.length, 0);
  // the link while the rhythms played: partner's up-leg through proxy A, listener's down-leg through proxy B
  const during = (t: ChunkTrace) => c.runs.some((r) => t.arrivalMs >= r.t0 - 100 && t.arrivalMs <= r.tEnd + 2_000);
  const up = c.traceA.filter((t) => t.direction === "upstream" && during(t)).map((t) => t.writtenMs - t.arrivalMs);
  const down = c.traceB.filter((t) => t.direction === "downstream" && during(t)).map((t) => t.writtenMs - t.arrivalMs);
  const linkP995Ms = sumPercentile(up, down, 99.5);
  const transits: number[] = [];
  {
    let k = 0;
    for (const run of c.runs) {
      for (const stamp of run.stampsMs) {
        const h = remoteB.get(localA[k++]!.seq);
        if (h) transits.push(h.receivedAtMs - (c.tapA.timeOrigin + stamp - c.diagA.inputOffsetMs));
      }
    }
  }
  transits.sort((x, y) => x - y);
  const pathB = outputPathMs(engineB);
  const qB = quantumMs(engineB);
  const strikes = results.reduce((s, r) => s + r.strikes, 0);
  const medianLatencyMs = median(allLatencies);
  const late = results.reduce((s, r) => s + r.late, 0);
  const skipped = results.reduce((s, r) => s + r.skipped, 0);
  const monitorMedianMs = median(monitorLatencies);
  const partner = c.diagB.partners?.find((p) => p.from === c.diagA.participantId);
  const audible = spread(pooled.audible);
  const floorMs = linkP995Ms + pathB + qB;
  const latePercent = strikes ? (100 * late) / strikes : NaN;
  const monitorFloorMs = outputPathMs(engineA) + quantumMs(engineA);
  return {
    profile: c.profile.id,
    profileLabel: c.profile.label,
    latencyHint: c.latencyHint,
    rhythms: results,
    audible,
    handed: spread(pooled.handed),
    handedVsDelay: spread(pooled.handedVsDelay),
    soundedMinusHanded: spread(pooled.soundedMinusHanded),
    ioi: spread(pooled.ioi),
    medianLatencyMs,
    strikes,
    latePercent,
    skippedPercent: strikes ? (100 * skipped) / strikes : NaN,
    missing: results.reduce((s, r) => s + r.missing, 0),
    masked: results.reduce((s, r) => s + r.masked, 0),
    extra: extraB + strayB,
    delayChanges: results.reduce((s, r) => s + r.delayChanges, 0),
    linkP995Ms,
    transitP995Ms: quantile(transits, 0.995),
    outputPathMs: pathB,
    reportedOutputLatencyMs: c.diagB.outputLatencyMs,
    quantumMs: qB,
    floorMs,
    monitorMedianMs,
    monitorRangeMs: [Math.min(...monitorLatencies), Math.max(...monitorLatencies)],
    monitorSpread: spread(monitorDeviations),
    monitorFloorMs,
    monitorAppMs: c.diagA.monitorLatencyMs ?? null,
    clockB: { residualP99Ms: fitB.residualP99Ms, jumpsMs: fitB.jumpsMs, n: fitB.n },
    clockA: { residualP99Ms: fitA.residualP99Ms, jumpsMs: fitA.jumpsMs, n: fitA.n },
    priorTransitMs: partner?.priorTransitMs ?? null,
    finalDelayMs: partner?.delayMs ?? null,
    worklet: { staleB: engineB.staleCount, skippedB: engineB.gapCount, staleA: engineA.staleCount, skippedA: engineA.gapCount },
    met: {
      audible: audible.p95Ms <= AUDIBLE.targets.audibleP95Ms,
      late: latePercent <= AUDIBLE.targets.latePercent,
      // "within N ms of the floor": at most N above it (below it is better than the floor promises, see the report)
      floor: medianLatencyMs - floorMs <= AUDIBLE.targets.aboveFloorMs,
      monitor: monitorMedianMs - monitorFloorMs <= AUDIBLE.targets.monitorAboveFloorMs,
    },
  };
}

/** The rhythms in the order a cell plays them. */
export const CELL_RHYTHMS = RHYTHMS;
