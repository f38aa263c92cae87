/**
 * Real-browser timing benchmark: the settings, the in-page recorders, the
 * analysis and the report. Driven by e2e-bench/timing.spec.ts
 * (`npm run bench:e2e`), which owns the browsers, the server and the proxies.
 *
 * What makes the numbers TRUE rather than self-reported: both Chromium pages
 * and the server run on this machine, so `performance.timeOrigin +
 * performance.now()` is the same clock everywhere (the server's shared clock
 * is exactly that expression in its own process; docs/diagnostics.md). A
 * page's estimate of shared time can therefore be compared with the truth, and
 * a strike's true time is `timeOrigin + event.timeStamp` of the page that
 * struck.
 *
 * Everything a page reports comes back through `page.evaluate` as untyped
 * JSON, so it is validated with zod before use.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import type { DelayProxyStats, DelaySpec } from "./delay-proxy";

// ---------- settings ----------

export const BENCH = {
  /** the issue's reference link: 30 ± 10 ms per direction */
  link: { upstream: { baseMs: 30, jitterMs: 10 }, downstream: { baseMs: 30, jitterMs: 10 } } satisfies { upstream: DelaySpec; downstream: DelaySpec },
  /** one proxy per browser, each with its own jitter stream */
  seeds: { a: 1, b: 2 },
  /** 16th notes at 100 BPM */
  stepMs: 150,
  /** ~30 s of playing: 200 strikes per player (both fit the pages' 500-entry hit log) */
  steps: 200,
  /** B plays the same 16ths shifted by a 32nd, so the two players interleave */
  phaseBMs: 75,
  /** let clock sync settle after the join burst before anything is measured */
  settleMs: 3_000,
  /** the mapping shared ↔ local is sampled this often (to reconstruct it at each hit's arrival) */
  pollMs: 10,
  clockErrorEveryMs: 500,
  audioClockEveryMs: 100,
  /** target from the issue, for both the clock error and the remote scheduling error */
  targetP95Ms: 3,
  keysA: ["x", "s", "c", "s"],
  keysB: ["v", "g", "f", "g"],
} as const;

// ---------- in-page code (serialised by Playwright: must be self-contained) ----------

export interface RecorderArgs {
  pollMs: number;
  clockErrorEveryMs: number;
  audioClockEveryMs: number;
}

/**
 * Starts sampling inside a room page: the page's shared ↔ local mapping every
 * `pollMs` (so the mapping in force when a remote hit arrived can be found
 * afterwards), its TRUE clock error every `clockErrorEveryMs`, and, if the
 * app exposes `__backbeat.outputTimestamp()`, the audio clock.
 * Read-only: it calls nothing on the app but the `__backbeat` getter.
 */
export function installRecorderInPage(args: RecorderArgs): void {
  interface Bb {
    sharedNow(): number;
    clockOffsetMs: number | null;
    clockSkewPpm?: number | null;
    playoutDelayMs: number;
    outputTimestamp?: () => { contextTime?: number; performanceTime?: number } | null;
  }
  const w = window as unknown as { __backbeat?: Bb; __benchRecorder?: { stop(): unknown } };
  const mapping: { atLocalMs: number; offsetMs: number | null; skewPpm: number | null; sharedMs: number; playoutDelayMs: number }[] = [];
  const clockErrors: { atLocalMs: number; errorMs: number }[] = [];
  const audioClock: { contextTime: number; performanceTime: number }[] = [];
  const poll = () => {
    const atLocalMs = performance.now();
    // the getter computes clockOffsetMs for "now", i.e. for atLocalMs (to within microseconds)
    const bb = w.__backbeat;
    if (!bb) return;
    mapping.push({ atLocalMs, offsetMs: bb.clockOffsetMs, skewPpm: bb.clockSkewPpm ?? null, sharedMs: bb.sharedNow(), playoutDelayMs: bb.playoutDelayMs });
  };
  const sampleClock = () => {
    const bb = w.__backbeat;
    if (!bb) return;
    const errorMs = bb.sharedNow() - (performance.timeOrigin + performance.now());
    clockErrors.push({ atLocalMs: performance.now(), errorMs });
  };
  const sampleAudio = () => {
    const ts = w.__backbeat?.outputTimestamp?.();
    if (ts && typeof ts.contextTime === "number" && typeof ts.performanceTime === "number" && ts.performanceTime > 0) {
      audioClock.push({ contextTime: ts.contextTime, performanceTime: ts.performanceTime });
    }
  };
  poll();
  sampleClock();
  const timers = [
    setInterval(poll, args.pollMs),
    setInterval(sampleClock, args.clockErrorEveryMs),
    ...(typeof w.__backbeat?.outputTimestamp === "function" ? [setInterval(sampleAudio, args.audioClockEveryMs)] : []),
  ];
  w.__benchRecorder = {
    stop() {
      for (const t of timers) clearInterval(t);
      poll();
      sampleClock();
      return { mapping, clockErrors, audioClock, timeOrigin: performance.timeOrigin };
    },
  };
}

