/**
 * Analysis of the real-browser timing benchmark (bench/e2e-timing.ts): what
 * each page did with its partner's hits, against the machine's true clock.
 */
import type { z } from "zod";
import { quantile } from "../core/stats";
import { BENCH, type PageCapture, type recorderSchema } from "./e2e-timing";

// ---------- statistics ----------

export interface Summary {
  n: number;
  /** signed mean: shows a bias that the absolute percentiles hide */
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}


/** Percentiles of |x| (an error's size), plus the signed mean. */
export function summarize(xs: readonly number[]): Summary {
  const abs = xs.map(Math.abs).sort((a, b) => a - b);
  return {
    n: xs.length,
    meanMs: xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN,
    p50Ms: quantile(abs, 0.5),
    p95Ms: quantile(abs, 0.95),
    p99Ms: quantile(abs, 0.99),
    maxMs: abs.length ? abs[abs.length - 1]! : NaN,
  };
}

// ---------- analysis ----------

interface RemoteTruth {
  /** true shared time the receiving page aimed the hit at, minus (true strike + playout delay in force) */
  scheduleErrorMs: number;
  trueStrikeMs: number;
  trueScheduledMs: number;
  /** as the receiving page logs it (its own clock estimates) */
  strikeAtMs: number;
  scheduledAtMs: number;
  late: boolean;
  skipped: boolean;
  seq: number;
  /** the mapping at arrival had to be guessed between two samples that straddle an estimate change */
  ambiguous: boolean;
  /** how far off the reconstruction can be when ambiguous */
  ambiguityMs: number;
  audioErrorMs: number | null;
}

export interface PageResult {
  name: string;
  latePercentOfReceived: number;
  clockError: Summary;
  /** the sender's clock error at its strikes (strikeAtMs − true strike time) */
  strikeClockError: Summary;
  /** remote hits as heard on this page */
  schedule: Summary;
  ioi: Summary;
  /** inter-onset error on the page's own timeline: what its playout-delay changes alone do to the rhythm */
  ioiApp: Summary;
  /** jumps of the clock estimate at sync updates */
  offsetSteps: Summary;
  /** range of the estimated drift (truly 0 here: one machine, one clock) */
  skewPpm: { min: number; max: number } | null;
  audio: Summary | null;
  remoteReceived: number;
  remoteExpected: number;
  /** arrived after their slot (played at once or skipped) */
  late: number;
  skipped: number;
  ambiguous: number;
  ambiguityMaxMs: number;
  rttMs: number | null;
  outputLatencyMs: number | null;
  playoutDelayMs: number;
  perHitPlayoutDelay: boolean;
  exactLocalTime: boolean;
}

export interface TimingResult {
  pages: [PageResult, PageResult];
  clockError: Summary;
  schedule: Summary;
  ioi: Summary;
  ioiApp: Summary;
  offsetSteps: Summary;
  audio: Summary | null;
  latePercent: number;
  audioMissing: string | null;
  targetMet: boolean;
}

type MappingSample = z.infer<typeof recorderSchema>["mapping"][number];

/**
 * The receiving page's shared → local mapping is a line while one clock
 * estimate is in force: offset(L) = o + skew·(L − L₀) (app: ClockSync.offsetAt).
 * The recorder samples `clockOffsetMs` (offset at the sample's local time) and
 * `clockSkewPpm` every pollMs, so for a hit that arrived at shared time R we
 * take the line of the last sample before R and solve
 * x + offset(x) = scheduledAtMs for the local time x the hit was aimed at.
 *
 * The estimate only changes on a sync exchange. If the next sample is not on
 * the same line, an update landed inside this poll interval and we cannot tell
 * whether it came before or after the hit's arrival: we keep the old line and
 * report the difference the new one would make (`ambiguityMs`).
 */
function localTimeOfScheduled(
  mapping: MappingSample[],
  receivedAtMs: number,
  scheduledAtMs: number,
): { localMs: number; ambiguous: boolean; ambiguityMs: number } {
  let lo = 0;
  let hi = mapping.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (mapping[mid]!.sharedMs <= receivedAtMs) lo = mid;
    else hi = mid - 1;
  }
  const before = mapping[lo]!;
  const after = mapping[Math.min(lo + 1, mapping.length - 1)]!;
  const solve = (m: MappingSample) => {
    const o = m.offsetMs ?? m.sharedMs - m.atLocalMs;
    const k = (m.skewPpm ?? 0) * 1e-6;
    return (scheduledAtMs - o + k * m.atLocalMs) / (1 + k);
  };
  const localMs = solve(before);
  const k = (before.skewPpm ?? 0) * 1e-6;
  const predictedMs = (before.offsetMs ?? 0) + k * (after.atLocalMs - before.atLocalMs);
  // 1 µs: far above float noise on offsets of ~1.7e12 ms (~0.2 µs), far below anything that matters
  const sameLine = before.skewPpm === after.skewPpm && Math.abs((after.offsetMs ?? 0) - predictedMs) < 1e-3;
  if (sameLine) return { localMs, ambiguous: false, ambiguityMs: 0 };
  return { localMs, ambiguous: true, ambiguityMs: Math.abs(solve(after) - localMs) };
}

