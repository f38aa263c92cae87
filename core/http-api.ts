/**
 * The HTTP API's bodies, shared by the server (server/http.ts) and the pages: creating a room,
 * a recording as JSON (GET /api/recordings/<id>, the replay page, the JSON download) and its
 * hit-less summary, renaming a recording. The socket protocol is core/protocol.ts.
 */
import { z } from "zod";
import type { BattleConfig, BattleResult } from "./battle";
import type { Hit } from "./hit";
import { LIMITS } from "./limits";
import { tempoSchema } from "./protocol";
import type { TimelineEntry } from "./timeline";

/** Surrounding spaces are dropped, as when joining (joinSchema.passcode). */
export const passcodeSchema = z
  .string()
  .trim()
  .min(LIMITS.passcodeMinChars, `at least ${LIMITS.passcodeMinChars} characters`)
  .max(LIMITS.passcodeMaxChars, `at most ${LIMITS.passcodeMaxChars} characters`);
export const createRoomRequestSchema = z.object({
  tempoBpm: tempoSchema.shape.tempoBpm.optional(),
  beatsPerBar: tempoSchema.shape.beatsPerBar.optional(),
  /** makes the room private: joining then needs this passcode (only its hash is stored) */
  passcode: passcodeSchema.optional(),
});

export interface RecordingJson {
  id: string;
  roomCode: string;
  title: string;
  createdAt: string;
  startedAtMs: number;
  /** after a count-in bar the recording starts with: where bar 1 begins (null or missing, as in files exported before it existed: at startedAtMs) */
  barOneAtMs?: number | null;
  endedAtMs: number | null;
  tempoBpm: number;
  beatsPerBar: number;
  beatUnit: number;
  participants: { id: string; name: string; color: string }[];
  /** battles fought during the recording */
  battles: { config: BattleConfig; result: BattleResult; votes: Record<string, number> }[];
  /** ordered by strikeAtMs, then participantId, then seq (core/hit.ts compareHits) */
  hits: Hit[];
  /**
   * For every listener, when each other player's hit actually sounded on their
   * machine (shared clock), ordered by listenerId then soundedAtMs. A hit with no
   * hearing from a listener was not reported by them (e.g. they had left).
   */
  hearings: { listenerId: string; senderId: string; seq: number; soundedAtMs: number; late: boolean; skipped: boolean }[];
  /**
   * The recording's grid over time (core/timeline.ts), ordered by epochMs: the room's beat
   * epoch, tempo, meter and groove when it started, then every change with the shared time it
   * took effect. Empty (missing in files exported before it existed) for recordings made
   * before timelines were stored: their grid is fitted to the hits.
   */
  timeline?: TimelineEntry[];
}

/**
 * `GET /api/recordings/<id>?summary=1`: the recording without its hits, hearings,
 * battles or timeline, with how many hits it holds (link previews: app/replay/[id]).
 */
export type RecordingSummaryJson = Omit<RecordingJson, "hits" | "hearings" | "battles" | "timeline"> & { hitCount: number };

export const renameRecordingSchema = z.object({ title: z.string().trim().min(1, "title is empty").max(LIMITS.titleMaxChars) });
