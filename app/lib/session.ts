/**
 * The browser side of a jam: the socket, clock sync, playout of remote hits,
 * the local metronome and the diagnostics log. React components subscribe to
 * its snapshots; timing work never goes through React state.
 */
import { io, type Socket } from "socket.io-client";
import { ClockDiscipline } from "../../core/clock-discipline";
import { ClockSync, nextPingDelayMs, type LegStats } from "../../core/clock-sync";
import { beatsInWindow, type Grid } from "../../core/metronome";
import { grooveHitsInWindow, type GrooveId } from "../../core/grooves";
import type { Reaction } from "../../core/battle";
import { beatMs } from "../../core/metronome";
import { audioLeadMs, OutputPathMeter, renderQuantumMs } from "../../core/audio-deadline";
import { isLateTargetId, DEFAULT_LATE_TARGET, type AdaptiveDecision, type LateTargetId } from "../../core/playout";
import type { PadId } from "../../core/kit";
import {
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type ErrorMsg,
  type HitMsg,
  type ListeningReport,
  type PlayMode,
  type RelayedHit,
  type RoomView,
  type ServerToClientEvents,
} from "../../core/protocol";
import type { AudioEngine } from "./audio/engine";
import { AudioClockLine } from "../../core/audio-clock-line";
import { measuredOutputPathMs, outputLatencyMs, perfToAudioTime, sampleAudioClock } from "./audio-clock";
import { PartnerPlayouts, type PartnerStats } from "./partner-playout";
import { saveOwnerToken } from "./identity";
import { HitOutbox } from "./outbox";
import { HearingOutbox } from "./hearing-outbox";
import { connectRefusalOf, reconnectAfterRefusalMs } from "../../core/connect-refusal";

/** How far ahead the metronome is scheduled on the audio clock ("A Tale of Two Clocks"). */
const SCHEDULE_AHEAD_MS = 150;
const SCHEDULER_TICK_MS = 25;
const DIAG_LOG_MAX = 500;

export interface DiagHit {
  kind: "local" | "remote";
  from: string;
  seq: number;
  pad: PadId;
  velocity: number;
  /** strike time on the shared clock */
  strikeAtMs: number;
  /** shared time it will be heard at the speaker: its slot, or the earliest possible when late */
  scheduledAtMs: number;
  late: boolean;
  /** the partner's hit arrived so late it was not played at all */
  skipped: boolean;
  /** how far past its slot it is heard (0 when on time) */
  lateByMs: number;
  /** playout delay in force for this hit (remote), or the fair-monitoring delay (local; 0 when off) */
  playoutDelayMs: number;
  /** shared time it was received (remote) or struck (local) */
  receivedAtMs: number;
  /** the AudioContext time handed to the engine (null when skipped) */
  audioTime: number | null;
  /** performance.now() time the hit was mapped to sound at (null when skipped) */
  playAtLocalMs: number | null;
}

export type { PartnerStats };

export interface Diagnostics {
  participantId: string;
  connected: boolean;
  clockOffsetMs: number | null;
  rttMs: number | null;
  clockErrorBoundMs: number | null;
  syncSamples: number;
  /** largest playout delay currently applied to any partner (the fixed default before any hit) */
  playoutDelayMs: number;
  mode: PlayMode;
  fairMonitoring: boolean;
  inputOffsetMs: number;
  /** what the browser reports: outputLatency + baseLatency */
  outputLatencyMs: number;
  /** what the page measures: a sound handed at currentTime is heard this long after now (largest of the last 10 s of readings; app/lib/audio-clock.ts) */
  outputPathMs: number | null;
  /** the audio deadline: a sound handed now is heard this long after now at the earliest */
  audioLeadMs: number;
  /** quick ↔ safe: the late target for partners' hits */
  lateTarget: LateTargetId;
  /** your strike → your own sound (median of the last 50 hits, null before the first) */
  monitorLatencyMs: number | null;
  /** what monitoring can do best here: output path + one render quantum */
  monitorFloorMs: number | null;
  clockSkewPpm: number | null;
  clockErrorEstimateMs: number | null;
  /** this page's one-way legs to and from the server (clock sync), as published to partners */
  legs: LegStats | null;
  partners: PartnerStats[];
  remoteHits: number;
  lateHits: number;
  skippedHits: number;
  /** own hits sent but not yet confirmed stored by the server */
  unackedHits: number;
  hits: DiagHit[];
  /** shared "now" as this page estimates it */
  sharedNow(): number;
  /** a fresh AudioContext.getOutputTimestamp(), to check the audio mapping from outside */
  outputTimestamp(): { contextTime: number; performanceTime: number } | null;
}

