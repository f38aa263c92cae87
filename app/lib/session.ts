/**
 * The browser side of a jam: the socket, clock sync, playout of remote hits,
 * the local metronome and the diagnostics log. React components subscribe to
 * its snapshots; timing work never goes through React state.
 */
import { io, type Socket } from "socket.io-client";
import { ClockSync, nextPingDelayMs } from "../../core/clock-sync";
import { beatsInWindow, type Grid } from "../../core/metronome";
import { grooveHitsInWindow, type GrooveId } from "../../core/grooves";
import type { Reaction } from "../../core/battle";
import { beatMs } from "../../core/metronome";
import { AdaptivePlayout, grooveDelay, type AdaptiveDecision } from "../../core/playout";
import type { PadId } from "../../core/kit";
import {
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type ErrorMsg,
  type HearingMsg,
  type HitMsg,
  type ListeningReport,
  type PlayMode,
  type RelayedHit,
  type RoomView,
  type ServerToClientEvents,
} from "../../core/protocol";
import type { AudioEngine } from "./audio/engine";
import { outputLatencyMs, perfToAudioTime } from "./audio-clock";
import { saveOwnerToken } from "./identity";
import { HitOutbox } from "./outbox";
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
  /** shared time it was scheduled to sound */
  scheduledAtMs: number;
  late: boolean;
  /** the partner's hit arrived so late it was not played at all */
  skipped: boolean;
  /** playout delay in force for this hit (remote), or the fair-monitoring delay (local; 0 when off) */
  playoutDelayMs: number;
  /** shared time it was received (remote) or struck (local) */
  receivedAtMs: number;
  /** the AudioContext time handed to the engine (null when skipped) */
  audioTime: number | null;
  /** performance.now() time the hit was mapped to sound at (null when skipped) */
  playAtLocalMs: number | null;
}

/** What this page measures of one partner's hits. */
export interface PartnerStats {
  from: string;
  mode: PlayMode;
  /** delay applied to this partner's hits (groove: whole bars) */
  delayMs: number;
  /** what live mode would need (the adaptive delay) */
  adaptiveDelayMs: number;
  grooveBars: number | null;
  oneWayMs: number | null;
  jitterMs: number | null;
  hits: number;
  late: number;
  skipped: number;
  latePercent: number;
}

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
  outputLatencyMs: number;
  clockSkewPpm: number | null;
  clockErrorEstimateMs: number | null;
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
  /** socket.io URL; same origin by default */
  url?: string;
}

type Listener = (s: SessionSnapshot) => void;

export class JamSession {
  readonly clock = new ClockSync();
  /** one adaptive playout per remote sender */
  private readonly playouts = new Map<string, AdaptivePlayout>();
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
  private hearings: HearingMsg[] = [];
  private heardTimer: ReturnType<typeof setInterval> | null = null;
  private refusalTimer: ReturnType<typeof setTimeout> | null = null;
  /** sent with every join: set again by joinWithPasscode */
  private passcode: string | undefined;