export interface RhythmArgs {
  /** true shared time (= this machine's epoch ms) of the first strike */
  startTrueMs: number;
  stepMs: number;
  steps: number;
  keys: readonly string[];
}

/**
 * Plays a steady rhythm by dispatching keydown events on window — the room
 * page's own keyboard path, whose handler takes the strike time from
 * `event.timeStamp`. Returns every event's timeStamp (performance.now() base),
 * from which the TRUE strike time is `timeOrigin + timeStamp`.
 */
export function playRhythmInPage(args: RhythmArgs): Promise<number[]> {
  return new Promise((resolve) => {
    const startLocalMs = args.startTrueMs - performance.timeOrigin;
    const stamps: number[] = [];
    let k = 0;
    const fire = () => {
      const targetMs = startLocalMs + k * args.stepMs;
      // Timers wake a few ms early (see below) and we spin the rest, so strikes
      // sit on the grid like a steady drummer's. Accuracy here is not what is
      // measured (the event's timeStamp is), it just keeps the rhythm regular.
      while (performance.now() < targetMs) {
        /* spin ≤ 4 ms */
      }
      const ev = new KeyboardEvent("keydown", { key: args.keys[k % args.keys.length], bubbles: true, cancelable: true });
      window.dispatchEvent(ev);
      stamps.push(ev.timeStamp);
      k++;
      if (k >= args.steps) return resolve(stamps);
      setTimeout(fire, Math.max(0, startLocalMs + k * args.stepMs - performance.now() - 4));
    };
    setTimeout(fire, Math.max(0, startLocalMs - performance.now() - 4));
  });
}

// ---------- validation of what the pages hand back ----------

const hitSchema = z.object({
  kind: z.enum(["local", "remote"]),
  from: z.string(),
  seq: z.number(),
  pad: z.string(),
  strikeAtMs: z.number(),
  scheduledAtMs: z.number(),
  late: z.boolean(),
  /** adaptive playout: arrived so late it was not played at all */
  skipped: z.boolean().optional(),
  receivedAtMs: z.number(),
  /** adaptive playout: the delay in force for this hit, when the app reports it */
  playoutDelayMs: z.number().optional(),
  /** the local performance.now()-base time the hit was mapped to, when the app reports it (exact instead of reconstructed) */
  playAtLocalMs: z.number().optional(),
  /** the AudioContext time passed to the engine, when the app reports it (needed for the audio error) */
  audioTime: z.number().optional(),
});
export type BenchHit = z.infer<typeof hitSchema>;

export const diagSchema = z.object({
  participantId: z.string(),
  playoutDelayMs: z.number(),
  rttMs: z.number().nullable(),
  clockOffsetMs: z.number().nullable(),
  remoteHits: z.number(),
  lateHits: z.number(),
  /** calibrated input latency the page subtracts from event timeStamps (0 in a fresh browser profile) */
  inputOffsetMs: z.number().optional(),
  outputLatencyMs: z.number().optional(),
  hits: z.array(hitSchema),
});

export const recorderSchema = z.object({
  timeOrigin: z.number(),
  mapping: z.array(
    z.object({ atLocalMs: z.number(), offsetMs: z.number().nullable(), skewPpm: z.number().nullable(), sharedMs: z.number(), playoutDelayMs: z.number() }),
  ),
  clockErrors: z.array(z.object({ atLocalMs: z.number(), errorMs: z.number() })),
  audioClock: z.array(z.object({ contextTime: z.number(), performanceTime: z.number() })),
});

export interface PageCapture {
  name: string;
  diag: z.infer<typeof diagSchema>;
  rec: z.infer<typeof recorderSchema>;
  /** event timeStamps of the strikes this page played */
  strikeStampsMs: number[];
}

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