function playoutDelayAt(mapping: MappingSample[], sharedMs: number): number {
  let d = mapping[0]?.playoutDelayMs ?? NaN;
  for (const m of mapping) {
    if (m.sharedMs > sharedMs) break;
    d = m.playoutDelayMs;
  }
  return d;
}

/** Audio clock ↔ local clock at a local time: a line through the recorded pairs nearest to it. */
function audioTimeAt(samples: z.infer<typeof recorderSchema>["audioClock"], localMs: number): number | null {
  if (samples.length < 2) return null;
  const near = [...samples].sort((a, b) => Math.abs(a.performanceTime - localMs) - Math.abs(b.performanceTime - localMs)).slice(0, 10);
  const n = near.length;
  const mp = near.reduce((s, x) => s + x.performanceTime, 0) / n;
  const mc = near.reduce((s, x) => s + x.contextTime, 0) / n;
  let spp = 0;
  let spc = 0;
  for (const x of near) {
    spp += (x.performanceTime - mp) ** 2;
    spc += (x.performanceTime - mp) * (x.contextTime - mc);
  }
  const slope = spp > 0 ? spc / spp : 1 / 1000; // s per ms
  return mc + slope * (localMs - mp);
}

/** What the receiver did with the sender's hits, against the truth. */
function remoteTruths(sender: PageCapture, receiver: PageCapture): { truths: RemoteTruth[]; strikeClockErrors: number[] } {
  const localHits = sender.diag.hits.filter((h) => h.kind === "local");
  if (localHits.length !== sender.strikeStampsMs.length) {
    throw new Error(`${sender.name}: ${sender.strikeStampsMs.length} strikes dispatched but ${localHits.length} local hits logged (log overflow or a dropped key event)`);
  }
  const bySeq = new Map<number, { trueStrikeMs: number; strikeAtMs: number }>();
  const strikeClockErrors: number[] = [];
  // The page means the hit inputOffsetMs before the event (calibrated input latency): so does the truth.
  const inputOffsetMs = sender.diag.inputOffsetMs ?? 0;
  localHits.forEach((h, i) => {
    const trueStrikeMs = sender.rec.timeOrigin + sender.strikeStampsMs[i]! - inputOffsetMs;
    strikeClockErrors.push(h.strikeAtMs - trueStrikeMs);
    bySeq.set(h.seq, { trueStrikeMs, strikeAtMs: h.strikeAtMs });
  });
  const truths: RemoteTruth[] = [];
  for (const h of receiver.diag.hits) {
    if (h.kind !== "remote" || h.from !== sender.diag.participantId) continue;
    const s = bySeq.get(h.seq);
    if (!s) continue; // a hit from before the measured window
    const delayMs = h.playoutDelayMs ?? playoutDelayAt(receiver.rec.mapping, h.receivedAtMs);
    let ambiguous = false;
    let ambiguityMs = 0;
    let localScheduledMs: number;
    if (h.playAtLocalMs !== undefined && h.playAtLocalMs !== null) {
      localScheduledMs = h.playAtLocalMs;
    } else {
      const m = localTimeOfScheduled(receiver.rec.mapping, h.receivedAtMs, h.scheduledAtMs);
      ambiguous = m.ambiguous;
      ambiguityMs = m.ambiguityMs;
      localScheduledMs = m.localMs;
    }
    const trueScheduledMs = receiver.rec.timeOrigin + localScheduledMs;
    const trueDueMs = s.trueStrikeMs + delayMs;
    let audioErrorMs: number | null = null;
    if (h.audioTime !== undefined && h.audioTime !== null) {
      const ideal = audioTimeAt(receiver.rec.audioClock, trueDueMs - receiver.rec.timeOrigin);
      if (ideal !== null) audioErrorMs = (h.audioTime - ideal) * 1000;
    }
    truths.push({
      scheduleErrorMs: trueScheduledMs - trueDueMs,
      trueStrikeMs: s.trueStrikeMs,
      trueScheduledMs,
      strikeAtMs: h.strikeAtMs,
      scheduledAtMs: h.scheduledAtMs,
      late: h.late,
      skipped: h.skipped ?? false,
      seq: h.seq,
      ambiguous,
      ambiguityMs,
      audioErrorMs,
    });
  }
  truths.sort((x, y) => x.seq - y.seq);
  return { truths, strikeClockErrors };
}

