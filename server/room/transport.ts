/**
 * The room's transport: tempo, meter, backing groove and play mode. A grid change takes effect
 * on the next bar line of the grid sounding now, far enough ahead for everyone to hear of it;
 * a running recording's timeline gets every change.
 */
import type { PlayMode, Tempo } from "../../core/protocol";
import { nextBarLineMs } from "../../core/metronome";
import type { TimelineEntry } from "../store";
import type { RoomContext } from "./context";
import { fail, OK_NULL, type Result } from "./result";
import { gridEntry, type Room } from "./room";
import { RETRY_INTERVAL_MS } from "./writer";

/** a change is announced at least this long before it sounds (every client hears of it in time) */
export const CHANGE_LEAD_MS = 250;
/** a tempo change is written to its recording's timeline this many times (RETRY_INTERVAL_MS apart) before it is given up */
const TIMELINE_WRITE_ATTEMPTS = 60;

/**
 * Where a new grid starts, and whether it replaces a change not yet in force. Pure.
 * A pending change is replaced at its own start — a bar line of the grid before it (the next bar
 * line of the pending grid would not be one of the grid that is sounding).
 */
export function nextGridStart(room: Pick<Room, "previousGrid" | "epochMs" | "tempoBpm" | "beatsPerBar" | "beatUnit">, nowMs: number): { startMs: number; replacesPending: boolean } {
  const replacesPending = room.previousGrid !== null && room.epochMs > nowMs + CHANGE_LEAD_MS;
  return { startMs: replacesPending ? room.epochMs : nextBarLineMs(room, nowMs + CHANGE_LEAD_MS), replacesPending };
}

/** Answers once the change is saved (or its save failed and is being retried). */
export async function setTempo(ctx: RoomContext, timeline: TimelineWriter, room: Room, tempo: Tempo): Promise<Result<null>> {
  if (room.battle && !room.battle.result) return fail("battle_running", "Change the tempo after the battle.", "tempo:set");
  const { startMs, replacesPending } = nextGridStart(room, ctx.clock.now());
  if (!replacesPending) room.previousGrid = gridEntry(room);
  room.tempoBpm = tempo.tempoBpm;
  room.beatsPerBar = tempo.beatsPerBar;
  room.beatUnit = tempo.beatUnit ?? room.beatUnit;
  room.groove = tempo.groove ?? room.groove;
  room.epochMs = startMs;
  if (room.recording) timeline.add(room.recording.id, gridEntry(room));
  await ctx.changed(room);
  return OK_NULL;
}

export async function setMode(ctx: RoomContext, room: Room, mode: PlayMode): Promise<Result<null>> {
  room.mode = mode;
  await ctx.changed(room);
  return OK_NULL;
}

/** Writes grid changes to recordings' timelines: per recording in order (each replaces entries at or after its epoch), retried. */
export class TimelineWriter {
  private readonly writes = new Map<string, Promise<void>>();

  constructor(private readonly ctx: Pick<RoomContext, "store" | "clock" | "log">) {}

  add(recordingId: string, entry: TimelineEntry): void {
    const { ctx } = this;
    const next = (this.writes.get(recordingId) ?? Promise.resolve()).then(async () => {
      // (the recording's row may still be being created: startRecording sets room.recording first)
      for (let attempt = 1; ; attempt++) {
        try {
          return await ctx.store.addTimelineEntry(recordingId, entry);
        } catch (err) {
          if (attempt >= TIMELINE_WRITE_ATTEMPTS) return ctx.log("storing a tempo change failed (given up)", err);
          if (attempt === 1) ctx.log("storing a tempo change failed (will retry)", err);
          await new Promise<void>((r) => ctx.clock.setTimeout(r, RETRY_INTERVAL_MS));
        }
      }
    });
    this.writes.set(recordingId, next);
    void next.then(() => {
      if (this.writes.get(recordingId) === next) this.writes.delete(recordingId);
    });
  }

  /** resolves when every timeline write so far has landed (or been given up) */
  async drain(): Promise<void> {
    await Promise.all(this.writes.values());
  }
}