  constructor(private readonly opts: JamSessionOptions) {
    this.inputOffsetMs = opts.inputOffsetMs ?? 0;
    this.passcode = opts.passcode;
    this.outbox = new HitOutbox(opts.roomCode, opts.participantId);
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
          return;
        }
        this.joinRetryMs = 500;
        this.onRoom(res.data.room);
        this.update({ status: "joined", error: null });
        // Whatever the server never confirmed storing (a crash, a dropped link, a reload) goes again.
        for (const hit of this.outbox.pending()) this.socket.emit("hit", { ...hit, resend: true });
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
      // The new grid starts at its epoch (a future bar line); the old one plays until then.
      this.grids = last ? [last, grid] : [grid];
    }
    this.update({ room });
  }

  // ---------- time mapping ----------
  sharedNow(): number {
    return this.clock.toShared(performance.now());
  }

  /** Shared time → AudioContext time (through getOutputTimestamp(), refreshed on every call). */
  sharedToAudioTime(sharedMs: number): number {
    return perfToAudioTime(this.opts.engine.context, this.clock.toLocal(sharedMs));
  }

  // ---------- hits ----------
  /** A local strike. `eventTimeStamp` is the input event's timeStamp (performance.now() base). */
  strike(pad: PadId, velocity: number, eventTimeStamp: number): void {
    const engine = this.opts.engine;
    // Calibrated input latency: the player meant the hit this much earlier.
    const strikeAtMs = this.clock.toShared(eventTimeStamp - this.inputOffsetMs);
    const fairMs = this.snapshot.fairMonitoring ? this.fairMonitoringDelayMs() : 0;
    const nowMs = this.sharedNow();
    // Your own hit: at once — or, with fair monitoring, when your partners hear it.
    const soundAtMs = fairMs > 0 ? Math.max(nowMs, strikeAtMs + fairMs) : nowMs;
    const audioTime = fairMs > 0 ? this.sharedToAudioTime(soundAtMs) : engine.context.currentTime;
    engine.playHit(pad, audioTime, velocity);
    const seq = this.outbox.nextSeq();
    this.pushLog({
      kind: "local",
      from: this.opts.participantId,
      seq,
      pad,
      velocity,
      strikeAtMs,
      scheduledAtMs: soundAtMs,
      late: false,
      skipped: false,
      playoutDelayMs: fairMs,
      receivedAtMs: strikeAtMs,
      audioTime,
      playAtLocalMs: this.clock.toLocal(soundAtMs),
    });
    const msg: HitMsg = { seq, pad, velocity, strikeAtMs };
    this.outbox.add(msg);
    if (this.socket.connected && this.snapshot.status === "joined") this.socket.emit("hit", msg);
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

  private playoutFor(from: string): AdaptivePlayout {
    let p = this.playouts.get(from);
    if (!p) {
      p = new AdaptivePlayout();
      this.playouts.set(from, p);
    }
    return p;
  }

  private barMs(): number {
    const room = this.snapshot.room;
    return room ? beatMs(room.tempoBpm) * room.beatsPerBar : 2400;
  }

  private onRemoteHit(hit: RelayedHit): void {
    const nowMs = this.sharedNow();
    const playout = this.playoutFor(hit.from);
    let d: AdaptiveDecision = playout.onArrival(hit.strikeAtMs, nowMs);
    if (this.snapshot.room?.mode === "groove") {
      // Whole bars of delay: the partner's beat 1 lands on your beat 1.
      const g = grooveDelay(d.delayMs, this.barMs());
      const dueAtMs = hit.strikeAtMs + g.delayMs;
      const late = dueAtMs < nowMs + 3;
      d = { dueAtMs, playAtMs: late ? nowMs : dueAtMs, late, lateByMs: late ? nowMs - dueAtMs : 0, skipped: false, delayMs: g.delayMs };
    }
    let audioTime: number | null = null;
    if (!d.skipped) {
      audioTime = d.late ? this.opts.engine.context.currentTime : this.sharedToAudioTime(d.playAtMs);
      this.opts.engine.playHit(hit.pad, audioTime, hit.velocity);
    }
    this.pushLog({
      kind: "remote",
      from: hit.from,
      seq: hit.seq,
      pad: hit.pad,
      velocity: hit.velocity,
      strikeAtMs: hit.strikeAtMs,
      scheduledAtMs: d.playAtMs,
      late: d.late,
      skipped: d.skipped,
      playoutDelayMs: d.delayMs,
      receivedAtMs: nowMs,
      audioTime,
      playAtLocalMs: d.skipped ? null : this.clock.toLocal(d.playAtMs),
    });
    if (this.snapshot.room?.recording) {
      this.hearings.push({ from: hit.from, seq: hit.seq, strikeAtMs: hit.strikeAtMs, soundedAtMs: d.playAtMs, late: d.late, skipped: d.skipped });
    }
    if (d.skipped) return;
    const delayLocalMs = Math.max(0, d.playAtMs - nowMs);
    setTimeout(() => this.update({ lastRemote: { pad: hit.pad, from: hit.from, atLocalMs: performance.now() } }), delayLocalMs);
  }

  partnerStats(): PartnerStats[] {
    const mode = this.snapshot.room?.mode ?? "live";
    return [...this.playouts.entries()].map(([from, p]) => {
      const t = p.transit;
      const g = mode === "groove" ? grooveDelay(p.delayMs, this.barMs()) : null;
      return {
        from,
        mode,
        delayMs: g ? g.delayMs : p.delayMs,
        adaptiveDelayMs: p.delayMs,
        grooveBars: g ? g.bars : null,
        oneWayMs: t ? t.p50Ms : null,
        jitterMs: t ? t.jitterMs : null,
        hits: p.stats.received,
        late: p.stats.late,
        skipped: p.skipped,
        latePercent: p.stats.latePercent,
      };
    });
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
    this.socket.emit("quality", { rttMs: round(c.rttMs)!, clockErrorMs: round(c.errorEstimateMs)!, listening });
  }

  /** Tells the server when partners' hits sounded here, for "as heard" replays. Best effort, in batches. */
  private flushHearings(): void {
    if (this.hearings.length === 0 || !this.socket.connected) return;
    while (this.hearings.length) {
      const batch = this.hearings.splice(0, 256);
      this.socket.emit("heard", { hearings: batch });
    }
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
    if (!this.clock.synced || this.grids.length === 0) return;
    const nowMs = this.sharedNow();
    const fromMs = Math.max(this.clickScheduledUntilMs, nowMs);
    const toMs = nowMs + SCHEDULE_AHEAD_MS;
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
      clockOffsetMs: c ? this.clock.offsetAt(performance.now()) : null,
      rttMs: c?.rttMs ?? null,
      clockErrorBoundMs: c?.errorBoundMs ?? null,
      clockErrorEstimateMs: c?.errorEstimateMs ?? null,
      clockSkewPpm: c?.skewPpm ?? null,
      syncSamples: c?.samples ?? 0,
      playoutDelayMs: partners.length ? Math.max(...partners.map((p) => p.delayMs)) : new AdaptivePlayout().delayMs,
      mode: this.snapshot.room?.mode ?? "live",
      fairMonitoring: this.snapshot.fairMonitoring,
      inputOffsetMs: this.inputOffsetMs,
      outputLatencyMs: outputLatencyMs(this.opts.engine.context),
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

  private readonly onPageHide = () => this.outbox.saveNow();

  close(): void {
    window.removeEventListener("pagehide", this.onPageHide);
    this.outbox.saveNow();
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