function pageResult(sender: PageCapture, receiver: PageCapture): { result: PageResult; truths: RemoteTruth[]; ioi: number[]; ioiApp: number[]; steps: number[] } {
  const all = remoteTruths(sender, receiver);
  const strikeClockErrors = all.strikeClockErrors;
  // A skipped hit never sounds: it counts as received (and in late %), not in the timing errors.
  const truths = all.truths.filter((t) => !t.skipped);
  const skipped = all.truths.length - truths.length;
  const ioi: number[] = [];
  const ioiApp: number[] = [];
  for (let i = 1; i < truths.length; i++) {
    const a = truths[i - 1]!;
    const b = truths[i]!;
    if (b.seq !== a.seq + 1) continue; // only truly consecutive strikes
    ioi.push(b.trueScheduledMs - a.trueScheduledMs - (b.trueStrikeMs - a.trueStrikeMs));
    // The same on the page's own timeline: only playout-delay changes (and late hits) show up here.
    ioiApp.push(b.scheduledAtMs - a.scheduledAtMs - (b.strikeAtMs - a.strikeAtMs));
  }
  // Steps of the clock estimate at sync updates: the jump off the previous estimate's line.
  const steps: number[] = [];
  const skews: number[] = [];
  const m = receiver.rec.mapping;
  for (let i = 1; i < m.length; i++) {
    const b = m[i - 1]!;
    const a = m[i]!;
    if (a.skewPpm !== null) skews.push(a.skewPpm);
    if (a.offsetMs === null || b.offsetMs === null) continue;
    const stepMs = a.offsetMs - (b.offsetMs + (b.skewPpm ?? 0) * 1e-6 * (a.atLocalMs - b.atLocalMs));
    if (Math.abs(stepMs) >= 1e-3) steps.push(stepMs);
  }
  const audio = truths.map((t) => t.audioErrorMs).filter((x): x is number => x !== null);
  return {
    truths,
    ioi,
    ioiApp,
    steps,
    result: {
      latePercentOfReceived: all.truths.length ? (100 * all.truths.filter((t) => t.late).length) / all.truths.length : NaN,
      name: receiver.name,
      clockError: summarize(receiver.rec.clockErrors.map((c) => c.errorMs)),
      strikeClockError: summarize(strikeClockErrors),
      schedule: summarize(truths.map((t) => t.scheduleErrorMs)),
      ioi: summarize(ioi),
      ioiApp: summarize(ioiApp),
      offsetSteps: summarize(steps),
      skewPpm: skews.length ? { min: Math.min(...skews), max: Math.max(...skews) } : null,
      audio: audio.length ? summarize(audio) : null,
      remoteReceived: all.truths.length,
      remoteExpected: sender.strikeStampsMs.length,
      late: all.truths.filter((t) => t.late).length,
      skipped,
      ambiguous: truths.filter((t) => t.ambiguous).length,
      ambiguityMaxMs: Math.max(0, ...truths.map((t) => t.ambiguityMs)),
      rttMs: receiver.diag.rttMs,
      outputLatencyMs: receiver.diag.outputLatencyMs ?? null,
      playoutDelayMs: receiver.diag.playoutDelayMs,
      perHitPlayoutDelay: receiver.diag.hits.some((h) => h.kind === "remote" && h.playoutDelayMs !== undefined),
      exactLocalTime: receiver.diag.hits.some((h) => h.kind === "remote" && h.playAtLocalMs !== undefined && h.playAtLocalMs !== null),
    },
  };
}

export function analyse(a: PageCapture, b: PageCapture): TimingResult {
  const atA = pageResult(b, a);
  const atB = pageResult(a, b);
  const truths = [...atA.truths, ...atB.truths];
  const audio = truths.map((t) => t.audioErrorMs).filter((x): x is number => x !== null);
  const hasAudioTime = [a, b].some((p) => p.diag.hits.some((h) => h.kind === "remote" && h.audioTime !== undefined && h.audioTime !== null));
  const hasAudioClock = [a, b].every((p) => p.rec.audioClock.length >= 2);
  const audioMissing = audio.length
    ? null
    : [
        hasAudioTime ? null : "`audioTime` on remote hits (the AudioContext time passed to engine.playHit)",
        hasAudioClock ? null : "`outputTimestamp()` on `__backbeat` (a fresh `AudioContext.getOutputTimestamp()`: `{ contextTime, performanceTime }`)",
      ]
        .filter(Boolean)
        .join(" and ");
  const clockError = summarize([...a.rec.clockErrors, ...b.rec.clockErrors].map((c) => c.errorMs));
  const schedule = summarize(truths.map((t) => t.scheduleErrorMs));
  const received = atA.result.remoteReceived + atB.result.remoteReceived;
  const late = atA.result.late + atB.result.late;
  return {
    pages: [atA.result, atB.result],
    clockError,
    schedule,
    ioi: summarize([...atA.ioi, ...atB.ioi]),
    ioiApp: summarize([...atA.ioiApp, ...atB.ioiApp]),
    offsetSteps: summarize([...atA.steps, ...atB.steps]),
    audio: audio.length ? summarize(audio) : null,
    latePercent: received ? (100 * late) / received : NaN,
    audioMissing: audioMissing || null,
    targetMet: clockError.p95Ms <= BENCH.targetP95Ms && schedule.p95Ms <= BENCH.targetP95Ms,
  };
}
