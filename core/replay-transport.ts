/**
 * The replay transport, pure: recording position (ms from the recording's start) ↔ audio-clock
 * time at a speed, with a loop region; the look-ahead scheduler's next batch of due events; and
 * keyboard seeking. Used by the replay page's player and the WAV export (app/lib/replay-*.ts).
 */
import type { Playable } from "./replay";

/** First index i with sorted[i] >= x (sorted.length when none). */
export function lowerBound(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------- transport ----------

export const SPEED_MIN = 0.5;
export const SPEED_MAX = 2;
/** loops shorter than this are refused: they would make the scheduler spin */
export const LOOP_MIN_MS = 100;

export interface LoopRegion {
  startMs: number;
  endMs: number;
}

/** A loop region inside [0, durationMs], ordered, at least LOOP_MIN_MS long; null when impossible. */
export function normalizeLoop(a: number, b: number, durationMs: number): LoopRegion | null {
  const startMs = Math.max(0, Math.min(a, b));
  const endMs = Math.min(durationMs, Math.max(a, b));
  return endMs - startMs >= LOOP_MIN_MS ? { startMs, endMs } : null;
}

export function clampSpeed(speed: number): number {
  return Number.isFinite(speed) ? Math.min(SPEED_MAX, Math.max(SPEED_MIN, speed)) : 1;
}

/**
 * A running playback: recording position `originPosMs` sounds at audio time
 * `originAudioS`, and the recording advances `speed` ms per ms of audio time.
 * Any seek, speed or loop change while playing starts a new transport from
 * the current position.
 */
export interface Transport {
  originAudioS: number;
  originPosMs: number;
  speed: number;
  loop: LoopRegion | null;
  durationMs: number;
}

/** The loop wraps only when playback starts before its end (from after it, play on to the end). */
export function loopActive(t: Transport): t is Transport & { loop: LoopRegion } {
  return t.loop !== null && t.originPosMs < t.loop.endMs && t.loop.endMs - t.loop.startMs >= LOOP_MIN_MS;
}

/** Audio time of an unwrapped position (the position as if the loop were unrolled). */
export function audioTimeAt(t: Transport, unwrappedMs: number): number {
  return t.originAudioS + (unwrappedMs - t.originPosMs) / (1000 * t.speed);
}

/** Unwrapped position sounding at `audioS` (before the origin: the origin). */
export function unwrappedAt(t: Transport, audioS: number): number {
  return t.originPosMs + Math.max(0, audioS - t.originAudioS) * 1000 * t.speed;
}

/** Folds an unwrapped position back into the loop (identity when the loop is not active). */
export function wrapPosition(t: Transport, unwrappedMs: number): number {
  if (!loopActive(t) || unwrappedMs < t.loop.endMs) return unwrappedMs;
  const len = t.loop.endMs - t.loop.startMs;
  return t.loop.startMs + ((unwrappedMs - t.loop.endMs) % len);
}

/** Where playback is at `audioS`, and whether it has reached the end (never with an active loop). */
export function positionAt(t: Transport, audioS: number): { posMs: number; ended: boolean } {
  const u = unwrappedAt(t, audioS);
  if (loopActive(t)) return { posMs: wrapPosition(t, u), ended: false };
  return { posMs: Math.min(u, t.durationMs), ended: u >= t.durationMs };
}

/** Scheduler state: which pass through the loop (0 = the first, from the origin) and the next playable index. */
export interface Cursor {
  lap: number;
  next: number;
}

export function startCursor(t: Transport, playable: Playable): Cursor {
  return { lap: 0, next: lowerBound(playable.atMs, t.originPosMs) };
}

export interface Due {
  /** index into the view's events */
  event: number;
  /** position in the recording (ms) */
  atMs: number;
  audioTime: number;
}

/** Unwrapped position of a playable event time in a lap. */
function unwrap(t: Transport & { loop: LoopRegion }, atMs: number, lap: number): number {
  return lap === 0 ? atMs : t.loop.endMs + (lap - 1) * (t.loop.endMs - t.loop.startMs) + (atMs - t.loop.startMs);
}

/**
 * Every playable event sounding at or before `untilAudioS` that the cursor has
 * not handed out yet, wrapping through the loop as often as needed. Advances
 * the cursor in place. Events at or after the loop end are not played while it
 * wraps; an event exactly at the loop start is played on every lap.
 */
export function scheduleUntil(t: Transport, playable: Playable, cursor: Cursor, untilAudioS: number): Due[] {
  const due: Due[] = [];
  const times = playable.atMs;
  const n = times.length;
  if (!loopActive(t)) {
    while (cursor.next < n) {
      const atMs = times[cursor.next]!;
      if (atMs > t.durationMs) {
        cursor.next = n;
        break;
      }
      const audioTime = audioTimeAt(t, atMs);
      if (audioTime > untilAudioS) break;
      due.push({ event: playable.index[cursor.next]!, atMs, audioTime });
      cursor.next++;
    }
    return due;
  }
  const len = t.loop.endMs - t.loop.startMs;
  for (let guard = 0; guard < 100_000; guard++) {
    while (cursor.next < n && times[cursor.next]! < t.loop.endMs) {
      const atMs = times[cursor.next]!;
      const audioTime = audioTimeAt(t, unwrap(t, atMs, cursor.lap));
      if (audioTime > untilAudioS) return due;
      due.push({ event: playable.index[cursor.next]!, atMs, audioTime });
      cursor.next++;
    }
    const lapEnd = t.loop.endMs + cursor.lap * len;
    if (audioTimeAt(t, lapEnd) > untilAudioS) return due;
    cursor.lap++;
    cursor.next = lowerBound(times, t.loop.startMs);
  }
  return due;
}

/** Keyboard seeking on the timeline slider; null for keys it does not handle. */
export function keySeek(posMs: number, key: string, o: { shift: boolean; beatMs: number; durationMs: number }): number | null {
  let to: number;
  const small = o.shift ? o.beatMs : 1000;
  switch (key) {
    case "ArrowLeft":
    case "ArrowDown":
      to = posMs - small;
      break;
    case "ArrowRight":
    case "ArrowUp":
      to = posMs + small;
      break;
    case "PageDown":
      to = posMs - 10_000;
      break;
    case "PageUp":
      to = posMs + 10_000;
      break;
    case "Home":
      to = 0;
      break;
    case "End":
      to = o.durationMs;
      break;
    default:
      return null;
  }
  return Math.min(o.durationMs, Math.max(0, to));
}