export interface SessionSnapshot {
  status: "connecting" | "joined" | "reconnecting" | "error";
  room: RoomView | null;
  error: ErrorMsg | null;
  rttMs: number | null;
  offsetMs: number | null;
  metronomeOn: boolean;
  /** this player hears the room's backing groove */
  backingOn: boolean;
  fairMonitoring: boolean;
  /** the latest reaction, for the floating emoji */
  lastReaction: { from: string; emoji: Reaction; key: number } | null;
  /** pad → time (performance.now) of the last remote hit sounding, for lighting pads */
  lastRemote: { pad: PadId; from: string; atLocalMs: number } | null;
}

export interface JamSessionOptions {
  roomCode: string;
  participantId: string;
  name: string;
  engine: AudioEngine;
  /** proves the room's creator is the host */
  hostToken?: string;
  /** this device's calibrated input latency, subtracted from strike times */
  inputOffsetMs?: number;
  fairMonitoring?: boolean;
  role?: "player" | "spectator";
  /** this tab's secret for its seat (app/lib/identity.ts) */
  seatKey?: string;
  /** a private room's passcode (remembered per tab, app/lib/identity.ts) */
  passcode?: string;
  /** quick ↔ safe (stored per device by the page) */
  lateTarget?: LateTargetId;
  /** socket.io URL; same origin by default */
  url?: string;
}

type Listener = (s: SessionSnapshot) => void;

export class JamSession {
  readonly clock = new ClockSync();
  /** the offset actually applied: the estimate with small corrections slewed in */
  private readonly discipline = new ClockDiscipline();
  /** one adaptive playout per partner */
  private readonly partners: PartnerPlayouts;
  /** the audio clock ↔ performance.now() line, fitted from getOutputTimestamp() pairs */
  private readonly audioClock = new AudioClockLine();
  /** this device's output path, measured (core/audio-deadline.ts) */
  // 10 s of readings (25 ms ticks): the largest spans many 50–100 ms callbacks, so the planned lead
  // stays put instead of following currentTime's steps (bench:e2e saw the delay move −20…+10 ms).
  private readonly outputPath = new OutputPathMeter(400);
  /** your strike → your sound, last 50 hits */
  private monitorMs: number[] = [];
  private inputOffsetMs: number;
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private snapshot: SessionSnapshot = {
    status: "connecting",
    room: null,
    error: null,
    rttMs: null,
    offsetMs: null,
    metronomeOn: true,
    backingOn: true,
    fairMonitoring: false,
    lastReaction: null,
    lastRemote: null,
  };
  private listeners = new Set<Listener>();
  private pingTimer: ReturnType<typeof setTimeout> | null = null;
  private schedTimer: ReturnType<typeof setInterval> | null = null;
  private qualityTimer: ReturnType<typeof setInterval> | null = null;
  /** grid in force before the current one's epoch (a tempo change starts at a future bar line) */
  private grids: (Grid & { groove: GrooveId })[] = [];
  private clickScheduledUntilMs = 0;
  private readonly log: DiagHit[] = [];
  /** own hits not yet acknowledged as stored: kept across reloads, re-sent after a reconnect */
  private readonly outbox: HitOutbox;
  /** hearings not yet confirmed stored: kept across reloads, re-sent after a reconnect */
  private readonly hearings: HearingOutbox;
  private heardTimer: ReturnType<typeof setInterval> | null = null;
  private refusalTimer: ReturnType<typeof setTimeout> | null = null;
  /** sent with every join: set again by joinWithPasscode */
  private passcode: string | undefined;

