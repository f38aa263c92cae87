/**
 * The replay transport in the browser: schedules a view's playable events on
 * the audio clock ahead of time with a look-ahead timer (like live play), at a
 * speed, through a loop region; seeks; and keeps `window.__backbeatReplay`
 * (the diagnostics the e2e tests and the benchmark read) current.
 *
 * The maths (position ↔ audio time, loop laps, which events are due) is in
 * core/replay.ts; this file only owns the timer, the audio engine and the
 * bookkeeping. No React.
 */
import type { RecordingJson } from "../../core/http-api";
import {
  clampSpeed,
  positionAt,
  scheduleUntil,
  startCursor,
  unwrappedAt,
  wrapPosition,
  type Cursor,
  type LoopRegion,
  type Playable,
  type ReplayEvents,
  type Transport,
} from "../../core/replay";
import { RENDER_QUANTUM_MS } from "../../core/audio-deadline";
import type { AudioEngine } from "./audio/engine";
import { heardAudioTime } from "./audio-clock";

/** how far ahead (audio-clock seconds) hits are handed to Web Audio */
const LOOKAHEAD_S = 0.2;
/** in a hidden tab timers run at most once a second: look further ahead */
const HIDDEN_LOOKAHEAD_S = 1.5;
const TICK_MS = 25;
/** the first hit after Play/seek is scheduled this far ahead, so nothing starts in the past */
const START_DELAY_S = 0.06;
/**
 * A hit whose time has passed (the timer was starved) still plays, at once,
 * unless it is this late: then it is dropped rather than bunched with others.
 */
const STALE_S = 1;

export type PlayState = "paused" | "playing" | "ended";

export interface ScheduledHit {
  participantId: string;
  seq: number;
  pad: string;
  /** position in the recording (ms from its start) in the current view */
  atMs: number;
  audioTime: number;
}

export interface WavRenderDiag {
  renderedSec: number;
  /** wall time of the offline render itself */
  wallMs: number;
  /** render + WAV encoding */
  totalWallMs: number;
  /** renderedSec / (wallMs / 1000) */
  speed: number;
  hits: number;
  bytes: number;
  /** offline contexts rendered in parallel */
  segments: number;
  /** the file's peak (≤ −1 dBFS) and the factor that brought it there (1: none needed) */
  peakDbfs: number;
  scale: number;
  /** where the export starts (ms from the recording start; the bar line at or before it for a whole recording) */
  fromMs: number;
}

/** The last stems export: one WAV per player, zipped. */
export interface StemsRenderDiag {
  files: string[];
  /** frames of every stem (all the same) */
  frames: number;
  renderedSec: number;
  wallMs: number;
  hits: number;
  bytes: number;
  peakDbfs: number;
  scale: number;
  fromMs: number;
}

export interface ReplayDiag {
  state: PlayState;
  positionMs: number;
  durationMs: number;
  /** hits handed to the audio engine since the last Play / seek / restart */
  scheduled: ScheduledHit[];
  /** "played" or "heard:<listenerId>" */
  mode: string;
  speed: number;
  loop: LoopRegion | null;
  /** ids of the players that sound (mute / solo applied) */
  enabledPlayers: string[];
  /** incremented on every (re)start of scheduling */
  runId: number;
  /** hits not played because the scheduling timer was starved for more than a second */
  dropped: number;
  /** hits handed to the engine after their audio deadline (heard late, at the next render quantum) */
  late: number;
  /** performance.now() marks (ms since navigation) for the benchmark */
  perf: {
    /** the recording's JSON requested / received and parsed */
    fetchStartMs: number | null;
    fetchedMs: number | null;
    /** event lists built, transport ready: Play can be pressed */
    readyMs: number | null;
    playPressedMs: number | null;
    /** the audio clock runs and scheduling has started */
    audioStartedMs: number | null;
    firstScheduledMs: number | null;
  };
  wavRender: WavRenderDiag | null;
  stemsRender: StemsRenderDiag | null;
}

declare global {
  interface Window {
    __backbeatReplay?: ReplayDiag;
  }
}

export interface Content {
  events: ReplayEvents;
  playable: Playable;
  mode: string;
  enabledPlayers: string[];
}

export class ReplayTransport {
  readonly diag: ReplayDiag;
  private engine: AudioEngine | null = null;
  private enginePromise: Promise<AudioEngine> | null = null;
  private content: Content;
  private speed = 1;
  private loop: LoopRegion | null = null;
  private pausedAtMs = 0;
  private transport: Transport | null = null;
  private cursor: Cursor | null = null;
  /** audio time up to which everything due has been handed out */
  private scheduledUntil = 0;
  private timer: number | null = null;
  private listeners = new Set<() => void>();

  constructor(
    private readonly rec: RecordingJson,
    readonly durationMs: number,
    content: Content,
  ) {
    this.content = content;
    this.diag = {
      state: "paused",
      positionMs: 0,
      durationMs,
      scheduled: [],
      mode: content.mode,
      speed: 1,
      loop: null,
      enabledPlayers: content.enabledPlayers,
      runId: 0,
      dropped: 0,
      late: 0,
      perf: { fetchStartMs: null, fetchedMs: null, readyMs: null, playPressedMs: null, audioStartedMs: null, firstScheduledMs: null },
      wavRender: null,
      stemsRender: null,
    };
    if (typeof window !== "undefined") window.__backbeatReplay = this.diag;
  }

  /** called on state changes (play / pause / end / seek), not on every tick */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  private emit(): void {
    for (const fn of this.listeners) fn();
  }

  get state(): PlayState {
    return this.diag.state;
  }

