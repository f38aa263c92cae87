/**
 * One page's connection to its room, without DOM or audio (issue 13): the socket, the join,
 * reconnecting (status.ts decides, this class carries it out), clock sync, the hit and hearing
 * outboxes with their acks, each partner's playout bookkeeping, quality reports and the room's
 * requests. Storage, clock, randomness, socket factory and the audio lead are injected, so the
 * same code runs in the browser (app/lib/session.ts adds the sound) and in Node (the fault tests,
 * bench:traffic, bench:recording), and the tests exercise the real client.
 */
import { io } from "socket.io-client";
import { nextPingDelayMs } from "../../../core/clock-sync";
import { connectRefusalOf } from "../../../core/connect-refusal";
import type { PadId } from "../../../core/kit";
import { beatMs } from "../../../core/metronome";
import { DEFAULT_LATE_TARGET, isLateTargetId, type LateTargetId } from "../../../core/playout";
import type { HitPath } from "../../../core/first-copy";
import { PROTOCOL_VERSION } from "../../../core/limits";
import type { HitMsg, MemberQuality, QualityReportMsg, RelayedHit, RoomView } from "../../../core/protocol";
import { HearingOutbox } from "../hearing-outbox";
import { HitOutbox } from "../outbox";
import { PartnerPlayouts, type PartnerStats } from "../partner-playout";
import { QUALITY_INTERVAL_MS, qualityReport, sameReport, steadyReport } from "./quality-report";
import type { DirectPaths } from "./direct-paths";
import { defaultPeerFactory, HitPaths, type PartnerPaths } from "./hit-paths";
import { RoomRequests } from "./room-requests";
import { fairMonitoringDelayMs, mergeMemberQuality } from "./room-view";
import { SharedClock } from "./shared-clock";
import { DEFAULT_BACKOFF, transition, type BackoffOptions, type ConnEvent, type ConnStatus, type Effect } from "./status";
import type { AudioLead, ConnectionSnapshot, ConnectionStats, JamConnectionOptions, RemoteHitListener } from "./types";

export type { AudioLead, ConnectionSnapshot, ConnectionStats, JamConnectionOptions, JamSocket, RemoteHitListener, SocketFactory } from "./types";

/** a `sync:ping` answered later than this is dropped (the next ping follows) */
const PING_TIMEOUT_MS = 5_000;
/** hearings go out in batches this often while joined */
const HEARINGS_FLUSH_MS = 1_000;

export type { PartnerPaths } from "./hit-paths";

export class JamConnection extends RoomRequests {
  readonly clock: SharedClock;
  readonly stats: ConnectionStats = { joins: 0, sentLive: 0, heldBack: 0, resent: 0, acked: 0, relayedIn: 0, directIn: 0, duplicates: 0 };
  /** own hits not yet acknowledged as stored: kept across reloads, re-sent after every join */
  private readonly outbox: HitOutbox;
  /** hearings not yet confirmed stored: the same */
  private readonly hearings: HearingOutbox;
  private readonly partners: PartnerPlayouts;
  /** issue 15: each partner hit may come twice (direct channel, relay); the first copy plays */
  private readonly paths: HitPaths;
  private snap: ConnectionSnapshot = { status: { kind: "idle" }, room: null, error: null, rttMs: null, offsetMs: null, lastReaction: null };
  private readonly listeners = new Set<(s: ConnectionSnapshot) => void>();
  private readonly hitListeners = new Set<RemoteHitListener>();
  private readonly ackListeners = new Set<(seqs: number[]) => void>();
  private readonly random: () => number;
  private readonly backoff: BackoffOptions;
  private readonly audioLead: () => AudioLead;
  private passcode: string | undefined;
  /** the one pending retry (connect or join again): a new one replaces it */
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly intervals: ReturnType<typeof setInterval>[] = [];
  private clockSamplesThisConnection = 0;
  /** the figures last reported on this join (the server keeps them: unchanged ones are not sent again) */
  private lastQuality: QualityReportMsg | null = null;
  /** answers to older joins (a dropped socket, a newer join) are ignored */
  private joinSeq = 0;
  /**
   * Hits struck before the clock's first sync, their strikeAtMs on this page's own clock (the
   * shared clock is the local one until then), which the server refuses (LIMITS.strikeSkewMaxMs):
   * retimed onto the room's clock at the first sync (issue 14: a pad plays as soon as the room
   * shows, before the socket has synced; bench/phone-open.ts).
   */
  private unsynced: HitMsg[] = [];

