/**
 * The browser side of a jam: the socket, clock sync, playout of remote hits,
 * the local metronome and the diagnostics log. React components subscribe to
 * its snapshots; timing work never goes through React state.
 */
import { io, type Socket } from "socket.io-client";
import { ClockSync, nextPingDelayMs } from "../../core/clock-sync";
import { beatsInWindow, type Grid } from "../../core/metronome";
import { DEFAULT_PLAYOUT_DELAY_MS, decidePlayout, PlayoutStats } from "../../core/playout";
import type { PadId } from "../../core/kit";
import {
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type ErrorMsg,
  type RelayedHit,
  type RoomView,
  type ServerToClientEvents,
} from "../../core/protocol";
import type { AudioEngine } from "./audio/engine";

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
  /** shared time it was scheduled to sound */
  scheduledAtMs: number;
  late: boolean;
  /** shared time it was received (remote) or struck (local) */
  receivedAtMs: number;
}

export interface Diagnostics {
  participantId: string;
  connected: boolean;
  clockOffsetMs: number | null;
  rttMs: number | null;
  clockErrorBoundMs: number | null;
  syncSamples: number;
  playoutDelayMs: number;
  remoteHits: number;
  lateHits: number;
  hits: DiagHit[];
  /** shared "now" as this page estimates it */
  sharedNow(): number;
}

export interface SessionSnapshot {
  status: "connecting" | "joined" | "reconnecting" | "error";
  room: RoomView | null;
  error: ErrorMsg | null;
  rttMs: number | null;
  offsetMs: number | null;
  metronomeOn: boolean;
  /** pad → time (performance.now) of the last remote hit sounding, for lighting pads */
  lastRemote: { pad: PadId; from: string; atLocalMs: number } | null;
}

export interface JamSessionOptions {
  roomCode: string;
  participantId: string;
  name: string;
  engine: AudioEngine;
  /** socket.io URL; same origin by default */
  url?: string;
}

type Listener = (s: SessionSnapshot) => void;

export class JamSession {
  readonly clock = new ClockSync();
  readonly stats = new PlayoutStats();
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private snapshot: SessionSnapshot = {
    status: "connecting",
    room: null,
    error: null,
    rttMs: null,
    offsetMs: null,
    metronomeOn: true,
    lastRemote: null,
  };
  private listeners = new Set<Listener>();
  private seq = 0;
  private pingTimer: ReturnType<typeof setTimeout> | null = null;
  private schedTimer: ReturnType<typeof setInterval> | null = null;
  private qualityTimer: ReturnType<typeof setInterval> | null = null;
  /** grid in force before the current one's epoch (a tempo change starts at a future bar line) */
  private grids: Grid[] = [];
  private clickScheduledUntilMs = 0;
  private readonly log: DiagHit[] = [];
  readonly playoutDelayMs = DEFAULT_PLAYOUT_DELAY_MS;

  constructor(private readonly opts: JamSessionOptions) {
    const url = opts.url ?? "";
    // websocket only: no long-polling fallback, so no sticky sessions are ever needed
    this.socket = io(url, { transports: ["websocket"], reconnectionDelayMax: 5000 });
    this.socket.on("connect", () => this.onConnect());
    this.socket.on("disconnect", () => this.update({ status: "reconnecting" }));
    this.socket.on("room:state", (room) => this.onRoom(room));
    this.socket.on("hit", (hit) => this.onRemoteHit(hit));
    this.socket.on("error", (err) => this.update({ error: err }));
    this.schedTimer = setInterval(() => this.scheduleClicks(), SCHEDULER_TICK_MS);
    this.qualityTimer = setInterval(() => {
      const c = this.clock.current;
      if (c && this.socket.connected) this.socket.emit("quality", { rttMs: Math.round(c.rttMs * 10) / 10 });
    }, 2000);
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
    this.socket.emit(
      "join",
      { protocolVersion: PROTOCOL_VERSION, roomCode: this.opts.roomCode, participantId: this.opts.participantId, name: this.opts.name },
      (res) => {
        if (!res.ok) {
          this.update({ status: "error", error: res.error });
          return;
        }
        this.onRoom(res.data.room);
        this.update({ status: "joined", error: null });
      },
    );
    this.clockSamplesThisConnection = 0;
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.ping();
  }

