/**
 * One partner's direct channel (issue 15, docs/direct-path.md): a plain RTCPeerConnection with one
 * negotiated data channel (id 0, unordered, no retransmission, binary), signalled through the
 * room's socket. The player with the smaller id offers (core/direct-path.ts offersTo), the other
 * only answers: no glare. While open it pings every DIRECT_PING_INTERVAL_MS (the direct path's
 * round trip; silence is a stall). A channel that does not open within OPEN_TIMEOUT_MS, closes,
 * errors or stalls is torn down; the offerer tries again after a capped back-off (2 s doubling to
 * 60 s, ±50% jitter, reset after 60 s open), the answerer waits for the next offer. The relay
 * never stops, so none of this ever loses a hit.
 *
 * DOM-free: the peer factory, clocks, timers and randomness are injected (Node tests pass fakes).
 */
import { decodeDirectPing, DIRECT_PING_INTERVAL_MS, encodeDirectPing } from "../../../core/direct-packet";
import { PeerClock, peerClockSample } from "../../../core/peer-clock";
import { offersTo } from "../../../core/direct-path";
import type { DirectSignalMsg, RelayedDirectSignal } from "../../../core/protocol";
import { median, quantile, sortedAscending } from "../../../core/stats";

/** not open this long after the offer (or answer): no route — torn down and retried */
export const OPEN_TIMEOUT_MS = 10_000;
/** no packet (hit or pong) for this long while open: a stall (4 pings missed) */
export const STALL_MS = 1_000;
export const RETRY_MIN_MS = 2_000;
export const RETRY_MAX_MS = 60_000;
/** open this long: the back-off starts again from RETRY_MIN_MS */
export const RETRY_RESET_AFTER_OPEN_MS = 60_000;
/** gathered candidates go out together after this long: a handful per message, not one each (the server's request budget) */
const CANDIDATE_BATCH_MS = 50;
/** round trips kept for the path's figures */
const RTT_WINDOW = 40;

/** idle: not started; connecting: offer/answer under way; open: hits flow; waiting: torn down, retry pending (or the next offer); closed: for good */
export type DirectState = "idle" | "connecting" | "open" | "waiting" | "closed";
export type DownReason = "timeout" | "closed" | "error" | "failed" | "stall" | "signal";

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}
const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

/** The parts of RTCPeerConnection used here (a fake implements them in tests). */
export type PeerLike = Pick<
  RTCPeerConnection,
  | "createDataChannel"
  | "createOffer"
  | "createAnswer"
  | "setLocalDescription"
  | "setRemoteDescription"
  | "addIceCandidate"
  | "close"
  | "connectionState"
  | "remoteDescription"
  | "onicecandidate"
  | "onconnectionstatechange"
>;
export type PeerFactory = (config: RTCConfiguration) => PeerLike;

export interface DirectChannelOptions {
  selfId: string;
  partnerId: string;
  iceServers: RTCIceServer[];
  createPeer: PeerFactory;
  /** sends a signal to the partner through the room's socket */
  signal(msg: DirectSignalMsg): void;
  /** a packet that is not a ping: hits (core/direct-packet.ts decodes it) */
  onPacket(data: unknown): void;
  onStateChange(state: DirectState, reason: DownReason | null): void;
  /** local monotonic ms */
  now(): number;
  random(): number;
  timers?: Timers;
}

export interface DirectChannelStats {
  state: DirectState;
  /** ping round trip over the channel, median of the last RTT_WINDOW (null: none yet) */
  rttMs: number | null;
  rttP99Ms: number | null;
  /** the partner's local clock − this page's (core/peer-clock.ts; null: not measured yet) */
  clockOffsetMs: number | null;
  /** round trips in that window */
  pings: number;
  opens: number;
  downs: number;
  lastDown: DownReason | null;
  packetsIn: number;
  packetsOut: number;
  /** ms until the next attempt while waiting (offerer), else null */
  retryInMs: number | null;
}

