/** The connection's options, snapshot and counters (jam-connection.ts). */
import type { ManagerOptions, Socket, SocketOptions } from "socket.io-client";
import type { Reaction } from "../../../core/battle";
import type { HitPath } from "../../../core/first-copy";
import type { AdaptiveDecision, LateTargetId } from "../../../core/playout";
import type { ClientToServerEvents, ErrorMsg, RelayedHit, RoomView, ServerToClientEvents } from "../../../core/protocol";
import type { KeyValueStorage } from "../outbox";
import type { PeerFactory } from "./direct-channel";
import type { BackoffOptions, ConnStatus } from "./status";

export type JamSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type SocketFactory = (url: string, opts: Partial<ManagerOptions & SocketOptions>) => JamSocket;

export interface AudioLead {
  /** the lead the playout plans with (app/lib/session.ts leads()) */
  planMs: number;
  /** the deadline in force at this instant (what judges "late") */
  nowMs: number;
}

export interface JamConnectionOptions {
  /** Socket.IO URL ("" = this page's origin) */
  url: string;
  roomCode: string;
  participantId: string;
  name: string;
  /** proves the room's creator is the host */
  hostToken?: string;
  role?: "player" | "spectator";
  /** this tab's secret for its seat (app/lib/identity.ts) */
  seatKey?: string;
  /** a private room's passcode */
  passcode?: string;
  /** quick ↔ safe for partners' hits */
  lateTarget?: LateTargetId;
  /** where the outboxes are kept across reloads (localStorage; a Map in Node; null: memory only) */
  storage: KeyValueStorage | null;
  /** local monotonic clock in ms (performance.now() in the browser); clock sync maps it to the shared clock */
  now: () => number;
  /** [0, 1) for jitter; Math.random by default */
  random?: () => number;
  backoff?: BackoffOptions;
  /** the audio side's lead (app/lib/session.ts); none in Node: hits are "heard" on arrival */
  audioLead?: () => AudioLead;
  createSocket?: SocketFactory;
  /** the direct path's peers (issue 15): the browser's RTCPeerConnection by default; null: relay only */
  createPeer?: PeerFactory | null;
}

export interface ConnectionSnapshot {
  status: ConnStatus;
  room: RoomView | null;
  /** the latest error to show (a refusal, a failed join, an error event); cleared by a join */
  error: ErrorMsg | null;
  rttMs: number | null;
  offsetMs: number | null;
  /** the latest reaction, for the floating emoji */
  lastReaction: { from: string; emoji: Reaction; key: number } | null;
}

/** What happened on this connection, for diagnostics, tests and benchmarks. */
export interface ConnectionStats {
  /** successful joins (1 + rejoins) */
  joins: number;
  /** hits sent as struck */
  sentLive: number;
  /** hits struck while not joined: kept for the next join */
  heldBack: number;
  /** hits re-sent after a join */
  resent: number;
  /** own hits acknowledged stored */
  acked: number;
  /** partners' hits relayed to this page */
  relayedIn: number;
  /** copies of partners' hits that came over direct channels (redundancy copies included) */
  directIn: number;
  /** copies not played: the other path (or an earlier packet) brought the hit first */
  duplicates: number;
}

/**
 * `path`: the path the played (first) copy came by; `timedStrikeAtMs`: the strike the playout
 * timed it by (the stamp, or a direct copy's sender's own clock: JamConnection.timedStrike).
 */
export type RemoteHitListener = (hit: RelayedHit, decision: AdaptiveDecision, receivedAtMs: number, path: HitPath, timedStrikeAtMs: number) => void;
