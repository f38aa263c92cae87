/**
 * A room's live state, held by its one owner process (server/ownership.ts), and the view of it
 * every client is sent (`room:state`, the join ack). The modules beside this file change it; only
 * service.ts creates and drops rooms.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { GrooveId } from "../../core/grooves";
import type { SentHit } from "../../core/hit";
import type { BattleView, LegReport, ListeningReport, MemberQuality, MemberView, PlayMode, RecordingView, RoomView } from "../../core/protocol";
import type { RecordingSummary, TimelineEntry } from "../store";
import type { TimerHandle } from "./clock";
import type { Connection } from "./connection";

export const MEMBER_COLORS = ["#f97316", "#22d3ee", "#a3e635", "#f472b6", "#facc15", "#818cf8", "#34d399", "#fb7185"];
/** players who can play at once; spectators have their own, larger limit */
export const ROOM_CAPACITY = 8;
export const SPECTATOR_CAPACITY = 32;
/** members remembered per room, connected or not (reconnects keep name and colour) */
export const MAX_MEMBERS = 64;
/** recordings listed in a room's state */
const MAX_LISTED_RECORDINGS = 50;

export interface Member {
  id: string;
  name: string;
  color: string;
  isHost: boolean;
  role: "player" | "spectator";
  /** sha256 of the seat key the member first joined with (null: none given) */
  seatKeyHash: string | null;
  /** the member's connection; null: greyed (gone, may come back) */
  conn: Connection | null;
  // telemetry (telemetry.ts): the latest figures, carried by every view
  rttMs: number | null;
  clockErrorMs: number | null;
  listening: ListeningReport[];
  legs: LegReport | null;
  /** shared-clock ms the last `member:quality` for this member went out */
  qualitySentAtMs: number;
  /** a coalesced `member:quality` waiting for its interval */
  qualityTimer: TimerHandle | null;
}

export interface BattleState extends BattleView {
  /** who already voted in which turn: `${turn}:${memberId}` */
  voted: Set<string>;
  /** each player's hits in their own turns, scored at the end */
  hits: Map<string, SentHit[]>;
  timer: TimerHandle | null;
}

export interface ActiveRecording {
  id: string;
  /** where the recording (and its count-in bar, if any) begins */
  startedAtMs: number;
  /** bar 1, after the count-in bar; startedAtMs without a count-in */
  barOneAtMs: number;
  startedBy: string;
  /** set when stopped; hits struck before it are still accepted during the grace period */
  endedAtMs: number | null;
}

export interface Room {
  code: string;
  tempoBpm: number;
  beatsPerBar: number;
  beatUnit: number;
  groove: GrooveId;
  /** shared-clock ms of a bar line of the current grid */
  epochMs: number;
  /** the grid before the last tempo change: still sounding until epochMs when that change is pending */
  previousGrid: TimelineEntry | null;
  mode: PlayMode;
  battle: BattleState | null;
  /** participant id → shared-clock ms they were removed (banned for KICK_BAN_MS) */
  kicked: Map<string, number>;
  hostTokenHash: string | null;
  /** private rooms: salted scrypt hash of the passcode (server/passcode.ts) */
  passcodeHash: string | null;
  members: Map<string, Member>;
  recording: ActiveRecording | null;
  /** recordings stopped within the grace period, by id */
  closing: Map<string, ActiveRecording>;
  recordings: RecordingView[];
  /** since when nobody has been connected (null: someone is) */
  idleSinceMs: number | null;
  /** joins awaiting something: the room is not evicted meanwhile */
  joinsInFlight: number;
  /** the name the host gave the room (null: none, shown as "Room <code>") */
  name: string | null;
  /** the member the host named co-host: the host's powers, but cannot pass them on (host.ts) */
  coHostId: string | null;
  /** since when the host has been disconnected (host.ts hands the role on after HOST_GRACE_MS) */
  hostAwaySinceMs: number | null;
  hostTimer: TimerHandle | null;
}

/** The room's grid as a recording's timeline stores it (core/timeline.ts). */
export function gridEntry(room: Pick<Room, "epochMs" | "tempoBpm" | "beatsPerBar" | "beatUnit" | "groove">): TimelineEntry {
  return { epochMs: room.epochMs, tempoBpm: room.tempoBpm, beatsPerBar: room.beatsPerBar, beatUnit: room.beatUnit, groove: room.groove };
}

export function newMember(fields: Pick<Member, "id" | "name" | "color" | "role" | "isHost" | "seatKeyHash">): Member {
  return { ...fields, conn: null, rttMs: null, clockErrorMs: null, listening: [], legs: null, qualitySentAtMs: Number.NEGATIVE_INFINITY, qualityTimer: null };
}

export function isConnected(m: Member): boolean {
  return m.conn !== null;
}

export function memberView(m: Member, coHostId: string | null = null): MemberView {
  return {
    id: m.id,
    name: m.name,
    color: m.color,
    rttMs: m.rttMs,
    clockErrorMs: m.clockErrorMs,
    connected: m.conn !== null,
    isHost: m.isHost,
    isCoHost: m.id === coHostId,
    role: m.role,
    listening: m.listening,
    legs: m.legs,
  };
}

export function memberQuality(m: Member): MemberQuality {
  return { id: m.id, rttMs: m.rttMs, clockErrorMs: m.clockErrorMs, listening: m.listening, legs: m.legs };
}

export function roomView(room: Room): RoomView {
  const r = room.recording;
  return {
    code: room.code,
    tempoBpm: room.tempoBpm,
    beatsPerBar: room.beatsPerBar,
    epochMs: room.epochMs,
    beatUnit: room.beatUnit,
    groove: room.groove,
    battle: room.battle ? { config: room.battle.config, votes: room.battle.votes, result: room.battle.result } : null,
    mode: room.mode,
    recording: r ? { id: r.id, startedAtMs: r.startedAtMs, barOneAtMs: r.barOneAtMs, startedBy: r.startedBy } : null,
    members: [...room.members.values()].map((m) => memberView(m, room.coHostId)),
    recordings: room.recordings.slice(0, MAX_LISTED_RECORDINGS),
    private: room.passcodeHash !== null,
    name: room.name,
  };
}

export function toRecordingView(r: RecordingSummary): RecordingView {
  return {
    id: r.id,
    title: r.title,
    createdAt: r.createdAt.toISOString(),
    startedAtMs: r.startedAtMs,
    endedAtMs: r.endedAtMs,
    hitCount: r.hitCount,
    participants: r.participants,
  };
}

/** 128 random bits: replay links and battle ids are unguessable. */
export function newRecordingId(): string {
  return randomBytes(16).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function tokenMatches(token: string | undefined, hash: string | null): boolean {
  if (!token || !hash) return false;
  const a = Buffer.from(hashToken(token), "hex");
  const b = Buffer.from(hash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