export class DirectChannel {
  private pc: PeerLike | null = null;
  private dc: RTCDataChannel | null = null;
  private st: DirectState = "idle";
  private readonly t: Timers;
  private openTimer: unknown = null;
  private retryTimer: unknown = null;
  private retryAtMs: number | null = null;
  private pingTimer: unknown = null;
  private candidateTimer: unknown = null;
  private outCandidates: RTCIceCandidateInit[] = [];
  /** remote candidates that came before the remote description */
  private inCandidates: RTCIceCandidateInit[] = [];
  private attempt = 0;
  private openedAtMs = 0;
  private lastPacketAtMs = 0;
  private rtts: number[] = [];
  /** p99 of `rtts`, kept as each pong arrives */
  private rttP99Ms: number | null = null;
  private readonly peerClock = new PeerClock();
  private readonly counts = { opens: 0, downs: 0, packetsIn: 0, packetsOut: 0 };
  private lastDown: DownReason | null = null;
  readonly offerer: boolean;

  constructor(private readonly o: DirectChannelOptions) {
    this.t = o.timers ?? realTimers;
    this.offerer = offersTo(o.selfId, o.partnerId);
  }

  get state(): DirectState {
    return this.st;
  }
  get isOpen(): boolean {
    return this.st === "open" && this.dc?.readyState === "open";
  }

  /** Starts (the offerer offers at once; the answerer waits for the offer). */
  start(): void {
    if (this.st !== "idle") return;
    if (this.offerer) this.connect();
    else this.setState("waiting", null);
  }

  /** The signalling path is back (a socket reconnect): a channel not open tries again now. */
  kick(): void {
    if (!this.offerer || this.st === "open" || this.st === "closed") return;
    this.clearRetry();
    this.connect();
  }

  /** Sends one hit packet if open; false when not sent. */
  send(packet: Uint8Array<ArrayBuffer>): boolean {
    if (!this.isOpen) return false;
    try {
      this.dc!.send(packet);
      this.counts.packetsOut++;
      return true;
    } catch {
      this.down("error");
      return false;
    }
  }

  onSignal(msg: RelayedDirectSignal): void {
    if (this.st === "closed") return;
    const d = msg.description;
    if (d?.type === "offer" && !this.offerer) void this.answer({ type: "offer", sdp: d.sdp });
    else if (d?.type === "answer" && this.offerer && this.pc) void this.accept(this.pc, { type: "answer", sdp: d.sdp });
    for (const c of msg.candidates ?? []) this.addCandidate(c);
  }

  /** Tears the channel down as a failure would (tests: the direct path closed mid-jam). */
  breakNow(): void {
    if (this.dc) this.dc.close();
    else this.down("closed");
  }

  /** For good (the partner left, the room went to Groove mode, the page closes). */
  close(): void {
    this.teardown();
    this.clearRetry();
    this.setState("closed", null);
  }

  stats(): DirectChannelStats {
    const sorted = sortedAscending(this.rtts);
    return {
      state: this.st,
      rttMs: sorted.length ? median(sorted) : null,
      rttP99Ms: this.rttP99Ms,
      clockOffsetMs: this.clockOffsetMs,
      pings: sorted.length,
      ...this.counts,
      lastDown: this.lastDown,
      retryInMs: this.retryAtMs === null ? null : Math.max(0, this.retryAtMs - this.o.now()),
    };
  }

