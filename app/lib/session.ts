/**
 * The browser's sound side of a jam, on top of the DOM-free connection
 * (app/lib/connection/jam-connection.ts): your own hits heard at once, partners'
 * hits and the metronome scheduled on the AudioContext clock from the shared
 * clock, and the diagnostics log. React components subscribe to its snapshots;
 * timing work never goes through React state.
 *
 * The engine (app/lib/audio/engine.ts) is handed in: how it makes sound (and
 * whether any library backs it) is its business; this file only maps times.
 */
import { median } from "../../core/stats";
import { audioLeadMs, OutputPathMeter, renderQuantumMs } from "../../core/audio-deadline";
import { PlannedOutputPath } from "../../core/planned-path";
import { StrikeHandling } from "../../core/strike-handling";
import { AudioClockLine } from "../../core/audio-clock-line";
import type { PadId } from "../../core/kit";
import type { LateTargetId } from "../../core/playout";
import type { RelayedHit } from "../../core/protocol";
import type { AdaptiveDecision } from "../../core/playout";
import type { HitPath } from "../../core/first-copy";
import type { AudioEngine } from "./audio/engine";
import { CLICKS_BUS, DEFAULT_VOLUME } from "./audio/mix-buses";
import { measuredOutputPathMs, outputLatencyMs, perfToAudioTime, sampleAudioClock } from "./audio-clock";
import { BeatQueue, type ScheduledBeat } from "./beat-queue";
import { ClickScheduler, SCHEDULER_TICK_MS } from "./click-scheduler";
import { JamConnection, type AudioLead, type ConnectionSnapshot, type JamConnectionOptions } from "./connection/jam-connection";
import { HitLog, type Diagnostics } from "./diagnostics";
import { levelToGain, loadMix, partnerLevel, saveMix, withPartner, type ChannelLevel, type MixLevels } from "./mix-levels";

export type { DiagHit, Diagnostics, PartnerStats } from "./diagnostics";

export interface SessionSnapshot extends ConnectionSnapshot {
  metronomeOn: boolean;
  /** this player hears the room's backing groove */
  backingOn: boolean;
  fairMonitoring: boolean;
}

type SoundState = Pick<SessionSnapshot, "metronomeOn" | "backingOn" | "fairMonitoring">;

/**
 * A pad to light: your strike at once (`from` null), a partner's hit when it sounds here. Its own
 * event, not a snapshot: a hit must not re-render the room page (bench:e2e measured the page's
 * main thread delaying partners' hits by tens of ms when every hit re-rendered it).
 */
export interface PadFlash {
  pad: PadId;
  from: string | null;
}

export interface JamSessionOptions extends Omit<JamConnectionOptions, "now" | "audioLead" | "storage" | "url"> {
  engine: AudioEngine;
  /** this device's calibrated input latency, subtracted from strike times */
  inputOffsetMs?: number;
  fairMonitoring?: boolean;
  /** socket.io URL; same origin by default */
  url?: string;
}

