/**
 * Metronome clicks, the count-in before a recording and the backing groove, all computed from
 * the shared clock and the room's grid (core/metronome.ts), so they sound in phase everywhere
 * without messages. Handed to the engine ahead of time on the audio clock ("A Tale of Two
 * Clocks"): a 25 ms tick schedules 150 ms beyond the audio deadline. Browser-only through the
 * engine it is given; no socket.
 */
import { grooveHitsInWindow, type GrooveId } from "../../core/grooves";
import { beatsInWindow, type Grid } from "../../core/metronome";
import type { RoomView } from "../../core/protocol";
import type { AudioEngine } from "./audio/engine";
import { CLICKS_BUS } from "./audio/mix-buses";
import type { BeatQueue } from "./beat-queue";

/** How far ahead the metronome is scheduled on the audio clock. */
export const SCHEDULE_AHEAD_MS = 150;
export const SCHEDULER_TICK_MS = 25;

type SoundingGrid = Grid & { groove: GrooveId };

export interface ClickOptions {
  metronomeOn: boolean;
  backingOn: boolean;
  /** a recording's count-in bar, [fromMs, barOneAtMs): its clicks sound whatever the metronome, numbered */
  countIn: { fromMs: number; barOneAtMs: number } | null;
}

export class ClickScheduler {
  /** the grid sounding now, and the next one when a tempo change waits for its bar line */
  private grids: SoundingGrid[] = [];
  private scheduledUntilMs = 0;

  constructor(
    private readonly engine: Pick<AudioEngine, "playClick" | "playHit">,
    /** every beat handed, for the beat display (even with the metronome off: the beat is still shown) */
    private readonly beats?: BeatQueue,
  ) {}

  get hasGrid(): boolean {
    return this.grids.length > 0;
  }

  /** A room view arrived: a changed grid starts at its epoch (a future bar line); the one sounding plays until then. */
  onRoom(room: RoomView, sharedNowMs: number): void {
    const grid: SoundingGrid = { tempoBpm: room.tempoBpm, beatsPerBar: room.beatsPerBar, beatUnit: room.beatUnit, epochMs: room.epochMs, groove: room.groove };
    const last = this.grids.at(-1);
    if (
      last &&
      last.epochMs === grid.epochMs &&
      last.tempoBpm === grid.tempoBpm &&
      last.beatsPerBar === grid.beatsPerBar &&
      last.beatUnit === grid.beatUnit &&
      last.groove === grid.groove
    )
      return;
    // A change that replaces one not yet begun keeps the grid that is actually sounding.
    const pendingReplaced = this.grids.length === 2 && last!.epochMs > sharedNowMs;
    const sounding = pendingReplaced ? this.grids[0] : last;
    this.grids = sounding ? [sounding, grid] : [grid];
  }

  /** One tick: hands the engine everything due in [deadline, deadline + SCHEDULE_AHEAD_MS) not yet handed. */
  tick(nowMs: number, leadMs: number, o: ClickOptions, toAudioTime: (sharedMs: number) => number): void {
    if (this.grids.length === 0) return;
    // Nothing is handed inside the audio deadline: a click there would be heard late. (At start, or
    // after the tab slept, the beats inside it are dropped rather than played off the beat.)
    const fromMs = Math.max(this.scheduledUntilMs, nowMs + leadMs);
    const toMs = nowMs + leadMs + SCHEDULE_AHEAD_MS;
    if (o.countIn) this.lateCountIn(o.countIn, nowMs + leadMs, toAudioTime);
    if (toMs <= fromMs) return;
    this.scheduledUntilMs = toMs;
    const [prev, cur] = this.grids.length === 2 ? this.grids : [undefined, this.grids[0]!];
    const pieces: [SoundingGrid, number, number][] = prev
      ? [
          [prev, fromMs, Math.min(toMs, cur!.epochMs)],
          [cur!, Math.max(fromMs, cur!.epochMs), toMs],
        ]
      : [[cur!, fromMs, toMs]];
    for (const [grid, from, to] of pieces) {
      if (to <= from) continue;
      for (const b of beatsInWindow(grid, from, to)) {
        // During a count-in everyone hears the clicks, metronome on or off.
        const countIn = o.countIn !== null && b.atMs >= o.countIn.fromMs && b.atMs < o.countIn.barOneAtMs;
        const audioTime = toAudioTime(b.atMs);
        const clicked = o.metronomeOn || countIn;
        if (clicked) this.engine.playClick(audioTime, b.accent);
        this.beats?.push({
          atMs: b.atMs,
          audioTime,
          inBar: b.inBar,
          beatsPerBar: grid.beatsPerBar,
          beatUnit: grid.beatUnit ?? 4,
          tempoBpm: grid.tempoBpm,
          count: countIn ? grid.beatsPerBar - b.inBar : null,
          clicked,
        });
      }
      if (o.backingOn && grid.groove !== "none") {
        for (const g of grooveHitsInWindow(grid.groove, grid, from, to)) this.engine.playHit(g.pad, toAudioTime(g.atMs), g.velocity, CLICKS_BUS);
      }
    }
  }

  /**
   * A count-in that became known after some of its beats were handed (the room state arrives a
   * round trip and a database write after the server picked the count-in bar, and clicks are
   * handed up to SCHEDULE_AHEAD_MS beyond the deadline): those beats get their numbers, and their
   * clicks when the metronome was off and they can still be heard on time.
   */
  private lateCountIn(c: NonNullable<ClickOptions["countIn"]>, deadlineMs: number, toAudioTime: (sharedMs: number) => number): void {
    if (!this.beats || c.fromMs >= this.scheduledUntilMs) return;
    for (const b of this.beats.between(c.fromMs, Math.min(c.barOneAtMs, this.scheduledUntilMs))) {
      if (b.count === null) b.count = b.beatsPerBar - b.inBar;
      if (!b.clicked && b.atMs >= deadlineMs) {
        this.engine.playClick(toAudioTime(b.atMs), b.inBar === 0);
        b.clicked = true;
      }
    }
  }
}