  constructor(private readonly opts: JamSessionOptions) {
    this.inputOffsetMs = opts.inputOffsetMs ?? 0;
    this.partners = new PartnerPlayouts(isLateTargetId(opts.lateTarget) ? opts.lateTarget : DEFAULT_LATE_TARGET);
    this.passcode = opts.passcode;
    this.outbox = new HitOutbox(opts.roomCode, opts.participantId);
    this.hearings = new HearingOutbox(opts.roomCode, opts.participantId);
    window.addEventListener("pagehide", this.onPageHide);
    this.snapshot.fairMonitoring = opts.fairMonitoring ?? false;
    const url = opts.url ?? "";
    // websocket only: no long-polling fallback, so no sticky sessions are ever needed.
    // ?room= routes the connection to the process that owns the room (server/workers.ts,
    // or nginx's `hash $arg_room` across machines: docs/deploy.md).
    this.socket = io(url, { transports: ["websocket"], reconnectionDelayMax: 5000, query: { room: opts.roomCode } });
    this.socket.on("connect", () => this.onConnect());
    this.socket.on("disconnect", (reason) => {
      if (this.snapshot.status === "error" && this.snapshot.error?.code === "kicked") return;
      this.update({ status: "reconnecting" });
      // Socket.IO does not reconnect by itself when the SERVER closed the connection (a restart,
      // a graceful shutdown behind a load balancer): reconnect after a short, jittered pause.
      if (reason === "io server disconnect") {
        setTimeout(() => this.socket.connect(), 300 + Math.random() * 700);
      }
    });
    this.socket.on("room:state", (room) => this.onRoom(room));
    this.socket.on("hit", (hit) => this.onRemoteHit(hit));
    this.socket.on("hits:ack", ({ seqs }) => this.outbox.ack(seqs));
    this.socket.on("hearings:ack", ({ hearings }) => this.hearings.ack(hearings));
    this.socket.on("reaction", (r) => this.update({ lastReaction: { from: r.from, emoji: r.emoji, key: r.atMs } }));
    this.socket.on("error", (err) => {
      if (err.code === "kicked") {
        this.socket.io.reconnection(false);
        this.update({ status: "error", error: err });
      } else this.update({ error: err });
    });
    // Refused before joining (too many connections from this network, or a pause after abuse):
    // show why, and connect again when the server says — Socket.IO does not retry a refusal itself.
    this.socket.on("connect_error", (err) => {
      const refusal = connectRefusalOf(err);
      if (!refusal) return; // the network or the server is away: Socket.IO retries with backoff
      this.update({ error: refusal });
      if (this.socket.active) return;
      if (this.refusalTimer) clearTimeout(this.refusalTimer);
      this.refusalTimer = setTimeout(() => this.socket.connect(), reconnectAfterRefusalMs(refusal, Math.random));
    });
    this.schedTimer = setInterval(() => this.scheduleClicks(), SCHEDULER_TICK_MS);
    this.qualityTimer = setInterval(() => this.reportQuality(), 2000);
    this.heardTimer = setInterval(() => this.flushHearings(), 1000);
  }