  constructor(private readonly opts: JamConnectionOptions) {
    // websocket only: no long-polling fallback, so no sticky sessions are ever needed. ?room= routes
    // the connection to the process that owns the room (docs/deploy.md). Reconnecting is ours
    // (status.ts), so refusals, room hand-overs and server closes follow one set of rules.
    super(
      (opts.createSocket ?? io)(opts.url, { transports: ["websocket"], query: { room: opts.roomCode }, forceNew: true, reconnection: false, autoConnect: false }),
    );
    this.clock = new SharedClock(opts.now);
    this.random = opts.random ?? Math.random;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.audioLead = opts.audioLead ?? (() => ({ planMs: 0, nowMs: 0 }));
    this.passcode = opts.passcode;
    this.partners = new PartnerPlayouts(isLateTargetId(opts.lateTarget) ? opts.lateTarget : DEFAULT_LATE_TARGET);
    this.outbox = new HitOutbox(opts.roomCode, opts.participantId, opts.storage);
    this.hearings = new HearingOutbox(opts.roomCode, opts.participantId, opts.storage);
    this.paths = new HitPaths({
      selfId: opts.participantId,
      createPeer: opts.createPeer === undefined ? defaultPeerFactory() : opts.createPeer,
      signal: (msg) => this.socket.connected && this.socket.emit("direct:signal", msg),
      onDirectHit: (hit, repeat, clock) => this.deliver(hit, "direct", repeat, clock),
      onPathChanged: (from) => this.partners.pathChanged(from),
      now: opts.now,
      random: this.random,
    });
    this.listen();
    this.intervals.push(setInterval(() => this.reportQuality(), QUALITY_INTERVAL_MS));
    this.intervals.push(setInterval(() => this.flushHearings(), HEARINGS_FLUSH_MS));
    this.dispatch({ type: "start" });
  }

  /** the direct channels (null: no WebRTC here, or its code not loaded yet) */
  get direct(): DirectPaths | null {
    return this.paths.direct;
  }

  // ---------- state ----------
  get snapshot(): ConnectionSnapshot {
    return this.snap;
  }
  get status(): ConnStatus {
    return this.snap.status;
  }
  get room(): RoomView | null {
    return this.snap.room;
  }
  get participantId(): string {
    return this.opts.participantId;
  }
  get connected(): boolean {
    return this.socket.connected;
  }
  /** the room's shared clock as this page estimates it now */
  sharedNow(): number {
    return this.clock.sharedNow();
  }
  /** own hits not yet confirmed stored */
  get unackedHits(): number {
    return this.outbox.size;
  }
  get unackedHearings(): number {
    return this.hearings.size;
  }

  subscribe(fn: (s: ConnectionSnapshot) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  /** every partner hit, with its playout decision, as it arrives */
  onRemoteHit(fn: RemoteHitListener): () => void {
    this.hitListeners.add(fn);
    return () => this.hitListeners.delete(fn);
  }
  /** the seqs of own hits the server confirmed stored */
  onAck(fn: (seqs: number[]) => void): () => void {
    this.ackListeners.add(fn);
    return () => this.ackListeners.delete(fn);
  }

  private update(patch: Partial<ConnectionSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const fn of this.listeners) fn(this.snap);
  }

  private dispatch(e: ConnEvent): void {
    const prev = this.snap.status;
    const { status, effects } = transition(prev, e, { backoff: this.backoff, random: this.random });
    // counted before the update, so a subscriber woken by "joined" sees the join counted
    if (status.kind === "joined" && prev.kind !== "joined") this.stats.joins++;
    if (status !== prev) this.update({ status });
    for (const fx of effects) this.run(fx);
  }