/** Nearest-rank percentile of a sorted array. */
function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Percentiles of |x| (an error's size), plus the signed mean. */
export function summarize(xs: readonly number[]): Summary {
  const abs = xs.map(Math.abs).sort((a, b) => a - b);
  return {
    n: xs.length,
    meanMs: xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN,
    p50Ms: pct(abs, 50),
    p95Ms: pct(abs, 95),
    p99Ms: pct(abs, 99),
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
    if (h.playAtLocalMs !== undefined) {
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
    if (h.audioTime !== undefined) {
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
      exactLocalTime: receiver.diag.hits.some((h) => h.kind === "remote" && h.playAtLocalMs !== undefined),
    },
  };
}

export function analyse(a: PageCapture, b: PageCapture): TimingResult {
  const atA = pageResult(b, a);
  const atB = pageResult(a, b);
  const truths = [...atA.truths, ...atB.truths];
  const audio = truths.map((t) => t.audioErrorMs).filter((x): x is number => x !== null);
  const hasAudioTime = [a, b].some((p) => p.diag.hits.some((h) => h.kind === "remote" && h.audioTime !== undefined));
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

// ---------- report ----------

export interface MachineInfo {
  date: string;
  uname: string;
  cpu: string;
  cpus: number;
  chromium: string;
  node: string;
}

export function machineInfo(chromiumVersion: string): MachineInfo {
  let uname = "unknown";
  try {
    uname = execFileSync("uname", ["-a"], { encoding: "utf8" }).trim();
  } catch {
    /* not a Unix */
  }
  let cpu = "unknown";
  let cpus = 0;
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpu;
    cpus = (info.match(/^processor\s*:/gm) ?? []).length;
  } catch {
    /* no /proc */
  }
  return { date: new Date().toISOString(), uname, cpu, cpus, chromium: chromiumVersion, node: process.version };
}

const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "—");

function row(label: string, s: Summary | null, target: string): string {
  if (!s) return `| ${label} | — | — | — | — | — | — | — | ${target} |`;
  return `| ${label} | ${s.n} | ${f(s.meanMs)} | ${f(s.p50Ms)} | ${f(s.p95Ms)} | ${f(s.p99Ms)} | ${f(s.maxMs)} | ${target} |`;
}

export function renderTable(r: TimingResult): string {
  const [pa, pb] = r.pages;
  const t = `p95 ≤ ${BENCH.targetP95Ms}`;
  return [
    "| metric (ms; percentiles of \\|error\\|, mean is signed) | n | mean | p50 | p95 | p99 | max | target |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
    row("clock offset error, both pages (every 500 ms)", r.clockError, t),
    row(`↳ page ${pa.name}`, pa.clockError, ""),
    row(`↳ page ${pb.name}`, pb.clockError, ""),
    row("remote hit: true scheduled − (true strike + playout delay), both", r.schedule, t),
    row(`↳ heard on ${pa.name} (${pb.name}'s hits)`, pa.schedule, ""),
    row(`↳ heard on ${pb.name} (${pa.name}'s hits)`, pb.schedule, ""),
    row(`↳ sender's clock error at strike (${pb.name} → ${pa.name})`, pa.strikeClockError, ""),
    row(`↳ sender's clock error at strike (${pa.name} → ${pb.name})`, pb.strikeClockError, ""),
    row("remote inter-onset-interval error, both", r.ioi, ""),
    row("↳ part from playout-delay changes (page's own timeline)", r.ioiApp, ""),
    row("clock estimate steps at sync updates, both pages", r.offsetSteps, ""),
    row("audio scheduling error (AudioContext time vs ideal from true time)", r.audio, r.audio ? "" : "not measurable yet"),
  ].join("\n");
}

export interface RunInfo {
  machine: MachineInfo;
  proxies: { name: string; seed: number; stats: DelayProxyStats; timerLateInWindow: Summary }[];
  durationMs: number;
}

export function renderSection(r: TimingResult, run: RunInfo): string {
  const m = run.machine;
  const link = BENCH.link;
  const lines: string[] = [];
  lines.push(`## Run of ${m.date}`, "");
  lines.push(
    `- machine: \`${m.uname}\``,
    `- CPU: ${m.cpu} (${m.cpus} logical CPUs)`,
    `- Chromium ${m.chromium}, Node.js ${m.node}`,
    `- link: one delay proxy per browser, upstream ${link.upstream.baseMs} ± ${link.upstream.jitterMs} ms and downstream ` +
      `${link.downstream.baseMs} ± ${link.downstream.jitterMs} ms (normal, sd = jitter/2, clipped at ±jitter; order preserved), ` +
      `seeds ${run.proxies.map((p) => `${p.name}=${p.seed}`).join(", ")}`,
    `- play: both pages at once, 16ths at 100 BPM (${BENCH.stepMs} ms), ${BENCH.steps} strikes each (${f(run.durationMs / 1000, 1)} s), ` +
      `B shifted by ${BENCH.phaseBMs} ms; strikes are keydown events dispatched on window (the pads' keyboard path)`,
    "",
  );
  lines.push(renderTable(r), "");
  const [pa, pb] = r.pages;
  for (const p of [pa, pb]) {
    lines.push(
      `- page ${p.name}: ${p.remoteReceived}/${p.remoteExpected} partner hits received, ${p.late} late (${p.skipped} of them skipped); ` +
        `page's best RTT ${p.rttMs === null ? "—" : f(p.rttMs, 1)} ms; reported output latency ${p.outputLatencyMs === null ? "—" : f(p.outputLatencyMs, 1)} ms; ` +
        `playout delay at the end ${f(p.playoutDelayMs, 1)} ms` +
        `${p.perHitPlayoutDelay ? " (per-hit values used)" : " (page-level value, no per-hit field)"}; ` +
        `${p.exactLocalTime ? "exact local times from the page" : `local times reconstructed from the sampled clock mapping (${p.ambiguous} hits arrived within ${BENCH.pollMs} ms of a sync update, ≤ ${f(p.ambiguityMaxMs)} ms uncertain)`}; ` +
        `estimated skew ${p.skewPpm ? `${f(p.skewPpm.min, 1)}…${f(p.skewPpm.max, 1)} ppm (truly 0)` : "not reported"}`,
    );
  }
  lines.push(`- late hits: ${f(r.latePercent, 1)} %`);
  for (const p of run.proxies) {
    const s = p.stats;
    lines.push(
      `- proxy ${p.name}: ${s.connections} connections; measured one-way delay up ${f(s.upstream.delayMinMs, 1)}–${f(s.upstream.delayMaxMs, 1)} ms ` +
        `(mean ${f(s.upstream.delayMeanMs, 1)}, ${s.upstream.chunks} chunks), down ${f(s.downstream.delayMinMs, 1)}–${f(s.downstream.delayMaxMs, 1)} ms ` +
        `(mean ${f(s.downstream.delayMeanMs, 1)}, ${s.downstream.chunks} chunks); timer lateness ≤ ${f(Math.max(s.upstream.timerLateMaxMs, s.downstream.timerLateMaxMs), 1)} ms over the run, ` +
        `p95 ${f(p.timerLateInWindow.p95Ms)} / max ${f(p.timerLateInWindow.maxMs)} ms while playing`,
    );
  }
  if (r.audioMissing) lines.push(`- audio scheduling error not measured: \`__backbeat\` lacks ${r.audioMissing}.`);
  lines.push(
    "",
    `**Target (p95 ≤ ${BENCH.targetP95Ms} ms for both the clock offset error and the remote scheduling error through a ` +
      `${link.upstream.baseMs} ± ${link.upstream.jitterMs} ms proxy): ${r.targetMet ? "MET" : "NOT MET"}** — ` +
      `clock offset error p95 ${f(r.clockError.p95Ms)} ms, remote scheduling error p95 ${f(r.schedule.p95Ms)} ms.`,
    "",
  );
  return lines.join("\n");
}

const BEGIN = "<!-- bench:e2e:begin -->";
const END = "<!-- bench:e2e:end -->";

const HEADER = `# Timing benchmark in real browsers

\`npm run bench:e2e\` (\`e2e-bench/timing.spec.ts\`, \`bench/e2e-timing.ts\`) starts the production server,
puts a seeded delaying proxy (\`bench/delay-proxy.ts\`) in front of it for each of two Chromium
contexts, creates a room, joins both, lets clock sync settle, then has both players play 16th
notes for ~30 s. Because browsers and server share this machine's clock, errors are TRUE errors,
not the app's own estimates (docs/diagnostics.md):

- **clock offset error**: \`__backbeat.sharedNow() − (performance.timeOrigin + performance.now())\`, sampled every 500 ms per page;
- **remote scheduling error**: for each partner hit, the true time the receiving page aimed it at
  (its local time \`scheduledAtMs − offset in force at arrival\`, plus \`timeOrigin\`) minus
  (the true strike time \`timeOrigin + event.timeStamp\` of the sender + the playout delay in force);
  it is the difference of the two pages' clock errors at strike and at arrival;
- **inter-onset-interval error**: consecutive partner hits' spacing as scheduled minus as struck (true
  times); the row under it is the same on the page's own timeline, i.e. only what its playout-delay
  changes do to the rhythm;
- **clock estimate steps**: how far the page's clock estimate jumps at each sync update;
- **audio scheduling error**: the AudioContext time given to the engine minus the ideal one from the
  true time (needs diagnostics fields, see the run notes).

The proxies run in their own processes; their "timer lateness" is how late a chunk left compared
with its seeded delivery time (CPU contention on the machine), i.e. jitter on top of the link's.
A single run has a few hundred samples per row, so p95/p99 move by ~1 ms between runs.

The section below is replaced by every run.
`;

export function writeSection(path: string, section: string): void {
  mkdirSync(dirname(path), { recursive: true });
  let doc = existsSync(path) ? readFileSync(path, "utf8") : HEADER;
  const block = `${BEGIN}\n${section}\n${END}`;
  const i = doc.indexOf(BEGIN);
  const j = doc.indexOf(END);
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + END.length) : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, doc);
}