  // ---------- setting up ----------
  private newPeer(): PeerLike {
    this.teardown();
    const pc = this.o.createPeer({ iceServers: this.o.iceServers });
    // Negotiated: both sides make channel 0 themselves, no in-band open round trip.
    const dc = pc.createDataChannel("hits", { negotiated: true, id: 0, ordered: false, maxRetransmits: 0 });
    dc.binaryType = "arraybuffer";
    this.pc = pc;
    this.dc = dc;
    pc.onicecandidate = (e) => {
      if (this.pc !== pc) return;
      if (e.candidate) {
        this.outCandidates.push(e.candidate.toJSON());
        this.candidateTimer ??= this.t.setTimeout(() => this.flushCandidates(), CANDIDATE_BATCH_MS);
      } else this.flushCandidates();
    };
    pc.onconnectionstatechange = () => {
      if (this.pc === pc && pc.connectionState === "failed") this.down("failed");
    };
    dc.onopen = () => this.opened(dc);
    dc.onclose = () => this.dc === dc && this.down("closed");
    dc.onerror = () => this.dc === dc && this.down("error");
    dc.onmessage = (e: MessageEvent) => this.message(dc, e.data);
    this.setState("connecting", null);
    this.openTimer = this.t.setTimeout(() => this.pc === pc && this.down("timeout"), OPEN_TIMEOUT_MS);
    return pc;
  }

  private connect(): void {
    const pc = this.newPeer();
    void (async () => {
      const offer = await pc.createOffer();
      if (this.pc !== pc) return;
      await pc.setLocalDescription(offer);
      if (this.pc !== pc) return;
      this.o.signal({ to: this.o.partnerId, description: { type: "offer", sdp: offer.sdp ?? "" } });
    })().catch(() => this.pc === pc && this.down("signal"));
  }

  private async answer(offer: { type: "offer"; sdp: string }): Promise<void> {
    this.clearRetry();
    this.inCandidates = []; // candidates of an older offer
    const pc = this.newPeer();
    try {
      await pc.setRemoteDescription(offer);
      if (this.pc !== pc) return;
      this.flushRemoteCandidates(pc);
      const answer = await pc.createAnswer();
      if (this.pc !== pc) return;
      await pc.setLocalDescription(answer);
      if (this.pc !== pc) return;
      this.o.signal({ to: this.o.partnerId, description: { type: "answer", sdp: answer.sdp ?? "" } });
    } catch {
      if (this.pc === pc) this.down("signal");
    }
  }

  private async accept(pc: PeerLike, answer: { type: "answer"; sdp: string }): Promise<void> {
    if (pc.remoteDescription) return; // an answer to an older offer
    try {
      await pc.setRemoteDescription(answer);
      if (this.pc === pc) this.flushRemoteCandidates(pc);
    } catch {
      if (this.pc === pc) this.down("signal");
    }
  }

  private addCandidate(c: RTCIceCandidateInit): void {
    const pc = this.pc;
    if (!pc?.remoteDescription) {
      this.inCandidates.push(c);
      return;
    }
    pc.addIceCandidate(c).catch(() => undefined); // a candidate of an older offer: harmless
  }

  private flushRemoteCandidates(pc: PeerLike): void {
    const cs = this.inCandidates;
    this.inCandidates = [];
    for (const c of cs) pc.addIceCandidate(c).catch(() => undefined);
  }

  private flushCandidates(): void {
    if (this.candidateTimer !== null) this.t.clearTimeout(this.candidateTimer);
    this.candidateTimer = null;
    // the protocol takes 16 per message (core/protocol.ts directSignalSchema)
    while (this.outCandidates.length) {
      const batch = this.outCandidates.splice(0, 16);
      this.o.signal({
        to: this.o.partnerId,
        candidates: batch.map((c) => ({ candidate: c.candidate ?? "", sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null, usernameFragment: c.usernameFragment ?? null })),
      });
    }
  }

  // ---------- open ----------
  private opened(dc: RTCDataChannel): void {
    if (this.dc !== dc || this.st === "open") return;
    if (this.openTimer !== null) this.t.clearTimeout(this.openTimer);
    this.openTimer = null;
    this.openedAtMs = this.lastPacketAtMs = this.o.now();
    this.counts.opens++;
    this.rtts = [];
    this.rttP99Ms = null;
    this.peerClock.reset();
    this.setState("open", null);
    this.pingTimer = this.t.setInterval(() => this.tick(dc), DIRECT_PING_INTERVAL_MS);
  }

