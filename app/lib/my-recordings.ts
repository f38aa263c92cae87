/**
 * "My recordings" (issue 14): the recordings this browser started or played in, across rooms,
 * kept in localStorage as the room pages see them (the server knows rooms, not browsers). The
 * list is refreshed from the server when shown (app/recordings/), so a rename or delete made
 * elsewhere shows; an owner token saved before this list existed (identity.ts) still counts.
 */
import type { RecordingView } from "../../core/protocol";

const INDEX_KEY = "backbeat:my-recordings";
const OWNER_PREFIX = "backbeat:rec-owner:";
/** newest kept: a browser's own sessions, not an archive (older ones stay reachable by link) */
export const MY_RECORDINGS_MAX = 200;

export interface MyRecording {
  id: string;
  roomCode: string;
  title: string;
  /** ISO time the recording was created */
  createdAt: string;
  startedAtMs: number;
  /** null: still running when last seen */
  endedAtMs: number | null;
  hitCount: number;
  players: string[];
}

/** A room's recording as this list keeps it. */
export function fromView(roomCode: string, r: RecordingView): MyRecording {
  return { id: r.id, roomCode, title: r.title, createdAt: r.createdAt, startedAtMs: r.startedAtMs, endedAtMs: r.endedAtMs, hitCount: r.hitCount, players: r.participants.map((p) => p.name) };
}

/**
 * Pure: `updates` replace entries with the same id (a rename, a stopped recording), the rest
 * are kept; newest first (by creation time), at most MY_RECORDINGS_MAX.
 */
export function mergeRecordings(list: readonly MyRecording[], updates: readonly MyRecording[]): MyRecording[] {
  const byId = new Map(list.map((r) => [r.id, r]));
  for (const u of updates) byId.set(u.id, u);
  return [...byId.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)).slice(0, MY_RECORDINGS_MAX);
}

function isMyRecording(v: unknown): v is MyRecording {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.id === "string" && typeof r.roomCode === "string" && typeof r.title === "string" && typeof r.createdAt === "string" && Array.isArray(r.players);
}

function readIndex(): MyRecording[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(INDEX_KEY) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter(isMyRecording) : [];
  } catch {
    return [];
  }
}

function writeIndex(list: MyRecording[]): void {
  try {
    localStorage.setItem(INDEX_KEY, JSON.stringify(list));
  } catch {
    /* private mode or full: the list is simply not kept */
  }
}

/** Ids of recordings this browser holds an owner token for (it pressed Start). */
export function ownedRecordingIds(): string[] {
  const ids: string[] = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key?.startsWith(OWNER_PREFIX)) ids.push(key.slice(OWNER_PREFIX.length));
    }
  } catch {
    /* none readable */
  }
  return ids;
}

/** What the page shows first: the kept list, and ids owned but never listed (summaries fetched for those). */
export function loadMyRecordings(): { list: MyRecording[]; unlisted: string[] } {
  const list = readIndex();
  const known = new Set(list.map((r) => r.id));
  return { list, unlisted: ownedRecordingIds().filter((id) => !known.has(id)) };
}

/**
 * A room page lists its recordings: keeps those this browser started (owner token) or played in
 * (this tab's participant id among the players). Writes only when something changed.
 */
export function rememberRecordings(roomCode: string, recordings: readonly RecordingView[], myParticipantId: string): void {
  const owned = new Set(ownedRecordingIds());
  const mine = recordings.filter((r) => owned.has(r.id) || r.participants.some((p) => p.id === myParticipantId)).map((r) => fromView(roomCode, r));
  if (mine.length === 0) return;
  const before = readIndex();
  const after = mergeRecordings(before, mine);
  if (JSON.stringify(after) !== JSON.stringify(before)) writeIndex(after);
}

/** Replaces (fresh from the server) or drops (deleted: null) one kept recording. */
export function updateMyRecording(id: string, fresh: MyRecording | null): void {
  const list = readIndex().filter((r) => r.id !== id);
  writeIndex(fresh ? mergeRecordings(list, [fresh]) : list);
}