  // ---------- subscription ----------
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    fn(this.snapshot);
    return () => this.listeners.delete(fn);
  }
  get current(): SessionSnapshot {
    return this.snapshot;
  }
  private update(patch: Partial<SessionSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const fn of this.listeners) fn(this.snapshot);
  }

  // ---------- connection ----------
  private onConnect(): void {
    this.join();
    this.clockSamplesThisConnection = 0;
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.ping();
  }

  /** A private room refused the join (passcode_required / wrong_passcode): try again with this passcode. */
  joinWithPasscode(passcode: string): void {
    this.passcode = passcode;
    this.update({ status: "connecting", error: null });
    if (this.socket.connected) this.join();
    else this.socket.connect(); // joins on connect
  }

  private join(): void {
    this.socket.emit(
      "join",
      {
        protocolVersion: PROTOCOL_VERSION,
        roomCode: this.opts.roomCode,
        participantId: this.opts.participantId,
        name: this.opts.name,
        hostToken: this.opts.hostToken,
        role: this.opts.role,
        seatKey: this.opts.seatKey,
        passcode: this.passcode,
      },
      (res) => {
        if (!res.ok) {
          this.update({ status: res.error.code === "internal" ? "reconnecting" : "error", error: res.error });
          // A server-side failure (e.g. its database is briefly away) is worth retrying; a refusal is not.
          if (res.error.code === "internal" && this.socket.connected) {
            this.joinRetryMs = Math.min(10_000, this.joinRetryMs * 2);
            setTimeout(() => this.socket.connected && this.onConnect(), this.joinRetryMs);
          }
          // Too many joins from this network: the server says when to try again (plus jitter).
          const retryAfterMs = (res.error.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
          if (res.error.code === "rate_limited" && typeof retryAfterMs === "number" && retryAfterMs >= 0) {
            setTimeout(() => this.socket.connected && this.snapshot.status !== "joined" && this.join(), Math.min(retryAfterMs, 3_600_000) + Math.random() * 500);
          }
          return;
        }
        this.joinRetryMs = 500;
        this.onRoom(res.data.room);
        this.update({ status: "joined", error: null });
        // Whatever the server never confirmed storing (a crash, a dropped link, a reload) goes again.
        for (const hit of this.outbox.pending()) this.socket.emit("hit", { ...hit, resend: true });
        this.hearings.resendAll();
        this.flushHearings();
      },
    );
  }

  private clockSamplesThisConnection = 0;
  private joinRetryMs = 500;

  private ping(): void {
    if (!this.socket.connected) return;
    const t0Ms = performance.now();
    this.socket.timeout(5000).emit("sync:ping", { t0Ms }, (err: Error | null, pong) => {
      if (!err && pong) {
        const t3Ms = performance.now();
        const est = this.clock.addExchange({ t0Ms: pong.t0Ms, t1Ms: pong.t1Ms, t2Ms: pong.t2Ms, t3Ms });
        this.clockSamplesThisConnection++;
        this.update({ rttMs: est.rttMs, offsetMs: est.offsetMs });
      }
      this.pingTimer = setTimeout(() => this.ping(), nextPingDelayMs(this.clockSamplesThisConnection));
    });
  }

  private onRoom(room: RoomView): void {
    const grid = { tempoBpm: room.tempoBpm, beatsPerBar: room.beatsPerBar, beatUnit: room.beatUnit, epochMs: room.epochMs, groove: room.groove };
    const last = this.grids.at(-1);
    if (
      !last ||
      last.epochMs !== grid.epochMs ||
      last.tempoBpm !== grid.tempoBpm ||
      last.beatsPerBar !== grid.beatsPerBar ||
      last.beatUnit !== grid.beatUnit ||
      last.groove !== grid.groove
    ) {
      // The new grid starts at its epoch (a future bar line); the one sounding now plays until
      // then. A change that replaces one not yet begun keeps the grid that is actually sounding.
      const pendingReplaced = this.grids.length === 2 && last!.epochMs > this.sharedNow();
      const sounding = pendingReplaced ? this.grids[0] : last;
      this.grids = sounding ? [sounding, grid] : [grid];
    }
    this.partners.onRoom(room, this.opts.participantId, this.clock.legs());
    this.update({ room });
  }

  // ---------- time mapping ----------
  /** shared − local applied at localMs: clock sync's estimate, slewed (core/clock-discipline.ts) */
  private appliedOffsetAt(localMs: number): number {
    return this.discipline.offsetAt(localMs, this.clock.offsetAt(localMs));
  }
  private toShared(localMs: number): number {
    return localMs + this.appliedOffsetAt(localMs);
  }
  private toLocal(sharedMs: number): number {
    return sharedMs - this.appliedOffsetAt(performance.now());
  }

  sharedNow(): number {
    return this.toShared(performance.now());
  }

  /**
   * The audio deadline (core/audio-deadline.ts): how long after "now" a sound
   * handed to the engine now can be heard at the earliest. Measured output path
   * when the context runs; what the browser reports before that.
   */
  audioLeadMs(): number {
    return this.leads().planMs;
  }

  /**
   * planMs: the lead the playout plans with — the largest output path of the last
   * second, so the delay does not follow currentTime's callback-sized steps.
   * nowMs: the deadline in force at this instant (what judges "late").
   */
  private leads(): { planMs: number; nowMs: number } {
    const ctx = this.opts.engine.context;
    sampleAudioClock(ctx, this.audioClock);
    const measured = measuredOutputPathMs(ctx, this.audioClock);
    if (measured !== null) this.outputPath.add(measured);
    const quantumMs = renderQuantumMs(ctx.sampleRate);
    const planPathMs = this.outputPath.ms ?? outputLatencyMs(ctx);
    const nowPathMs = measured !== null && measured >= 0 ? measured : planPathMs;
    return { planMs: audioLeadMs({ outputPathMs: planPathMs, quantumMs }), nowMs: audioLeadMs({ outputPathMs: nowPathMs, quantumMs }) };
  }

  /** Shared time → AudioContext time (through getOutputTimestamp(), refreshed on every call). */
  sharedToAudioTime(sharedMs: number): number {
    // (the line is fed by leads(), which every caller runs first, and by the scheduler's tick)
    return perfToAudioTime(this.opts.engine.context, this.toLocal(sharedMs), this.audioClock);
  }

  // ---------- hits ----------
  /** A local strike. `eventTimeStamp` is the input event's timeStamp (performance.now() base). */
  strike(pad: PadId, velocity: number, eventTimeStamp: number): void {
    const engine = this.opts.engine;
    // Calibrated input latency: the player meant the hit this much earlier.
    const strikeAtMs = this.toShared(eventTimeStamp - this.inputOffsetMs);
    const seq = this.outbox.nextSeq();
    const msg: HitMsg = { seq, pad, velocity, strikeAtMs };
    // Sent before anything else is done here: every ms of this handler is a ms of the partners' delay.
    if (this.socket.connected && this.snapshot.status === "joined") this.socket.emit("hit", msg);
    this.outbox.add(msg);
    // Your own hit: heard the planned audio lead after the strike — a steady monitoring latency at the
    // output path's floor. (Handing it at currentTime would wobble by a whole audio callback, 10–100 ms,
    // because currentTime advances in callbacks: bench:e2e measured a 43–49 ms spread at 0.1 s.) Never
    // inside this instant's deadline; with fair monitoring, when your partners hear it.
    const lead = this.leads();
    const fairMs = this.snapshot.fairMonitoring ? this.fairMonitoringDelayMs() : 0;
    let heardLocalMs = Math.max(eventTimeStamp + lead.planMs, performance.now() + lead.nowMs);
    if (fairMs > 0) heardLocalMs = Math.max(heardLocalMs, this.toLocal(strikeAtMs + fairMs));
    const audioTime = perfToAudioTime(engine.context, heardLocalMs, this.audioClock);
    engine.playHit(pad, audioTime, velocity);
    if (fairMs === 0) {
      this.monitorMs.push(heardLocalMs - eventTimeStamp);
      if (this.monitorMs.length > 50) this.monitorMs.shift();
    }
    this.pushLog({
      kind: "local",
      from: this.opts.participantId,
      seq,
      pad,
      velocity,
      strikeAtMs,
      scheduledAtMs: this.toShared(heardLocalMs),
      late: false,
      lateByMs: 0,
      skipped: false,
      playoutDelayMs: fairMs,
      receivedAtMs: strikeAtMs,
      audioTime,
      playAtLocalMs: heardLocalMs,
    });
  }

  /** The delay your partners apply to your hits (the largest, so you hear what the furthest one hears). */
  fairMonitoringDelayMs(): number {
    const room = this.snapshot.room;
    if (!room) return 0;
    let ms = 0;
    for (const m of room.members) {
      if (m.id === this.opts.participantId || !m.connected) continue;
      const l = m.listening.find((x) => x.from === this.opts.participantId);
      if (l) ms = Math.max(ms, l.delayMs);
    }
    return ms;
  }

  private barMs(): number {
    const room = this.snapshot.room;
    return room ? beatMs(room.tempoBpm) * room.beatsPerBar : 2400;
  }

  private onRemoteHit(hit: RelayedHit): void {
    const nowMs = this.sharedNow();
    const lead = this.leads();
    const mode = this.snapshot.room?.mode ?? "live";
    const d: AdaptiveDecision = this.partners.decide(hit.from, hit.strikeAtMs, nowMs, lead.planMs, mode, this.barMs(), lead.nowMs);
    // On time or late, the engine gets the audio time at which it will really be heard.
    const audioTime = d.skipped ? null : this.sharedToAudioTime(d.playAtMs);
    if (audioTime !== null) this.opts.engine.playHit(hit.pad, audioTime, hit.velocity);
    this.pushLog({
      kind: "remote",
      from: hit.from,
      seq: hit.seq,
      pad: hit.pad,
      velocity: hit.velocity,
      strikeAtMs: hit.strikeAtMs,
      scheduledAtMs: d.playAtMs,
      late: d.late,
      lateByMs: d.lateByMs,
      skipped: d.skipped,
      playoutDelayMs: d.delayMs,
      receivedAtMs: nowMs,
      audioTime,
      playAtLocalMs: d.skipped ? null : this.toLocal(d.playAtMs),
    });
    if (this.snapshot.room?.recording) {
      this.hearings.add({ from: hit.from, seq: hit.seq, strikeAtMs: hit.strikeAtMs, soundedAtMs: d.playAtMs, late: d.late, skipped: d.skipped });
    }
    if (d.skipped) return;
    const delayLocalMs = Math.max(0, d.playAtMs - nowMs);
    setTimeout(() => this.update({ lastRemote: { pad: hit.pad, from: hit.from, atLocalMs: performance.now() } }), delayLocalMs);
  }

  partnerStats(): PartnerStats[] {
    return this.partners.stats(this.snapshot.room?.mode ?? "live", this.barMs(), this.audioLeadMs());
  }

  /** Quick ↔ safe for partners' hits; the page stores it per device. */
  setLateTarget(id: LateTargetId): void {
    this.partners.setLateTarget(id);
  }

  private reportQuality(): void {
    const c = this.clock.current;
    // Not joined (e.g. waiting for a private room's passcode): the server would only answer not_joined.
    if (!c || !this.socket.connected || this.snapshot.status !== "joined") return;
    const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
    const listening: ListeningReport[] = this.partnerStats()
      .slice(0, 16)
      .map((p) => ({
        from: p.from,
        delayMs: round(p.delayMs)!,
        oneWayMs: round(p.oneWayMs),
        jitterMs: round(p.jitterMs),
        latePercent: round(p.latePercent)!,
        hits: p.hits,
      }));
    const l = this.clock.legs();
    const legs = l ? { upP50Ms: round(l.upP50Ms)!, upP99Ms: round(l.upP99Ms)!, downP50Ms: round(l.downP50Ms)!, downP99Ms: round(l.downP99Ms)! } : undefined;
    this.socket.emit("quality", { rttMs: round(c.rttMs)!, clockErrorMs: round(c.errorEstimateMs)!, listening, legs });
  }

  /** Tells the server when partners' hits were heard here, for "as heard" replays; kept until acked. */
  private flushHearings(): void {
    if (!this.socket.connected || this.snapshot.status !== "joined") return;
    for (const batch of this.hearings.takeUnsent()) this.socket.emit("heard", { hearings: batch });
  }

  /** Own hits not yet confirmed stored (diagnostics and tests). */
  get unackedHits(): number {
    return this.outbox.size;
  }

  setFairMonitoring(on: boolean): void {
    this.update({ fairMonitoring: on });
  }

  setInputOffset(ms: number): void {
    this.inputOffsetMs = ms;
  }

  setMode(mode: PlayMode): Promise<ErrorMsg | null> {
    return new Promise((resolve) => this.socket.emit("mode:set", { mode }, (r) => resolve(r.ok ? null : r.error)));
  }

  private pushLog(h: DiagHit): void {
    this.log.push(h);
    if (this.log.length > DIAG_LOG_MAX) this.log.splice(0, this.log.length - DIAG_LOG_MAX);
  }

  // ---------- metronome ----------
  setMetronome(on: boolean): void {
    this.update({ metronomeOn: on });
  }

  setBacking(on: boolean): void {
    this.update({ backingOn: on });
  }

  /** Metronome clicks, the count-in before a recording, and the backing groove: all from the shared clock. */
  private scheduleClicks(): void {
    sampleAudioClock(this.opts.engine.context, this.audioClock); // every tick: the line stays current
    if (!this.clock.synced || this.grids.length === 0) return;
    const nowMs = this.sharedNow();
    // Nothing is handed inside the audio deadline: a click there would be heard late. (At start, or
    // after the tab slept, the beats inside it are dropped rather than played off the beat.)
    const leadMs = this.audioLeadMs();
    const fromMs = Math.max(this.clickScheduledUntilMs, nowMs + leadMs);
    const toMs = nowMs + leadMs + SCHEDULE_AHEAD_MS;
    if (toMs <= fromMs) return;
    this.clickScheduledUntilMs = toMs;
    const [prev, cur] = this.grids.length === 2 ? this.grids : [undefined, this.grids[0]!];
    const pieces: [Grid & { groove: GrooveId }, number, number][] = prev
      ? [
          [prev, fromMs, Math.min(toMs, cur!.epochMs)],
          [cur!, Math.max(fromMs, cur!.epochMs), toMs],
        ]
      : [[cur!, fromMs, toMs]];
    const rec = this.snapshot.room?.recording;
    for (const [grid, from, to] of pieces) {
      if (to <= from) continue;
      for (const b of beatsInWindow(grid, from, to)) {
        // During a count-in everyone hears the clicks, metronome on or off.
        const countIn = rec !== null && rec !== undefined && b.atMs < rec.startedAtMs;
        if (this.snapshot.metronomeOn || countIn) this.opts.engine.playClick(this.sharedToAudioTime(b.atMs), b.accent);
      }
      if (this.snapshot.backingOn && grid.groove !== "none") {
        for (const g of grooveHitsInWindow(grid.groove, grid, from, to)) this.opts.engine.playHit(g.pad, this.sharedToAudioTime(g.atMs), g.velocity);
      }
    }
  }

  // ---------- room actions ----------
  setTempo(tempoBpm: number, beatsPerBar: number, beatUnit: 4 | 8 = 4, groove?: GrooveId): Promise<ErrorMsg | null> {
    return new Promise((resolve) =>
      this.socket.emit("tempo:set", { tempoBpm, beatsPerBar, beatUnit, groove }, (r) => resolve(r.ok ? null : r.error)),
    );
  }

  react(emoji: Reaction): void {
    this.socket.emit("react", { emoji });
  }

  kick(id: string): Promise<ErrorMsg | null> {
    return new Promise((resolve) => this.socket.emit("member:kick", { id }, (r) => resolve(r.ok ? null : r.error)));
  }

  leave(): Promise<ErrorMsg | null> {
    return new Promise((resolve) => this.socket.emit("leave", {}, (r) => resolve(r.ok ? null : r.error)));
  }

  startBattle(opts: { barsPerTurn: 2 | 4 | 8; rounds: number; subdivision: 4 | 8 | 16 }): Promise<ErrorMsg | null> {
    return new Promise((resolve) => this.socket.emit("battle:start", opts, (r) => resolve(r.ok ? null : r.error)));
  }

  stopBattle(): Promise<ErrorMsg | null> {
    return new Promise((resolve) => this.socket.emit("battle:stop", {}, (r) => resolve(r.ok ? null : r.error)));
  }
  startRecording(countIn = false): Promise<ErrorMsg | null> {
    return new Promise((resolve) =>
      this.socket.emit("recording:start", { countIn }, (r) => {
        if (r.ok) saveOwnerToken(r.data.id, r.data.ownerToken);
        resolve(r.ok ? null : r.error);
      }),
    );
  }
  stopRecording(): Promise<ErrorMsg | null> {
    return new Promise((resolve) => this.socket.emit("recording:stop", {}, (r) => resolve(r.ok ? null : r.error)));
  }

  diagnostics(): Diagnostics {
    const c = this.clock.current;
    const partners = this.partnerStats();
    const sum = (f: (p: PartnerStats) => number) => partners.reduce((acc, p) => acc + f(p), 0);
    return {
      participantId: this.opts.participantId,
      connected: this.socket.connected,
      clockOffsetMs: c ? this.appliedOffsetAt(performance.now()) : null,
      rttMs: c?.rttMs ?? null,
      clockErrorBoundMs: c?.errorBoundMs ?? null,
      clockErrorEstimateMs: c?.errorEstimateMs ?? null,
      clockSkewPpm: c?.skewPpm ?? null,
      legs: this.clock.legs(),
      syncSamples: c?.samples ?? 0,
      playoutDelayMs: partners.length ? Math.max(...partners.map((p) => p.delayMs)) : 0,
      mode: this.snapshot.room?.mode ?? "live",
      fairMonitoring: this.snapshot.fairMonitoring,
      inputOffsetMs: this.inputOffsetMs,
      outputLatencyMs: outputLatencyMs(this.opts.engine.context),
      outputPathMs: this.outputPath.ms,
      audioLeadMs: this.audioLeadMs(),
      lateTarget: this.partners.target,
      monitorLatencyMs: this.monitorMs.length ? medianOf(this.monitorMs) : null,
      monitorFloorMs: this.outputPath.ms === null ? null : this.outputPath.ms + renderQuantumMs(this.opts.engine.context.sampleRate),
      partners,
      remoteHits: sum((p) => p.hits),
      lateHits: sum((p) => p.late),
      skippedHits: sum((p) => p.skipped),
      unackedHits: this.outbox.size,
      hits: this.log.slice(),
      sharedNow: () => this.sharedNow(),
      outputTimestamp: () => {
        const ts = this.opts.engine.context.getOutputTimestamp?.();
        return ts && ts.contextTime !== undefined && ts.performanceTime !== undefined ? { contextTime: ts.contextTime, performanceTime: ts.performanceTime } : null;
      },
    };
  }

  private readonly onPageHide = () => {
    this.outbox.saveNow();
    this.hearings.saveNow();
  };

  close(): void {
    window.removeEventListener("pagehide", this.onPageHide);
    this.outbox.saveNow();
    this.hearings.saveNow();
    if (this.pingTimer) clearTimeout(this.pingTimer);
    if (this.schedTimer) clearInterval(this.schedTimer);
    if (this.qualityTimer) clearInterval(this.qualityTimer);
    if (this.heardTimer) clearInterval(this.heardTimer);
    if (this.refusalTimer) clearTimeout(this.refusalTimer);
    this.flushHearings();
    this.socket.close();
    this.listeners.clear();
  }
}

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