  private tick(dc: RTCDataChannel): void {
    if (this.dc !== dc) return;
    if (this.o.now() - this.lastPacketAtMs > STALL_MS) return this.down("stall");
    try {
      dc.send(encodeDirectPing({ kind: "ping", t0Ms: this.o.now() }));
    } catch {
      this.down("error");
    }
  }

  private message(dc: RTCDataChannel, data: unknown): void {
    if (this.dc !== dc) return;
    const nowMs = this.o.now();
    this.lastPacketAtMs = nowMs;
    const ping = decodeDirectPing(data);
    if (!ping) {
      this.counts.packetsIn++;
      return this.o.onPacket(data);
    }
    if (ping.kind === "ping") {
      try {
        dc.send(encodeDirectPing({ kind: "pong", t0Ms: ping.t0Ms, t1Ms: nowMs }));
      } catch {
        this.down("error");
      }
      return;
    }
    const rttMs = nowMs - ping.t0Ms;
    if (rttMs < 0 || rttMs > 60_000) return; // not one of ours
    this.rtts.push(rttMs);
    if (this.rtts.length > RTT_WINDOW) this.rtts.shift();
    this.rttP99Ms = quantile(sortedAscending(this.rtts), 0.99);
    const sample = ping.t1Ms == null ? null : peerClockSample(ping.t0Ms, ping.t1Ms, nowMs);
    if (sample) this.peerClock.add(sample);
  }

  /** The partner's local clock − this page's, measured over the open channel (null: not yet). */
  get clockOffsetMs(): number | null {
    return this.st === "open" ? this.peerClock.offsetMs : null;
  }

  /**
   * The path's expected one-way transit before its hits are known (the playout's prior): half the
   * ping round trip's p99 — pings are handled by both pages' main threads, as hits are — once the
   * channel is open and has `minPings` round trips; else null. Read per partner hit: no sorting here.
   */
  priorMs(minPings: number): number | null {
    return this.st === "open" && this.rttP99Ms !== null && this.rtts.length >= minPings ? this.rttP99Ms / 2 : null;
  }

  // ---------- down and again ----------
  private down(reason: DownReason): void {
    if (this.st === "closed" || this.st === "waiting") return;
    const wasOpenMs = this.st === "open" ? this.o.now() - this.openedAtMs : 0;
    this.teardown();
    this.counts.downs++;
    this.lastDown = reason;
    if (wasOpenMs >= RETRY_RESET_AFTER_OPEN_MS) this.attempt = 0;
    if (this.offerer) {
      const baseMs = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.attempt);
      this.attempt++;
      const delayMs = baseMs * (0.5 + this.o.random()); // ±50% jitter
      this.retryAtMs = this.o.now() + delayMs;
      this.retryTimer = this.t.setTimeout(() => {
        this.retryTimer = null;
        this.retryAtMs = null;
        if (this.st === "waiting") this.connect();
      }, delayMs);
    }
    this.setState("waiting", reason);
  }

  private teardown(): void {
    for (const timer of [this.openTimer, this.candidateTimer]) if (timer !== null) this.t.clearTimeout(timer);
    if (this.pingTimer !== null) this.t.clearInterval(this.pingTimer);
    this.openTimer = this.candidateTimer = this.pingTimer = null;
    this.outCandidates = [];
    const { pc, dc } = this;
    this.pc = null;
    this.dc = null;
    if (dc) dc.onopen = dc.onclose = dc.onerror = dc.onmessage = null;
    try {
      dc?.close();
      pc?.close();
    } catch {
      /* already closed */
    }
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) this.t.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAtMs = null;
  }

  private setState(state: DirectState, reason: DownReason | null): void {
    if (this.st === state && reason === null) return;
    this.st = state;
    this.o.onStateChange(state, reason);
  }
}
