/**
 * The page's direct channels, one per partner player (issue 15, docs/direct-path.md): which
 * partners get one (Live mode, ≤ DIRECT_MAX_PLAYERS connected players, players only), the signals
 * in and out, each own hit's packet (core/direct-packet.ts DirectSendWindow) on every open
 * channel, and the hits that arrive on them. JamConnection owns it and puts the hits through
 * first-copy-wins with the relay's; the relay never stops.
 *
 * DOM-free: without a peer factory (Node, or a browser without WebRTC) it does nothing.
 */
import { decodeDirectPacket, DirectSendWindow } from "../../../core/direct-packet";
import { directPathRefusal } from "../../../core/direct-path";
import type { SentHit } from "../../../core/hit";
import type { DirectSignalMsg, IceServer, RelayedDirectSignal, RoomView } from "../../../core/protocol";
import { DirectChannel, type DirectChannelStats, type DirectState, type DownReason, type PeerFactory, type Timers } from "./direct-channel";

export interface DirectPathsOptions {
  selfId: string;
  createPeer: PeerFactory;
  /** through the room's socket; false when it could not go (not joined) */
  signal(msg: DirectSignalMsg): void;
  /** a hit packet from `from`, decoded: newest first (index > 0: a redundancy copy), with its sender's clock (DirectPacket) */
  onHits(from: string, hits: SentHit[], localMinusSharedMs: number | null): void;
  /** a partner's channel went down after being open: its hits now come over the relay */
  onDown(from: string, reason: DownReason): void;
  now(): number;
  random(): number;
  timers?: Timers;
}

export interface DirectPartnerStats extends DirectChannelStats {
  from: string;
  /** malformed packets dropped */
  refused: number;
}

/** pings (250 ms apart) a channel needs before its round trip stands for the path: ~1 s of them */
const MIN_PRIOR_PINGS = 4;

export class DirectPaths {
  private readonly channels = new Map<string, DirectChannel>();
  private readonly refused = new Map<string, number>();
  private readonly window = new DirectSendWindow();
  private iceServers: RTCIceServer[] = [];
  private joined = false;
  private room: RoomView | null = null;
  /** tests: refuse to signal (the direct path can then never connect) */
  private blocked = false;

  constructor(private readonly o: DirectPathsOptions) {}

  /** A join answer: its ICE servers, and signalling works again. */
  onJoined(iceServers: IceServer[] | undefined): void {
    this.iceServers = (iceServers ?? []).map((s) => ({ ...s }));
    this.joined = true;
    // channels from before (a rejoin) that are not open try again now; new ones start on their own
    const before = [...this.channels.values()];
    if (this.room) this.onRoom(this.room);
    for (const ch of before) ch.kick();
  }

  /** The socket dropped: signals cannot go, but open channels keep carrying hits. */
  onSocketDown(): void {
    this.joined = false;
  }

  /** The room changed: a channel for every partner who should have one, none for the rest. */
  onRoom(room: RoomView): void {
    this.room = room;
    const want = this.partnersIn(room);
    for (const [id, ch] of this.channels) {
      if (want.has(id)) continue;
      ch.close();
      this.channels.delete(id);
    }
    if (!this.joined) return; // channels start once signalling works
    for (const id of want) if (!this.channels.has(id)) this.open(id);
  }

  onSignal(msg: RelayedDirectSignal): void {
    if (this.blocked) return;
    let ch = this.channels.get(msg.from);
    if (!ch) {
      // an offer from a partner whose channel was torn down (or not yet made)
      if (!this.room || !this.joined || msg.description?.type !== "offer" || !this.partnersIn(this.room).has(msg.from)) return;
      ch = this.open(msg.from);
    }
    ch.onSignal(msg);
  }

  /** One own hit: its packet (with the last few as repeats, and this page's clock: DirectPacket) on every open channel. */
  sendHit(hit: SentHit, localMinusSharedMs: number | null = null): void {
    if (this.channels.size === 0) return;
    let packet: Uint8Array<ArrayBuffer> | null = null;
    for (const ch of this.channels.values()) {
      if (!ch.isOpen) continue;
      packet ??= this.window.packetFor(hit, localMinusSharedMs);
      ch.send(packet);
    }
    // the window must hold every hit, sent or not, so repeats are the real last hits
    if (packet === null) this.window.hitsFor(hit);
  }

  stateOf(from: string): DirectState | null {
    return this.channels.get(from)?.state ?? null;
  }

  /** `from`'s local clock − this page's, over their open channel (DirectChannel.clockOffsetMs). */
  clockOffsetMs(from: string): number | null {
    return this.channels.get(from)?.clockOffsetMs ?? null;
  }

  /** The direct path's prior for `from` (DirectChannel.priorMs); null: no open channel, or too few pings. */
  priorMs(from: string): number | null {
    return this.channels.get(from)?.priorMs(MIN_PRIOR_PINGS) ?? null;
  }

  stats(): DirectPartnerStats[] {
    return [...this.channels.entries()].map(([from, ch]) => ({ from, ...ch.stats(), refused: this.refused.get(from) ?? 0 }));
  }

  /** Tests: tear down every open channel as a failure would (they retry with back-off). */
  breakAll(): void {
    for (const ch of this.channels.values()) ch.breakNow();
  }

  /** Tests: no signalling from now on (and no channel): the direct path cannot connect. */
  block(): void {
    this.blocked = true;
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
  }

  close(): void {
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
  }

  /** The partners who get a channel in this room view: every other connected player, when the rule allows. */
  private partnersIn(room: RoomView): Set<string> {
    const me = room.members.find((m) => m.id === this.o.selfId);
    const players = room.members.filter((m) => m.role === "player" && m.connected);
    const eligible = me?.role === "player" && !this.blocked && directPathRefusal({ mode: room.mode, connectedPlayers: players.length }) === null;
    return new Set(eligible ? players.filter((m) => m.id !== this.o.selfId).map((m) => m.id) : []);
  }

  private open(partnerId: string): DirectChannel {
    const ch = new DirectChannel({
      selfId: this.o.selfId,
      partnerId,
      iceServers: this.iceServers,
      createPeer: this.o.createPeer,
      signal: (msg) => {
        if (this.joined && !this.blocked) this.o.signal(msg);
      },
      onPacket: (data) => {
        const res = decodeDirectPacket(data);
        if (res.ok) this.o.onHits(partnerId, res.packet.hits, res.packet.localMinusSharedMs);
        else this.refused.set(partnerId, (this.refused.get(partnerId) ?? 0) + 1);
      },
      onStateChange: (state, reason) => {
        if (state === "waiting" && reason !== null) this.o.onDown(partnerId, reason);
      },
      now: this.o.now,
      random: this.o.random,
      timers: this.o.timers,
    });
    this.channels.set(partnerId, ch);
    ch.start();
    return ch;
  }
}
