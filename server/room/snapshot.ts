/**
 * What a room's owner persists (`Room.stateJson` + the tempo/mode columns, through
 * Store.saveRoomState) and how a room is rebuilt from it when a process loads it — after an idle
 * eviction, a restart, or a handover from another owner. Pure: no clock, no store.
 *
 * Kept: the beat epoch and the grid before a pending change (so beats do not move), the kick
 * bans, a battle (config, votes, who voted, result; not its hits — a battle interrupted by a
 * move is scored on the hits struck after it), and the members' identity (id, name, colour,
 * role, host, seat-key hash: colours and seats survive a restart), the room's name, its co-host and
 * whether the creator's host token was retired by a handover. Not kept: connections and
 * telemetry (members come back greyed and report again), the recording (its truth is the
 * database's open recording; only who started it is kept here).
 */
import { z } from "zod";
import { GROOVE_IDS, type GrooveId } from "../../core/grooves";
import type { PlayMode, RecordingView } from "../../core/protocol";
import type { RecordingSummary, RoomRecord, RoomStateRecord, TimelineEntry } from "../store";
import { newMember, type Room } from "./room";

const gridSchema = z.object({ epochMs: z.number(), tempoBpm: z.number(), beatsPerBar: z.number(), beatUnit: z.number(), groove: z.string() });
const snapshotSchema = z.object({
  v: z.literal(1),
  epochMs: z.number(),
  previousGrid: gridSchema.nullable(),
  kicked: z.array(z.tuple([z.string(), z.number()])),
  battle: z
    .object({
      // core/battle.ts's shapes, written by this module only
      config: z.custom<NonNullable<Room["battle"]>["config"]>((v) => typeof v === "object" && v !== null),
      votes: z.record(z.string(), z.number()),
      result: z.custom<NonNullable<Room["battle"]>["result"]>(() => true),
      voted: z.array(z.string()),
    })
    .nullable(),
  members: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      color: z.string(),
      role: z.enum(["player", "spectator"]),
      isHost: z.boolean(),
      seatKeyHash: z.string().nullable(),
    }),
  ),
  /** the running recording's id and who started it (the database knows it is open) */
  /** barOneAtMs: the count-in's end (missing in rooms saved before it existed) */
  recording: z.object({ id: z.string(), startedBy: z.string(), barOneAtMs: z.number().finite().optional() }).nullable(),
  // issue 14 (optional: rooms saved before them load as they were)
  name: z.string().nullable().optional(),
  coHostId: z.string().nullable().optional(),
  /** the host role was handed on: the creator's token makes nobody host any more (server/room/host.ts) */
  hostTokenRetired: z.boolean().optional(),
});
export type RoomSnapshot = z.infer<typeof snapshotSchema>;

export function snapshotOf(room: Room): RoomSnapshot {
  const b = room.battle;
  return {
    v: 1,
    epochMs: room.epochMs,
    previousGrid: room.previousGrid,
    kicked: [...room.kicked.entries()],
    battle: b ? { config: b.config, votes: b.votes, result: b.result, voted: [...b.voted] } : null,
    members: [...room.members.values()].map((m) => ({ id: m.id, name: m.name, color: m.color, role: m.role, isHost: m.isHost, seatKeyHash: m.seatKeyHash })),
    recording: room.recording ? { id: room.recording.id, startedBy: room.recording.startedBy, barOneAtMs: room.recording.barOneAtMs } : null,
    name: room.name,
    coHostId: room.coHostId,
    hostTokenRetired: room.hostTokenHash === null,
  };
}

/** The record Store.saveRoomState writes; two equal records need no second write. */
export function stateRecordOf(room: Room): RoomStateRecord {
  return {
    tempoBpm: room.tempoBpm,
    beatsPerBar: room.beatsPerBar,
    beatUnit: room.beatUnit,
    groove: room.groove,
    mode: room.mode,
    stateJson: JSON.stringify(snapshotOf(room)),
  };
}

export function sameStateRecord(a: RoomStateRecord | null, b: RoomStateRecord): boolean {
  return (
    a !== null &&
    a.tempoBpm === b.tempoBpm &&
    a.beatsPerBar === b.beatsPerBar &&
    a.beatUnit === b.beatUnit &&
    a.groove === b.groove &&
    a.mode === b.mode &&
    a.stateJson === b.stateJson
  );
}

/** The stored snapshot, or null when there is none or it is not one this code wrote (then the room starts fresh). */
export function parseSnapshot(json: string | null): RoomSnapshot | null {
  if (!json) return null;
  try {
    const parsed = snapshotSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The name the host gave the room, as its owner last saved it (null: none, or no readable state). */
export function roomNameOf(stateJson: string | null): string | null {
  return parseSnapshot(stateJson)?.name ?? null;
}

const asGroove = (g: string | undefined): GrooveId => GROOVE_IDS.find((x) => x === g) ?? "none";

export interface RestoreInput {
  stored: RoomRecord;
  recordings: RecordingView[];
  /** a recording still open in the database (running when its last owner stopped), with its timeline */
  open: { recording: RecordingSummary; timeline: TimelineEntry[] } | null;
  nowMs: number;
}

/** Rebuilds a room as its last owner left it; every member greyed until they rejoin. */
export function restoreRoom({ stored, recordings, open, nowMs }: RestoreInput): Room {
  const snap = parseSnapshot(stored.stateJson);
  // A running recording's grid wins: its timeline is written with every change, so a fresh epoch
  // (or a snapshot one save behind) would move every beat of the rest of the recording.
  const grid = open?.timeline.at(-1);
  const epochMs = grid?.epochMs ?? snap?.epochMs ?? nowMs;
  const previousGrid = grid ? (grid.epochMs > nowMs ? (open!.timeline.at(-2) ?? null) : null) : (snap?.previousGrid ?? null);
  const room: Room = {
    code: stored.code,
    tempoBpm: grid?.tempoBpm ?? stored.tempoBpm,
    beatsPerBar: grid?.beatsPerBar ?? stored.beatsPerBar,
    beatUnit: (grid?.beatUnit ?? stored.beatUnit) === 8 ? 8 : 4,
    groove: asGroove(grid?.groove ?? stored.groove),
    epochMs,
    previousGrid: previousGrid && previousGrid.epochMs < epochMs && epochMs > nowMs ? previousGrid : null,
    mode: stored.mode as PlayMode,
    battle: snap?.battle ? { ...snap.battle, voted: new Set(snap.battle.voted), hits: new Map(), timer: null } : null,
    kicked: new Map(snap?.kicked ?? []),
    hostTokenHash: snap?.hostTokenRetired ? null : stored.hostTokenHash,
    passcodeHash: stored.passcodeHash,
    members: new Map(),
    recording: null,
    closing: new Map(),
    recordings,
    idleSinceMs: nowMs,
    joinsInFlight: 0,
    name: snap?.name ?? null,
    coHostId: null,
    hostAwaySinceMs: null,
    hostTimer: null,
  };
  for (const m of snap?.members ?? []) room.members.set(m.id, newMember(m));
  if (snap?.coHostId && room.members.has(snap.coHostId)) room.coHostId = snap.coHostId;
  if (open) {
    const mine = snap?.recording?.id === open.recording.id ? snap.recording : null;
    const startedAtMs = open.recording.startedAtMs;
    room.recording = { id: open.recording.id, startedAtMs, barOneAtMs: mine?.barOneAtMs ?? open.recording.barOneAtMs ?? startedAtMs, startedBy: mine?.startedBy ?? "", endedAtMs: null };
  }
  return room;
}