export class JamSession {
  readonly connection: JamConnection;
  private readonly engine: AudioEngine;
  /** the audio clock ↔ performance.now() line, fitted from getOutputTimestamp() pairs */
  private readonly audioClock = new AudioClockLine();
  /** this device's output path, measured (core/audio-deadline.ts): the largest reading of the last ~10 s (25 ms ticks; diagnostics, monitoring floor) */
  private readonly outputPath = new OutputPathMeter(400);
  /** the path partners' playout plans with: covers the callback sawtooth, does not follow its phase (core/planned-path.ts) */
  private readonly plannedPath = new PlannedOutputPath();
  private readonly clicks: ClickScheduler;
  /** the beats handed to the engine, for the beat display (heardBeat) */
  private readonly beats = new BeatQueue();
  /** this device's mix (./mix-levels.ts), applied to the engine's buses */
  private mix: MixLevels;
  /** the gain each partner's bus was last given (set only when it changes) */
  private readonly partnerGains = new Map<string, number>();
  private readonly mixListeners = new Set<() => void>();
  private readonly log = new HitLog();
  /** your strike → your sound, last 50 hits */
  private monitorMs: number[] = [];
  /** event → strike handled, for diagnostics (core/strike-handling.ts) */
  private readonly handling = new StrikeHandling();
  private inputOffsetMs: number;
  private sound: SoundState;
  private snap: SessionSnapshot;
  private readonly listeners = new Set<(s: SessionSnapshot) => void>();
  private readonly flashListeners = new Set<(f: PadFlash) => void>();
  private readonly schedTimer: ReturnType<typeof setInterval>;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(opts: JamSessionOptions) {
    this.engine = opts.engine;
    this.inputOffsetMs = opts.inputOffsetMs ?? 0;
    this.clicks = new ClickScheduler(opts.engine, this.beats);
    this.mix = loadMix();
    this.sound = { metronomeOn: true, backingOn: true, fairMonitoring: opts.fairMonitoring ?? false };
    this.connection = new JamConnection({
      ...opts,
      url: opts.url ?? "",
      storage: typeof localStorage === "undefined" ? null : localStorage,
      now: () => performance.now(),
      audioLead: () => this.leads(),
    });
    this.snap = { ...this.connection.snapshot, ...this.sound };
    this.applyMix(); // before anything sounds (the connection exists: partners' levels follow its room view)
    let room = this.connection.room;
    this.unsubscribe.push(
      this.connection.subscribe((c) => {
        if (c.room && c.room !== room) {
          this.clicks.onRoom(c.room, this.sharedNow());
          this.applyPartnerLevels(c.room.members);
        }
        room = c.room;
        this.emit();
      }),
      this.connection.onRemoteHit((hit, d, nowMs, path, timedStrikeAtMs) => this.playRemote(hit, d, nowMs, path, timedStrikeAtMs)),
    );
    window.addEventListener("pagehide", this.onPageHide);
    this.schedTimer = setInterval(() => this.scheduleClicks(), SCHEDULER_TICK_MS);
  }

  // ---------- subscription ----------
  subscribe(fn: (s: SessionSnapshot) => void): () => void {
    this.listeners.add(fn);
    fn(this.snap);
    return () => this.listeners.delete(fn);
  }
  /** pads to light (PadFlash) */
  onFlash(fn: (f: PadFlash) => void): () => void {
    this.flashListeners.add(fn);
    return () => this.flashListeners.delete(fn);
  }
  private flash(f: PadFlash): void {
    for (const fn of this.flashListeners) fn(f);
  }
  get current(): SessionSnapshot {
    return this.snap;
  }
  private emit(patch: Partial<SoundState> = {}): void {
    this.sound = { ...this.sound, ...patch };
    this.snap = { ...this.connection.snapshot, ...this.sound };
    for (const fn of this.listeners) fn(this.snap);
  }

  // ---------- time mapping ----------
  sharedNow(): number {
    return this.connection.clock.sharedNow();
  }

  /**
   * The audio deadline (core/audio-deadline.ts): how long after "now" a sound
   * handed to the engine now can be heard at the earliest.
   */
  audioLeadMs(): number {
    return this.leads().planMs;
  }

  /**
   * planMs: the lead the playout plans with — the planned output path (core/planned-path.ts:
   * above every reading, moved only by a real change), so the delay does not follow
   * currentTime's callback-sized steps or the clock line's wander.
   * nowMs: the deadline in force at this instant (what judges "late").
   */
  private leads(): AudioLead {
    const ctx = this.engine.context;
    sampleAudioClock(ctx, this.audioClock);
    const measured = measuredOutputPathMs(ctx, this.audioClock);
    if (measured !== null) {
      this.outputPath.add(measured);
      this.plannedPath.add(measured, performance.now());
    }
    const quantumMs = renderQuantumMs(ctx.sampleRate);
    const planPathMs = this.plannedPath.ms ?? outputLatencyMs(ctx);
    const nowPathMs = measured !== null && measured >= 0 ? measured : planPathMs;
    return { planMs: audioLeadMs({ outputPathMs: planPathMs, quantumMs }), nowMs: audioLeadMs({ outputPathMs: nowPathMs, quantumMs }) };
  }