  private clockSamplesThisConnection = 0;

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
    const grid: Grid = { tempoBpm: room.tempoBpm, beatsPerBar: room.beatsPerBar, epochMs: room.epochMs };
    const last = this.grids.at(-1);
    if (!last || last.epochMs !== grid.epochMs || last.tempoBpm !== grid.tempoBpm || last.beatsPerBar !== grid.beatsPerBar) {
      this.grids = last ? [last, grid] : [grid];
    }
    this.update({ room });
  }

  // ---------- time mapping ----------
  sharedNow(): number {
    return this.clock.toShared(performance.now());
  }

  /**
   * Shared time → AudioContext time. getOutputTimestamp() pairs what the
   * speaker is playing now with performance.now(), so output latency is
   * accounted for and the pairing is refreshed on every call.
   */
  sharedToAudioTime(sharedMs: number): number {
    const ctx = this.opts.engine.context;
    const localMs = this.clock.toLocal(sharedMs);
    const ts = ctx.getOutputTimestamp?.();
    if (ts && ts.performanceTime && ts.contextTime !== undefined && ts.performanceTime > 0) {
      return ts.contextTime + (localMs - ts.performanceTime) / 1000;
    }
    return ctx.currentTime + (localMs - performance.now()) / 1000;
  }

  // ---------- hits ----------
  /** A local strike. `eventTimeStamp` is the input event's timeStamp (performance.now() base). */
  strike(pad: PadId, velocity: number, eventTimeStamp: number): void {
    const engine = this.opts.engine;
    engine.playHit(pad, engine.context.currentTime, velocity); // your own hit: at once
    const strikeAtMs = this.clock.toShared(eventTimeStamp);
    const seq = ++this.seq;
    this.pushLog({
      kind: "local",
      from: this.opts.participantId,
      seq,
      pad,
      velocity,
      strikeAtMs,
      scheduledAtMs: this.sharedNow(),
      late: false,
      receivedAtMs: strikeAtMs,
    });
    if (this.socket.connected) this.socket.emit("hit", { seq, pad, velocity, strikeAtMs });
  }

  private onRemoteHit(hit: RelayedHit): void {
    const nowMs = this.sharedNow();
    const d = decidePlayout(hit.strikeAtMs, this.playoutDelayMs, nowMs);
    this.stats.record(d);
    const audioTime = d.late ? this.opts.engine.context.currentTime : this.sharedToAudioTime(d.playAtMs);
    this.opts.engine.playHit(hit.pad, audioTime, hit.velocity);
    this.pushLog({
      kind: "remote",
      from: hit.from,
      seq: hit.seq,
      pad: hit.pad,
      velocity: hit.velocity,
      strikeAtMs: hit.strikeAtMs,
      scheduledAtMs: d.playAtMs,
      late: d.late,
      receivedAtMs: nowMs,
    });
    const delayLocalMs = Math.max(0, d.playAtMs - nowMs);
    setTimeout(() => this.update({ lastRemote: { pad: hit.pad, from: hit.from, atLocalMs: performance.now() } }), delayLocalMs);
  }

  private pushLog(h: DiagHit): void {
    this.log.push(h);
    if (this.log.length > DIAG_LOG_MAX) this.log.splice(0, this.log.length - DIAG_LOG_MAX);
  }

  // ---------- metronome ----------
  setMetronome(on: boolean): void {
    this.update({ metronomeOn: on });
  }

  private scheduleClicks(): void {
    if (!this.clock.synced || this.grids.length === 0) return;
    const nowMs = this.sharedNow();
    const fromMs = Math.max(this.clickScheduledUntilMs, nowMs);
    const toMs = nowMs + SCHEDULE_AHEAD_MS;
    if (toMs <= fromMs) return;
    this.clickScheduledUntilMs = toMs;
    if (!this.snapshot.metronomeOn) return;
    const [prev, cur] = this.grids.length === 2 ? this.grids : [undefined, this.grids[0]!];
    const beats = [
      ...(prev ? beatsInWindow(prev, fromMs, Math.min(toMs, cur!.epochMs)) : []),
      ...beatsInWindow(cur!, Math.max(fromMs, prev ? cur!.epochMs : fromMs), toMs),
    ];
    for (const b of beats) this.opts.engine.playClick(this.sharedToAudioTime(b.atMs), b.downbeat);
  }

  // ---------- room actions ----------
  setTempo(tempoBpm: number, beatsPerBar: number): Promise<ErrorMsg | null> {
    return new Promise((resolve) => this.socket.emit("tempo:set", { tempoBpm, beatsPerBar }, (r) => resolve(r.ok ? null : r.error)));
  }
  startRecording(): Promise<ErrorMsg | null> {
    return new Promise((resolve) => this.socket.emit("recording:start", {}, (r) => resolve(r.ok ? null : r.error)));
  }
  stopRecording(): Promise<ErrorMsg | null> {
    return new Promise((resolve) => this.socket.emit("recording:stop", {}, (r) => resolve(r.ok ? null : r.error)));
  }

  diagnostics(): Diagnostics {
    const c = this.clock.current;
    const log = this.log;
    const connected = this.socket.connected;
    const stats = this.stats;
    return {
      participantId: this.opts.participantId,
      connected,
      clockOffsetMs: c?.offsetMs ?? null,
      rttMs: c?.rttMs ?? null,
      clockErrorBoundMs: c?.errorBoundMs ?? null,
      syncSamples: c?.samples ?? 0,
      playoutDelayMs: this.playoutDelayMs,
      remoteHits: stats.received,
      lateHits: stats.late,
      hits: log.slice(),
      sharedNow: () => this.sharedNow(),
    };
  }

  close(): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    if (this.schedTimer) clearInterval(this.schedTimer);
    if (this.qualityTimer) clearInterval(this.qualityTimer);
    this.socket.close();
    this.listeners.clear();
  }
}