  private run(fx: Effect): void {
    switch (fx.type) {
      case "open":
        return this.retryIn(fx.afterMs, () => !this.socket.connected && this.socket.connect());
      case "join":
        return this.join();
      case "rejoin":
        return this.retryIn(fx.afterMs, () => this.socket.connected && this.join());
      case "drop":
        this.socket.disconnect();
        return;
      case "shut":
        this.clearRetry();
        this.socket.disconnect();
        return;
    }
  }

  private retryIn(ms: number, fn: () => void): void {
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      fn();
    }, ms);
  }
  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  // ---------- socket ----------
  private listen(): void {
    const s = this.socket;
    s.on("connect", () => {
      this.clockSamplesThisConnection = 0;
      this.ping();
      this.dispatch({ type: "socket_open" });
    });
    s.on("disconnect", (reason) => {
      this.joinSeq++;
      this.paths.onSocketDown();
      if (this.pingTimer) clearTimeout(this.pingTimer);
      this.pingTimer = null;
      this.dispatch({ type: "socket_closed", byServer: reason === "io server disconnect" });
    });
    // A refusal (too many connections from this network, a pause after abuse) says when to try
    // again; anything else (network, server away) is retried with back-off.
    s.on("connect_error", (err) => {
      const refusal = connectRefusalOf(err);
      if (refusal) this.update({ error: refusal });
      this.dispatch({ type: "connect_failed", refusal });
    });
    s.on("room:state", (room) => this.setRoom(room));
    s.on("member:quality", (q) => this.onMemberQuality(q));
    s.on("hit", (hit) => this.deliver(hit, "relay", false));
    s.on("direct:signal", (msg) => this.paths.onSignal(msg));
    s.on("hits:ack", ({ seqs }) => {
      this.outbox.ack(seqs);
      this.stats.acked += seqs.length;
      for (const fn of this.ackListeners) fn(seqs);
    });
    s.on("hearings:ack", ({ hearings }) => this.hearings.ack(hearings));
    s.on("reaction", (r) => this.update({ lastReaction: { from: r.from, emoji: r.emoji, key: r.atMs } }));
    s.on("error", (err) => {
      // a refused direct-path signal (the room just went to Groove mode…): the relay plays on, nothing to show
      if (err.event === "direct:signal") return;
      this.update({ error: err });
      this.dispatch({ type: "server_error", error: err });
    });
  }

  private join(): void {
    const seq = ++this.joinSeq;
    const o = this.opts;
    const msg = { protocolVersion: PROTOCOL_VERSION, roomCode: o.roomCode, participantId: o.participantId, name: o.name, hostToken: o.hostToken, role: o.role, seatKey: o.seatKey, passcode: this.passcode };
    this.socket.emit("join", msg, (res) => {
      if (seq !== this.joinSeq || !this.socket.connected) return; // an answer to a join that no longer counts
      if (!res.ok) {
        this.update({ error: res.error });
        return this.dispatch({ type: "join_failed", error: res.error });
      }
      this.setRoom(res.data.room);
      this.paths.onJoined(res.data.iceServers);
      this.lastQuality = null; // a new join: the server may know nothing of this member's figures
      this.update({ error: null });
      this.dispatch({ type: "join_ok" });
      if (this.snap.status.kind !== "joined") return;
      // Whatever the server never confirmed storing (a crash, a dropped link, a reload) goes again.
      for (const hit of this.outbox.pending()) {
        this.stats.resent++;
        this.socket.emit("hit", { ...hit, resend: true });
      }
      this.hearings.resendAll();
      this.flushHearings();
    });
  }

  private ping(): void {
    if (!this.socket.connected) return;
    const t0Ms = this.opts.now();
    this.socket.timeout(PING_TIMEOUT_MS).emit("sync:ping", { t0Ms }, (err: Error | null, pong) => {
      if (!err && pong) {
        const est = this.clock.sync.addExchange({ t0Ms: pong.t0Ms, t1Ms: pong.t1Ms, t2Ms: pong.t2Ms, t3Ms: this.opts.now() });
        this.clockSamplesThisConnection++;
        this.sendUnsynced();
        this.update({ rttMs: est.rttMs, offsetMs: est.offsetMs });
      }
      if (!this.socket.connected) return;
      if (this.pingTimer) clearTimeout(this.pingTimer);
      this.pingTimer = setTimeout(() => this.ping(), nextPingDelayMs(this.clockSamplesThisConnection));
    });
  }

  // ---------- room view ----------
  private setRoom(room: RoomView): void {
    this.partners.onRoom(room, this.opts.participantId, this.clock.sync.legs());
    this.update({ room });
    this.paths.onRoom(room);
  }

  /** Telemetry as deltas: one member's figures merged into the view held (room-view.ts). */
  private onMemberQuality(q: MemberQuality): void {
    const room = this.snap.room;
    if (!room) return;
    const merged = mergeMemberQuality(room, q);
    if (merged !== room) this.setRoom(merged);
  }

  private barMs(): number {
    const room = this.snap.room;
    return room ? beatMs(room.tempoBpm) * room.beatsPerBar : 2_400;
  }

  // ---------- hits ----------
  /**
   * A local strike at `strikeAtMs` on the shared clock (now by default). Sent at once when joined,
   * kept until acked; struck before the clock's first sync, retimed at it (sendUnsynced).
   */
  strike(pad: PadId, velocity: number, strikeAtMs = this.clock.sharedNow()): HitMsg {
    const msg: HitMsg = { seq: this.outbox.nextSeq(), pad, velocity, strikeAtMs };
    if (!this.clock.sync.synced) this.unsynced.push(msg);
    // The direct copy first (the faster path; not before the first sync: the time is not the room's
    // yet); the relay's copy is the one the server stores.
    if (this.clock.sync.synced) this.paths.sendHit(msg, -this.clock.appliedOffsetAt(this.clock.localNow()));
    // Sent before anything else: every ms here is a ms of the partners' delay.
    if (this.socket.connected && this.snap.status.kind === "joined") {
      this.socket.emit("hit", msg);
      this.stats.sentLive++;
    } else this.stats.heldBack++;
    this.outbox.add(msg);
    return msg;
  }

  /**
   * At the first sync: the hits struck before it get their times mapped onto the room's clock in
   * the outbox, which the join re-sends (the first pong comes before the join's answer). Joined
   * already: re-sent now — long past their slot, so stored but not relayed (partners would hear them late).
   */
  private sendUnsynced(): void {
    const held = this.unsynced;
    this.unsynced = [];
    const joined = this.socket.connected && this.snap.status.kind === "joined";
    for (const h of held) {
      const msg: HitMsg = { ...h, strikeAtMs: this.clock.toShared(h.strikeAtMs) };
      if (this.outbox.retime(msg) && joined) this.socket.emit("hit", { ...msg, resend: true });
    }
  }

  /**
   * A copy of a partner's hit from either path: only the first copy of each (sender, seq) plays.
   * `senderClockMs`: a direct copy's sender's local − shared clock (core/direct-packet.ts).
   */
  private deliver(hit: RelayedHit, path: HitPath, repeat: boolean, senderClockMs: number | null = null): void {
    if (path === "relay") this.stats.relayedIn++;
    else this.stats.directIn++;
    const arrivalAtMs = this.clock.sharedNow();
    const outcome = this.paths.judge(hit, path, repeat, arrivalAtMs);
    if (outcome === "first") this.play(hit, arrivalAtMs, path, this.timedStrike(hit, path, senderClockMs));
    else if (outcome === "duplicate") this.stats.duplicates++;
  }

  /**
   * The strike the playout times a copy by. A relay copy: its stamp. A direct copy: its strike on
   * this page's shared clock by way of the two pages' LOCAL clocks (core/peer-clock.ts) — the
   * sender's own clock at the strike, less how far it reads from this page's (measured over the
   * channel), then this page's shared clock now — so no step of either page's clock sync moves
   * the partner; the stamp until the channel has measured the two clocks.
   */
  private timedStrike(hit: RelayedHit, path: HitPath, senderClockMs: number | null): number {
    const peerMs = path === "direct" ? this.paths.directClockOffsetMs(hit.from) : null;
    if (senderClockMs === null || peerMs === null) return hit.strikeAtMs;
    return this.clock.toShared(hit.strikeAtMs + senderClockMs - peerMs);
  }

  /** `timedStrikeAtMs`: the strike the playout times it by (timedStrike); hearings keep the stamp. */
  private play(hit: RelayedHit, nowMs: number, path: HitPath, timedStrikeAtMs: number): void {
    const lead = this.audioLead();
    const room = this.snap.room;
    this.partners.setDirectPrior(hit.from, this.paths.directPriorMs(hit.from));
    const d = this.partners.decide(hit.from, timedStrikeAtMs, nowMs, lead.planMs, room?.mode ?? "live", this.barMs(), lead.nowMs);
    for (const fn of this.hitListeners) fn(hit, d, nowMs, path, timedStrikeAtMs);
    if (room?.recording) {
      this.hearings.add({ from: hit.from, seq: hit.seq, strikeAtMs: hit.strikeAtMs, soundedAtMs: d.playAtMs, late: d.late, skipped: d.skipped });
    }
  }

  /** Per partner: the path in use, each path's one-way delay and copies, the channel's state (latency panel, window.__backbeat). */
  pathStats(): PartnerPaths[] {
    return this.paths.stats();
  }

  partnerStats(): PartnerStats[] {
    return this.partners.stats(this.snap.room?.mode ?? "live", this.barMs(), this.audioLead().planMs);
  }
  get lateTarget(): LateTargetId {
    return this.partners.target;
  }
  /** Quick ↔ safe for partners' hits. */
  setLateTarget(id: LateTargetId): void {
    this.partners.setLateTarget(id);
  }
  /** The delay your partners apply to your hits (fair monitoring). */
  fairMonitoringDelayMs(): number {
    return fairMonitoringDelayMs(this.snap.room, this.opts.participantId);
  }

  private reportQuality(): void {
    const c = this.clock.sync.current;
    // Not joined (e.g. waiting for a private room's passcode): the server would only answer not_joined.
    if (!c || !this.socket.connected || this.snap.status.kind !== "joined") return;
    // Only what moved (quality-report.ts): a steady page sends nothing, and its partners receive nothing.
    const report = steadyReport(this.lastQuality, qualityReport(c, this.clock.sync.legs(), this.partnerStats()));
    if (sameReport(this.lastQuality, report)) return;
    this.lastQuality = report;
    this.socket.emit("quality", report);
  }

  /** Tells the server when partners' hits were heard here, for "as heard" replays; kept until acked. */
  private flushHearings(): void {
    if (!this.socket.connected || this.snap.status.kind !== "joined") return;
    for (const batch of this.hearings.takeUnsent()) this.socket.emit("heard", { hearings: batch });
  }

  // ---------- requests ----------
  /** A private room refused the join: try again with this passcode. */
  joinWithPasscode(passcode: string): void {
    this.passcode = passcode;
    this.update({ error: null });
    this.dispatch({ type: "retry", connected: this.socket.connected });
  }

  // ---------- end ----------
  /** Writes both outboxes now (the page is going away). */
  saveNow(): void {
    this.outbox.saveNow();
    this.hearings.saveNow();
  }

  /** Like a page going away: the outboxes are saved, the socket closed, nothing retries. */
  close(): void {
    this.flushHearings();
    this.saveNow();
    for (const t of this.intervals) clearInterval(t);
    this.paths.close();
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.dispatch({ type: "close" });
    this.listeners.clear();
    this.hitListeners.clear();
    this.ackListeners.clear();
  }
}
