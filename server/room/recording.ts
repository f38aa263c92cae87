/**
 * Recording: start (optionally after a count-in bar) and stop, the grace period after Stop for
 * hits struck before it, and the listeners' hearings. Hits themselves are queued by relay.ts.
 *
 * A count-in is part of the recording (issue 14, defect 8): the recording starts AT the count-in
 * bar (`startedAtMs`, a bar line) and `barOneAtMs` marks the bar after it, where the music
 * begins. A fill a drummer plays into bar 1 is therefore stored, relayed and acked like any hit,
 * and the replay, MIDI and WAV exports all begin with the count-in bar (their bar lines stay on
 * the room's grid, since it starts on one). docs/recordings.md.
 */
import { randomBytes } from "node:crypto";
import type { HearingMsg, RecordingStartMsg } from "../../core/protocol";
import { barMs, nextBarLineMs } from "../../core/metronome";
import { retryUntilStored, type RoomContext } from "./context";
import { CHANGE_LEAD_MS } from "./transport";
import { fail, OK_NULL, ok, type Result } from "./result";
import { gridEntry, hashToken, newRecordingId, toRecordingView, type ActiveRecording, type Member, type Room } from "./room";

/** Hits struck before Stop can still be in flight; keep accepting them this long after Stop. */
export const STOP_GRACE_MS = 5_000;

/** The recording a hit struck at `strikeAtMs` belongs to: the running one, or one stopped within the grace period. */
export function recordingFor(room: Room, strikeAtMs: number, nowMs: number): ActiveRecording | null {
  const r = room.recording;
  if (r && strikeAtMs >= r.startedAtMs) return r; // a count-in bar is recorded: startedAtMs is its start
  if (room.closing.size === 0) return null;
  for (const [id, c] of room.closing) {
    if (c.endedAtMs !== null && nowMs - c.endedAtMs > STOP_GRACE_MS) {
      room.closing.delete(id);
      continue;
    }
    if (strikeAtMs >= c.startedAtMs && c.endedAtMs !== null && strikeAtMs <= c.endedAtMs) return c;
  }
  return null;
}

/** Forgets stopped recordings whose grace period is over; true when none is left. */
export function graceOver(room: Room, nowMs: number): boolean {
  for (const [id, c] of room.closing) if (c.endedAtMs !== null && nowMs - c.endedAtMs > STOP_GRACE_MS) room.closing.delete(id);
  return room.closing.size === 0;
}

export async function startRecording(ctx: RoomContext, room: Room, member: Member, msg: RecordingStartMsg): Promise<Result<{ id: string; ownerToken: string }>> {
  if (member.role === "spectator") return fail("spectator", "Spectators cannot start recordings.", "recording:start");
  if (room.recording) return fail("already_recording", "This room is already recording.", "recording:start");
  const id = newRecordingId();
  const ownerToken = randomBytes(24).toString("base64url");
  const grid = { tempoBpm: room.tempoBpm, beatsPerBar: room.beatsPerBar, beatUnit: room.beatUnit, epochMs: room.epochMs };
  const nowMs = ctx.clock.now();
  // Count-in: one whole bar of clicks, the same for everyone, starting on a bar line at least
  // CHANGE_LEAD_MS away (as a tempo change: every page gets the room state in time to hand the
  // first click to its engine), then bar 1. The recording starts with the count-in bar.
  const barOneAtMs = msg.countIn ? nextBarLineMs(grid, nowMs + CHANGE_LEAD_MS + barMs(grid)) : nowMs;
  const startedAtMs = msg.countIn ? barOneAtMs - barMs(grid) : nowMs;
  const rec: ActiveRecording = { id, startedAtMs, barOneAtMs, startedBy: member.id, endedAtMs: null };
  room.recording = rec;
  try {
    const participantIds = [...room.members.values()].filter((m) => m.conn && m.role === "player").map((m) => m.id);
    const title = msg.title && msg.title.length > 0 ? msg.title : `Jam ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`;
    await ctx.store.createRecording({
      id,
      roomCode: room.code,
      title,
      startedAtMs,
      barOneAtMs: msg.countIn ? barOneAtMs : null,
      tempoBpm: room.tempoBpm,
      beatsPerBar: room.beatsPerBar,
      participantIds,
      ownerTokenHash: hashToken(ownerToken),
      beatUnit: room.beatUnit,
      // a change still pending at the start: the grid before it sounds until then
      timeline: room.previousGrid && room.epochMs > startedAtMs ? [room.previousGrid, gridEntry(room)] : [gridEntry(room)],
    });
  } catch (err) {
    if (room.recording === rec) room.recording = null;
    throw err;
  }
  ctx.changed(room);
  return ok({ id, ownerToken });
}

export async function stopRecording(ctx: RoomContext, room: Room, member: Member): Promise<Result<{ id: string }>> {
  if (member.role === "spectator") return fail("spectator", "Spectators cannot stop recordings.", "recording:stop");
  const rec = room.recording;
  if (!rec) return fail("not_recording", "This room is not recording.", "recording:stop");
  // Stopped before the count-in bar began: an empty recording, not a negative length.
  const endedAtMs = Math.max(ctx.clock.now(), rec.startedAtMs);
  rec.endedAtMs = endedAtMs;
  room.recording = null;
  room.closing.set(rec.id, rec);
  // Stopping must work while the database is away: hits stay queued and the end time is written when it returns.
  await ctx.writer.flush().catch((err: unknown) => ctx.log("flush at stop failed (will retry)", err));
  await retryUntilStored(ctx, () => ctx.store.finishRecording(rec.id, endedAtMs), "finish recording");
  await refreshRecordings(ctx, room).catch(() => undefined);
  ctx.changed(room);
  // Late hits of the grace period are stored by later flushes; refresh the list's counts after it.
  ctx.clock.setTimeout(() => {
    ctx.writer
      .flush()
      .then(() => refreshRecordings(ctx, room))
      .then(() => {
        if (ctx.isLive(room)) ctx.changed(room);
      })
      .catch((err: unknown) => ctx.log("refresh after stop failed", err));
  }, STOP_GRACE_MS + 100);
  return ok({ id: rec.id });
}

export async function refreshRecordings(ctx: Pick<RoomContext, "store">, room: Room): Promise<void> {
  room.recordings = (await ctx.store.listRecordings(room.code)).map(toRecordingView);
}

/** A listener reports when other players' hits sounded on their machine (stored for "as <name> heard it"). */
export function heard(ctx: RoomContext, room: Room, member: Member, msg: { hearings: HearingMsg[] }): Result<null> {
  const nowMs = ctx.clock.now();
  const notRecorded: { from: string; seq: number }[] = [];
  for (const h of msg.hearings) {
    const rec = recordingFor(room, h.strikeAtMs, nowMs);
    if (!rec || h.from === member.id) {
      notRecorded.push({ from: h.from, seq: h.seq }); // nothing to store: the listener can forget it
      continue;
    }
    ctx.writer.addHearing({
      recordingId: rec.id,
      roomCode: room.code,
      hearing: { listenerId: member.id, senderId: h.from, seq: h.seq, soundedAtMs: h.soundedAtMs, late: h.late, skipped: h.skipped },
    });
  }
  if (notRecorded.length) member.conn?.send("hearings:ack", { hearings: notRecorded });
  return OK_NULL;
}