  /** Shared time → AudioContext time (through the fitted line; its callers feed it first via leads()). */
  sharedToAudioTime(sharedMs: number): number {
    return perfToAudioTime(this.engine.context, this.connection.clock.toLocal(sharedMs), this.audioClock);
  }

  // ---------- hits ----------
  /** A local strike. `eventTimeStamp` is the input event's timeStamp (performance.now() base). */
  strike(pad: PadId, velocity: number, eventTimeStamp: number): void {
    const clock = this.connection.clock;
    // Calibrated input latency: the player meant the hit this much earlier. Sent before anything else.
    const hit = this.connection.strike(pad, velocity, clock.toShared(eventTimeStamp - this.inputOffsetMs));
    // Your own hit: heard the audio lead after the strike — a steady monitoring latency at the output
    // path's floor. (Handing it at currentTime would wobble by a whole audio callback, 10–100 ms, because
    // currentTime advances in callbacks: bench:e2e measured a 43–49 ms spread at 0.1 s.) Never inside
    // this instant's deadline; with fair monitoring, when your partners hear it.
    const lead = this.leads();
    const fairMs = this.sound.fairMonitoring ? this.connection.fairMonitoringDelayMs() : 0;
    // the measured path's top (largest reading of the last 10 s), not the partners' planned one: its
    // headroom keeps their delay still and would only add latency here
    const ctx = this.engine.context;
    const monitorLeadMs = this.outputPath.ms === null ? lead.planMs : audioLeadMs({ outputPathMs: this.outputPath.ms, quantumMs: renderQuantumMs(ctx.sampleRate) });
    const handledAtMs = performance.now();
    this.handling.add(eventTimeStamp, handledAtMs);
    let heardLocalMs = Math.max(eventTimeStamp + monitorLeadMs, handledAtMs + lead.nowMs);
    if (fairMs > 0) heardLocalMs = Math.max(heardLocalMs, clock.toLocal(hit.strikeAtMs + fairMs));
    const audioTime = perfToAudioTime(this.engine.context, heardLocalMs, this.audioClock);
    this.engine.playHit(pad, audioTime, velocity);
    if (fairMs === 0) {
      this.monitorMs.push(heardLocalMs - eventTimeStamp);
      if (this.monitorMs.length > 50) this.monitorMs.shift();
    }
    this.log.push({
      kind: "local",
      from: this.connection.participantId,
      seq: hit.seq,
      pad,
      velocity,
      strikeAtMs: hit.strikeAtMs,
      scheduledAtMs: clock.toShared(heardLocalMs),
      late: false,
      lateByMs: 0,
      skipped: false,
      playoutDelayMs: fairMs,
      receivedAtMs: hit.strikeAtMs,
      audioTime,
      playAtLocalMs: heardLocalMs,
    });
    this.flash({ pad, from: null });
  }

  /** A partner's hit, with the connection's playout decision: on time or late, the engine gets the time it is really heard. */
  private playRemote(hit: RelayedHit, d: AdaptiveDecision, nowMs: number, path: HitPath, timedStrikeAtMs: number): void {
    const audioTime = d.skipped ? null : this.sharedToAudioTime(d.playAtMs);
    // through the sender's bus: their fader and mute (a partner not in the room view yet plays at unity)
    if (audioTime !== null) this.engine.playHit(hit.pad, audioTime, hit.velocity, hit.from);
    this.log.push({
      kind: "remote",
      from: hit.from,
      seq: hit.seq,
      pad: hit.pad,
      velocity: hit.velocity,
      strikeAtMs: hit.strikeAtMs,
      timedStrikeAtMs,
      path,
      scheduledAtMs: d.playAtMs,
      late: d.late,
      lateByMs: d.lateByMs,
      skipped: d.skipped,
      playoutDelayMs: d.delayMs,
      receivedAtMs: nowMs,
      audioTime,
      playAtLocalMs: d.skipped ? null : this.connection.clock.toLocal(d.playAtMs),
    });
    if (d.skipped) return;
    const delayLocalMs = Math.max(0, d.playAtMs - nowMs);
    setTimeout(() => this.flash({ pad: hit.pad, from: hit.from }), delayLocalMs);
  }

