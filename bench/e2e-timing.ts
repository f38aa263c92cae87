/**
 * Real-browser timing benchmark: the settings, the in-page recorders and the
 * validation of what the pages hand back; the analysis is in
 * ./e2e-timing-analysis.ts, the report in ./e2e-timing-report.ts. Driven by
 * e2e-bench/timing.spec.ts (`npm run bench:e2e`), which owns the browsers, the
 * server and the proxies. The AUDIBLE section (what the listener's speaker
 * plays) is ./audible-bench.ts.
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
import { z } from "zod";
import type { DelaySpec } from "./delay-proxy";

// ---------- settings ----------

export const BENCH = {
  /** the reference link: 30 ± 10 ms per direction */
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

export const hitSchema = z.object({
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
  /** the local performance.now()-base time the hit was mapped to, when the app reports it (exact instead of reconstructed; null: skipped) */
  playAtLocalMs: z.number().nullable().optional(),
  /** the AudioContext time passed to the engine, when the app reports it (needed for the audio error; null: skipped) */
  audioTime: z.number().nullable().optional(),
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
