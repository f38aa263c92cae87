/**
 * The two paths a partner's hit may take to this page (issue 15, docs/direct-path.md): the relay
 * (Socket.IO, always) and the direct channels (direct-paths.ts, when WebRTC is here and the room
 * allows). JamConnection hands every copy from either path to `judge`; only the first copy of
 * each (sender, seq) goes on to the playout (core/first-copy.ts). It also keeps the figures the
 * latency panel and window.__backbeat show per partner.
 *
 * The direct path's code (~4 kB gzipped) is its own chunk, fetched while the socket connects: the
 * room page's first load does not wait for it. Whatever it missed meanwhile — the join answer, the
 * room view, early signals — is handed to it on arrival.
 */
import { FirstCopyFilter, type HitPath, type SenderPaths } from "../../../core/first-copy";
import type { SentHit } from "../../../core/hit";
import { LIMITS } from "../../../core/limits";
import type { DirectSignalMsg, IceServer, RelayedDirectSignal, RelayedHit, RoomView } from "../../../core/protocol";
import type { PeerFactory } from "./direct-channel";
import type { DirectPartnerStats, DirectPaths } from "./direct-paths";

/** What this page knows of one partner's two paths. */
export interface PartnerPaths extends SenderPaths {
  from: string;
  /** first copies (the ones played) per path, all time */
  firsts: Record<HitPath, number>;
  /** the direct channel (null: none — not eligible, no WebRTC, or its code not loaded yet) */
  channel: DirectPartnerStats | null;
}

export interface HitPathsOptions {
  selfId: string;
  /** null: no WebRTC here (Node, or a browser without it): the relay alone */
  createPeer: PeerFactory | null;
  signal(msg: DirectSignalMsg): void;
  /** a hit from a direct channel (index > 0 in its packet: `repeat`), with its sender's local − shared clock (null: not given) */
  onDirectHit(hit: RelayedHit, repeat: boolean, localMinusSharedMs: number | null): void;
  /** the direct path that was in use for `from` went down: the relay's copies are now the first */
  onPathChanged(from: string): void;
  now(): number;
  random(): number;
}

/** The copies a partner's hit may not be played from. */
export type CopyOutcome = "first" | "duplicate" | "refused";

/** The browser's RTCPeerConnection, or null where there is none (Node). */
export function defaultPeerFactory(): PeerFactory | null {
  const Peer = (globalThis as { RTCPeerConnection?: typeof RTCPeerConnection }).RTCPeerConnection;
  return typeof Peer === "function" ? (config) => new Peer(config) : null;
}

export class HitPaths {
  private readonly firstCopy = new FirstCopyFilter();
  private readonly firsts = new Map<string, Record<HitPath, number>>();
  private paths: DirectPaths | null = null;
  /** signals that came while the direct path's code was loading */
  private earlySignals: RelayedDirectSignal[] = [];
  private iceServers: IceServer[] | undefined;
  private joined = false;
  private room: RoomView | null = null;
  private closed = false;

  constructor(private readonly o: HitPathsOptions) {
    if (o.createPeer) this.load(o.createPeer);
  }

  /** the direct channels (null: no WebRTC here, or their code not loaded yet) */
  get direct(): DirectPaths | null {
    return this.paths;
  }

  /**
   * One copy of a partner's hit, arrived at `arrivalAtMs` (shared clock): "first" means play it.
   * A direct copy struck further than strikeSkewMaxMs from now is refused, as the server refuses
   * such a hit: a peer's copy has had no server check.
   */
  judge(hit: RelayedHit, path: HitPath, repeat: boolean, arrivalAtMs: number): CopyOutcome {
    if (path === "direct" && Math.abs(arrivalAtMs - hit.strikeAtMs) > LIMITS.strikeSkewMaxMs) return "refused";
    const v = this.firstCopy.onCopy({ from: hit.from, seq: hit.seq, strikeAtMs: hit.strikeAtMs, path, arrivalAtMs, repeat });
    if (v.kind !== "first") return "duplicate";
    let f = this.firsts.get(hit.from);
    if (!f) this.firsts.set(hit.from, (f = { direct: 0, relay: 0 }));
    f[path]++;
    return "first";
  }

  /** Per partner: the path in use, each path's one-way delay and copies, the channel (latency panel, window.__backbeat). */
  stats(): PartnerPaths[] {
    const channels = new Map((this.paths?.stats() ?? []).map((c) => [c.from, c]));
    const ids = new Set([...channels.keys(), ...this.firsts.keys()]);
    return [...ids].map((from) => ({ from, ...this.firstCopy.paths(from), firsts: { ...(this.firsts.get(from) ?? { direct: 0, relay: 0 }) }, channel: channels.get(from) ?? null }));
  }

  /** `from`'s local clock − this page's, over the direct channel (null: no open, measured channel). */
  directClockOffsetMs(from: string): number | null {
    return this.paths?.clockOffsetMs(from) ?? null;
  }

  /** The direct channel's prior for `from` (DirectPaths.priorMs), null without an open, measured channel. */
  directPriorMs(from: string): number | null {
    return this.paths?.priorMs(from) ?? null;
  }

  // ---------- what the connection tells it ----------
  onSignal(msg: RelayedDirectSignal): void {
    if (this.paths) this.paths.onSignal(msg);
    else if (this.o.createPeer && this.earlySignals.length < 32) this.earlySignals.push(msg);
  }
  onJoined(iceServers: IceServer[] | undefined): void {
    this.iceServers = iceServers;
    this.joined = true;
    this.paths?.onJoined(iceServers);
  }
  onSocketDown(): void {
    this.joined = false;
    this.paths?.onSocketDown();
  }
  onRoom(room: RoomView): void {
    this.room = room;
    this.paths?.onRoom(room);
  }
  /** One own hit, on every open direct channel (the relay's copy is the connection's business). */
  sendHit(hit: SentHit, localMinusSharedMs: number | null = null): void {
    this.paths?.sendHit(hit, localMinusSharedMs);
  }
  close(): void {
    this.closed = true;
    this.paths?.close();
  }

  private load(createPeer: PeerFactory): void {
    void import("./direct-paths").then(
      ({ DirectPaths }) => {
        if (this.closed) return;
        const paths = new DirectPaths({
          selfId: this.o.selfId,
          createPeer,
          signal: (msg) => this.o.signal(msg),
          onHits: (from, hits, clock) => hits.forEach((h, i) => this.o.onDirectHit({ ...h, from }, i > 0, clock)),
          onDown: (from) => {
            if (this.firstCopy.paths(from).inUse === "direct") this.o.onPathChanged(from);
          },
          now: this.o.now,
          random: this.o.random,
        });
        this.paths = paths;
        if (this.room) paths.onRoom(this.room);
        if (this.joined) paths.onJoined(this.iceServers);
        for (const msg of this.earlySignals.splice(0)) paths.onSignal(msg);
      },
      () => undefined, // no chunk (offline mid-load): the relay alone, as without WebRTC
    );
  }
}