  /** Quick ↔ safe for partners' hits; the page stores it per device. */
  setLateTarget(id: LateTargetId): void {
    this.connection.setLateTarget(id);
  }
  setFairMonitoring(on: boolean): void {
    this.emit({ fairMonitoring: on });
  }
  setInputOffset(ms: number): void {
    this.inputOffsetMs = ms;
  }
  setMetronome(on: boolean): void {
    this.emit({ metronomeOn: on });
  }
  setBacking(on: boolean): void {
    this.emit({ backingOn: on });
  }

  private scheduleClicks(): void {
    sampleAudioClock(this.engine.context, this.audioClock); // every tick: the line stays current
    if (!this.connection.clock.sync.synced || !this.clicks.hasGrid) return;
    const nowMs = this.sharedNow();
    const rec = this.connection.room?.recording ?? null;
    const countIn = rec && rec.barOneAtMs > rec.startedAtMs ? { fromMs: rec.startedAtMs, barOneAtMs: rec.barOneAtMs } : null;
    const opts = { metronomeOn: this.sound.metronomeOn, backingOn: this.sound.backingOn, countIn };
    this.clicks.tick(nowMs, this.audioLeadMs(), opts, (ms) => this.sharedToAudioTime(ms));
  }

  // ---------- the beat you can see ----------
  /**
   * The beat whose click is at this device's speaker now (null before the first), how long ago it
   * got there, and how long until the next handed beat gets there (ms; null when none is handed
   * yet): the audio clock's output time (getOutputTimestamp through the fitted line) against the
   * time each beat was handed to the engine at. Call it in an animation frame. While the context
   * does not run nothing is heard, so the beat follows the shared clock instead.
   */
  heardBeat(): { beat: ScheduledBeat | null; sinceMs: number; untilNextMs: number | null } {
    const ctx = this.engine.context;
    if (ctx.state === "running") {
      const heard = perfToAudioTime(ctx, performance.now(), this.audioClock);
      const beat = this.beats.latest((b) => b.audioTime, heard);
      const next = this.beats.next((b) => b.audioTime, heard);
      return { beat, sinceMs: beat ? (heard - beat.audioTime) * 1000 : 0, untilNextMs: next && (next.audioTime - heard) * 1000 };
    }
    const nowMs = this.connection.clock.sync.synced ? this.sharedNow() : -Infinity;
    const beat = this.beats.latest((b) => b.atMs, nowMs);
    const next = Number.isFinite(nowMs) ? this.beats.next((b) => b.atMs, nowMs) : null;
    return { beat, sinceMs: beat ? nowMs - beat.atMs : 0, untilNextMs: next && next.atMs - nowMs };
  }

