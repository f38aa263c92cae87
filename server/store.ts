/**
 * The storage contract the room logic and HTTP API depend on. Only
 * `server/storage/*` imports Prisma; everything else sees this interface.
 * Times are milliseconds on the shared (server) clock.
 */
import type { Hit } from "../core/hit";
import type { TimelineEntry } from "../core/timeline";
import type { HitColumnBatch } from "./hit-columns";

export type { TimelineEntry };

export type RoomMode = "live" | "groove";

export interface RoomRecord {
  code: string;
  createdAt: Date;
  tempoBpm: number;
  beatsPerBar: number;
  beatUnit: number;
  groove: string;
  mode: RoomMode;
  /** sha256 (hex) of the host token; null when the room has no host */
  hostTokenHash: string | null;
  /** private rooms: the passcode's salted scrypt hash (server/passcode.ts); null = open to anyone with the link */
  passcodeHash: string | null;
  /** the rest of the live state as its owner last saved it (JSON owned by the room modules); null: never saved */
  stateJson: string | null;
  /** fencing token of the process that last claimed the room (server/ownership.ts); 0: never claimed */
  fence: number;
}

/** What the room's owner saves whenever the room really changes (fenced: see Store.saveRoomState). */
export interface RoomStateRecord {
  tempoBpm: number;
  beatsPerBar: number;
  beatUnit: number;
  groove: string;
  mode: RoomMode;
  stateJson: string;
}

export interface ParticipantRecord {
  id: string;
  roomCode: string;
  name: string;
  color: string;
}

export interface RecordingSummary {
  id: string;
  roomCode: string;
  title: string;
  createdAt: Date;
  startedAtMs: number;
  /** where bar 1 begins when the recording starts with a count-in bar; null = at startedAtMs */
  barOneAtMs: number | null;
  /** null while the recording is still running */
  endedAtMs: number | null;
  tempoBpm: number;
  beatsPerBar: number;
  beatUnit: number;
  hitCount: number;
  participants: { id: string; name: string; color: string }[];
}

/** One hit to store, with its recording (a row of the Hit table). */
export interface HitRow {
  recordingId: string;
  hit: Hit;
}

export interface StoredHearing {
  listenerId: string;
  senderId: string;
  seq: number;
  soundedAtMs: number;
  late: boolean;
  skipped: boolean;
}

export interface RecordingWithHits extends RecordingSummary {
  /** ordered by strikeAtMs, then participantId, then seq (core/hit.ts compareHits) */
  hits: Hit[];
  /** ordered by listenerId, soundedAtMs */
  hearings: StoredHearing[];
  /** battles fought during the recording, as stored by appendRecordingBattle */
  battles: unknown[];
  /**
   * The recording's grid over time (core/timeline.ts), ordered by epochMs: the room's grid
   * when it started, then every change. Empty for recordings made before timelines were stored.
   */
  timeline: TimelineEntry[];
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  /** Creates the room; returns false when the code is already taken. */
  createRoom(room: { code: string; tempoBpm: number; beatsPerBar: number; hostTokenHash?: string | null; passcodeHash?: string | null }): Promise<boolean>;
  getRoom(code: string): Promise<RoomRecord | null>;
  /**
   * Makes the caller the room's one writer: increments the room's fencing token and returns it
   * (null: no such room). Writes with an older token are refused from then on.
   */
  claimRoom(code: string): Promise<number | null>;
  /** Saves the owner's state if `fence` is still the room's token; false: another process claimed the room since (stop owning it). */
  saveRoomState(code: string, state: RoomStateRecord, fence: number): Promise<boolean>;
  /** Insert or update (name/colour may change on re-join). */
  upsertParticipant(p: ParticipantRecord): Promise<void>;
  createRecording(rec: {
    id: string;
    roomCode: string;
    title: string;
    startedAtMs: number;
    /** after a count-in bar: where bar 1 begins */
    barOneAtMs?: number | null;
    tempoBpm: number;
    beatsPerBar: number;
    participantIds: string[];
    ownerTokenHash?: string | null;
    beatUnit?: number;
    /** the grid(s) in force when it starts: stored with it, in the same transaction */
    timeline?: TimelineEntry[];
  }): Promise<void>;
  /**
   * A grid change during the recording: stored with the time it takes effect. Entries at or
   * after that time are removed first (they were pending changes this one replaces).
   */
  addTimelineEntry(recordingId: string, entry: TimelineEntry): Promise<void>;
  /** The recording's timeline, ordered by epochMs (empty: none stored). */
  getTimeline(recordingId: string): Promise<TimelineEntry[]>;
  /** Appends a battle (config + result, JSON-serialisable) to the recording. */
  appendRecordingBattle(recordingId: string, battle: unknown): Promise<void>;
  addRecordingParticipant(recordingId: string, participantId: string): Promise<void>;
  finishRecording(id: string, endedAtMs: number): Promise<void>;
  /**
   * Stores hits in one batch. A hit whose (recordingId, participantId, seq)
   * is already stored is ignored, not an error. Returns how many were new.
   */
  addHits(recordingId: string, hits: Hit[]): Promise<number>;
  /** addHits for several recordings at once, in one transaction (one statement when small). */
  addHitBatches(batches: { recordingId: string; hits: Hit[] }[]): Promise<number>;
  /** addHitBatches for hits kept as columns (server/hit-columns.ts): the relay's queue, written as it is. */
  addHitColumns(batch: HitColumnBatch): Promise<number>;
  /** Like addHits for listeners' reports; duplicates of (recording, listener, sender, seq) are ignored. */
  addHearings(recordingId: string, hearings: StoredHearing[]): Promise<number>;
  listRecordings(roomCode: string): Promise<RecordingSummary[]>;
  /** recordings of the room still running (endedAtMs null): restored after a server restart */
  listOpenRecordings(roomCode: string): Promise<RecordingSummary[]>;
  getRecordingOwnerHash(id: string): Promise<string | null | undefined>;
  renameRecording(id: string, title: string): Promise<boolean>;
  deleteRecording(id: string): Promise<boolean>;
  getRecording(id: string): Promise<RecordingWithHits | null>;
  /** The recording without its hits or hearings (link previews): a count and two small queries. */
  getRecordingSummary(id: string): Promise<RecordingSummary | null>;
  /** What renaming or deleting needs (who may, and which room lists it), without the hits; null when unknown. */
  getRecordingOwner(id: string): Promise<{ roomCode: string; ownerTokenHash: string | null } | null>;
  /** For /api/health: resolves when a trivial query succeeds, rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
