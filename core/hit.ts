/**
 * The one hit: what a recording holds of every strike, the same from the
 * recording's JSON (core/http-api.ts RecordingJson) through the store
 * (server/store.ts) to the replay (core/replay.ts), the MIDI file
 * (core/midi.ts) and the audio exports (app/lib/replay-wav.ts).
 *
 * Anything else a consumer needs per hit is derived or looked up, never added
 * as another hit shape: the player's name and colour by `participantId`
 * (the recording's participants), when a listener heard it from the
 * recording's hearings by (`participantId`, `seq`), its grid offset from the
 * recording's grid (core/timeline.ts `offsetFromGrid`). On the wire a hit is
 * this minus its sender (the socket is the sender): `HitMsg` in
 * core/protocol.ts.
 */
import type { PadId } from "./kit";

export interface Hit {
  /** who struck it */
  participantId: string;
  /** per-sender sequence number from 1: (recording, participantId, seq) is unique */
  seq: number;
  /** strike time on the shared clock (ms) */
  strikeAtMs: number;
  pad: PadId;
  /** 0..1 */
  velocity: number;
}

/** A hit as its sender sends it: the socket says who struck it. */
export type SentHit = Omit<Hit, "participantId">;

/**
 * Recording order: by strike time, then participant (by code unit, not a
 * database collation, so SQLite and PostgreSQL agree), then seq.
 */
export function compareHits(a: Hit, b: Hit): number {
  return a.strikeAtMs - b.strikeAtMs || (a.participantId < b.participantId ? -1 : a.participantId > b.participantId ? 1 : 0) || a.seq - b.seq;
}