  /** The current position (ms), computed from the audio clock while playing. */
  position(): number {
    // What is HEARD now: currentTime runs the output path (10–100+ ms) ahead of the speaker.
    if (this.transport && this.engine) return positionAt(this.transport, Math.max(this.transport.originAudioS, heardAudioTime(this.engine.context))).posMs;
    return this.pausedAtMs;
  }

  /** Loads the audio module early (no AudioContext yet: that needs a user gesture). */
  preload(): void {
    void import("./audio/engine");
  }

  private async ensureEngine(): Promise<AudioEngine> {
    if (this.engine) return this.engine;
    this.enginePromise ??= import("./audio/engine").then(({ createAudioEngine }) => (this.engine = createAudioEngine()));
    return this.enginePromise;
  }

  async play(): Promise<void> {
    this.diag.perf.playPressedMs ??= performance.now();
    const engine = await this.ensureEngine();
    await engine.resume();
    if (this.diag.state === "ended" || this.pausedAtMs >= this.durationMs) this.pausedAtMs = 0;
    this.diag.perf.audioStartedMs ??= performance.now();
    this.start(this.pausedAtMs, engine.context.currentTime + START_DELAY_S, true);
    this.setState("playing");
  }

  pause(): void {
    if (this.diag.state !== "playing") return;
    this.pausedAtMs = this.position();
    this.stopTimer();
    this.transport = null;
    this.diag.positionMs = this.pausedAtMs;
    this.setState("paused");
  }

  seek(ms: number): void {
    const to = Math.min(this.durationMs, Math.max(0, ms));
    if (this.diag.state === "playing" && this.engine) {
      this.start(to, this.engine.context.currentTime + START_DELAY_S, true);
    } else {
      this.pausedAtMs = to;
      if (this.diag.state === "ended") this.diag.state = "paused";
    }
    this.diag.positionMs = to;
    this.emit();
  }

  setSpeed(speed: number): void {
    this.speed = clampSpeed(speed);
    this.diag.speed = this.speed;
    this.retime();
  }

  setLoop(loop: LoopRegion | null): void {
    this.loop = loop;
    this.diag.loop = loop;
    this.retime();
  }

  setContent(content: Content): void {
    this.content = content;
    this.diag.mode = content.mode;
    this.diag.enabledPlayers = content.enabledPlayers;
    this.retime();
  }

  dispose(): void {
    this.stopTimer();
    this.transport = null;
    this.listeners.clear();
    this.engine?.dispose();
    this.engine = null;
  }

  /**
   * A change of speed / loop / mix / view while playing: continue seamlessly
   * from where scheduling has got to (what is already handed to Web Audio
   * cannot be taken back), so nothing plays twice and nothing is skipped.
   */
  private retime(): void {
    if (this.diag.state !== "playing" || !this.transport || !this.engine) return;
    const at = Math.max(this.scheduledUntil, this.engine.context.currentTime);
    const pos = wrapPosition(this.transport, unwrappedAt(this.transport, at));
    this.start(pos, at, false);
  }

  /** fresh: a new run (Play / seek); otherwise a continuation, where events exactly at `fromMs` were handed out already */
  private start(fromMs: number, audioS: number, fresh: boolean): void {
    this.stopTimer();
    const loop = this.loop && fromMs < this.loop.endMs ? this.loop : null;
    this.transport = { originAudioS: audioS, originPosMs: fromMs, speed: this.speed, loop, durationMs: this.durationMs };
    this.cursor = startCursor(this.transport, this.content.playable);
    if (!fresh) {
      const times = this.content.playable.atMs;
      while (this.cursor.next < times.length && times[this.cursor.next]! <= fromMs) this.cursor.next++;
    }
    this.scheduledUntil = audioS;
    if (fresh) {
      this.diag.scheduled = [];
      this.diag.runId++;
    }
    this.timer = window.setInterval(() => this.tick(), TICK_MS);
    this.tick();
  }

  private tick(): void {
    const engine = this.engine;
    const t = this.transport;
    if (!engine || !t || !this.cursor) return;
    const now = engine.context.currentTime;
    const until = now + (typeof document !== "undefined" && document.hidden ? HIDDEN_LOOKAHEAD_S : LOOKAHEAD_S);
    const due = scheduleUntil(t, this.content.playable, this.cursor, until);
    this.scheduledUntil = Math.max(this.scheduledUntil, until);
    const ev = this.content.events;
    for (const d of due) {
      if (d.audioTime < now - STALE_S) {
        this.diag.dropped++;
        continue;
      }
      // The audio deadline (core/audio-deadline.ts): a start before currentTime + one quantum is heard late.
      if (d.audioTime < now + RENDER_QUANTUM_MS / 1000) this.diag.late++;
      const hit = this.rec.hits[ev.hit[d.event]!]!;
      engine.playHit(hit.pad, d.audioTime, hit.velocity);
      this.diag.scheduled.push({ participantId: hit.participantId, seq: hit.seq, pad: hit.pad, atMs: d.atMs, audioTime: d.audioTime });
      this.diag.perf.firstScheduledMs ??= performance.now();
    }
    const { posMs, ended } = positionAt(t, Math.max(t.originAudioS, heardAudioTime(engine.context)));
    this.diag.positionMs = posMs;
    if (ended) {
      this.stopTimer();
      this.transport = null;
      this.pausedAtMs = this.durationMs;
      this.diag.positionMs = this.durationMs;
      this.setState("ended");
    }
  }

  private stopTimer(): void {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
  }

  private setState(s: PlayState): void {
    this.diag.state = s;
    this.emit();
  }
}