  // ---------- the mix ----------
  get mixLevels(): MixLevels {
    return this.mix;
  }
  /** called on every change of the mix (the Mix panel; not the room page) */
  subscribeMix(fn: () => void): () => void {
    this.mixListeners.add(fn);
    return () => this.mixListeners.delete(fn);
  }
  setMasterLevel(level: number): void {
    this.updateMix({ ...this.mix, master: level });
  }
  setClicksLevel(level: number): void {
    this.updateMix({ ...this.mix, clicks: level });
  }
  setPartnerLevel(id: string, name: string, patch: Partial<ChannelLevel>): void {
    this.updateMix(withPartner(this.mix, id, name, patch, Date.now()));
  }
  private updateMix(mix: MixLevels): void {
    this.mix = mix;
    saveMix(mix);
    this.applyMix();
    for (const fn of this.mixListeners) fn();
  }
  private applyMix(): void {
    // the master's full travel is the engine's usual level, which leaves headroom for stacked hits
    this.engine.setVolume(DEFAULT_VOLUME * levelToGain(this.mix.master));
    this.engine.setBusGain(CLICKS_BUS, levelToGain(this.mix.clicks));
    this.applyPartnerLevels(this.connection.room?.members ?? []);
  }
  private applyPartnerLevels(members: readonly { id: string; name: string }[]): void {
    const me = this.connection.participantId;
    for (const m of members) {
      if (m.id === me) continue;
      const gain = levelToGain(partnerLevel(this.mix, m.id, m.name));
      if (this.partnerGains.get(m.id) === gain) continue;
      this.partnerGains.set(m.id, gain);
      this.engine.setBusGain(m.id, gain);
    }
  }

  diagnostics(): Diagnostics {
    const conn = this.connection;
    const c = conn.clock.sync.current;
    const partners = conn.partnerStats();
    const sum = (f: (p: (typeof partners)[number]) => number) => partners.reduce((acc, p) => acc + f(p), 0);
    const ctx = this.engine.context;
    return {
      participantId: conn.participantId,
      connected: conn.connected,
      clockOffsetMs: c ? conn.clock.appliedOffsetAt(performance.now()) : null,
      rttMs: c?.rttMs ?? null,
      clockErrorBoundMs: c?.errorBoundMs ?? null,
      clockErrorEstimateMs: c?.errorEstimateMs ?? null,
      clockSkewPpm: c?.skewPpm ?? null,
      legs: conn.clock.sync.legs(),
      syncSamples: c?.samples ?? 0,
      playoutDelayMs: partners.length ? Math.max(...partners.map((p) => p.delayMs)) : 0,
      mode: conn.room?.mode ?? "live",
      fairMonitoring: this.sound.fairMonitoring,
      inputOffsetMs: this.inputOffsetMs,
      outputLatencyMs: outputLatencyMs(ctx),
      outputPathMs: this.outputPath.ms,
      plannedPathMs: this.plannedPath.ms,
      plannedPathChanges: this.plannedPath.changes,
      audioClockSteps: this.audioClock.stepCount,
      audioLeadMs: this.audioLeadMs(),
      lateTarget: conn.lateTarget,
      monitorLatencyMs: this.monitorMs.length ? median(this.monitorMs) : null,
      strikeHandlingMs: this.handling.ms,
      monitorFloorMs: this.outputPath.ms === null ? null : this.outputPath.ms + renderQuantumMs(ctx.sampleRate),
      partners,
      paths: conn.pathStats(),
      duplicateHits: conn.stats.duplicates,
      remoteHits: sum((p) => p.hits),
      lateHits: sum((p) => p.late),
      skippedHits: sum((p) => p.skipped),
      unackedHits: conn.unackedHits,
      hits: this.log.all(),
      sharedNow: () => this.sharedNow(),
      breakDirect: () => conn.direct?.breakAll(),
      blockDirect: () => conn.direct?.block(),
      outputTimestamp: () => {
        const ts = ctx.getOutputTimestamp?.();
        return ts && ts.contextTime !== undefined && ts.performanceTime !== undefined ? { contextTime: ts.contextTime, performanceTime: ts.performanceTime } : null;
      },
    };
  }

  private readonly onPageHide = () => this.connection.saveNow();

  close(): void {
    window.removeEventListener("pagehide", this.onPageHide);
    clearInterval(this.schedTimer);
    for (const u of this.unsubscribe) u();
    this.connection.close();
    this.listeners.clear();
    this.mixListeners.clear();
  }
}
