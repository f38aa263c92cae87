/**
 * Replay maths, pure and shared by the replay page and its tests:
 *
 * - the event list of a *view* of a recording: "as played" (every hit at its
 *   strike time: the ground truth) or "as <listener> heard it" (the listener's
 *   own hits at their strike times, everyone else's at the time they actually
 *   sounded on the listener's machine, from the recording's hearings);
 * - the mix (per-player mute / solo) and the list of events to schedule;
 * - the transport: recording position ↔ audio-clock time at a speed, with a
 *   loop region, and the look-ahead scheduler's next batch;
 * - per-player timing tightness against a grid (./timeline, ./grid-fit).
 *
 * Positions are milliseconds from the recording's `startedAtMs`. Event lists
 * are struct-of-arrays (typed arrays, sorted by time) so a 100,000-hit
 * recording costs a few megabytes and no per-hit objects.
 */
import type { Hit } from "./hit";
import { PAD_IDS } from "./kit";
import { quantile } from "./stats";

// ---------- input ----------

export interface ReplayHearing {
  listenerId: string;
  senderId: string;
  seq: number;
  soundedAtMs: number;
  late: boolean;
  skipped: boolean;
}

export interface ReplaySource {
  startedAtMs: number;
  endedAtMs: number | null;
  tempoBpm: number;
  beatsPerBar: number;
  participants: { id: string; name: string; color: string }[];
  /** the recording's hits (core/hit.ts): names and colours are the participants', by participantId */
  hits: readonly Hit[];
  /** may be missing on servers that do not store hearings yet: treated as [] */
  hearings?: ReplayHearing[] | null;
}

export type ReplayView = { kind: "played" } | { kind: "heard"; listenerId: string };

/** How an event sounds in a view. */
export const STATUS = {
  /** sounded at `atMs` */
  played: 0,
  /** sounded at `atMs`, but the listener's machine got it too late for its slot */
  late: 1,
  /** the listener's machine dropped it (too late to be worth playing) */
  skipped: 2,
  /** no report from the listener for this hit (e.g. they had left) */
  unheard: 3,
} as const;
export type EventStatus = (typeof STATUS)[keyof typeof STATUS];

export function isAudible(status: number): boolean {
  return status === STATUS.played || status === STATUS.late;
}

/** A view's events, sorted by `atMs` (ties keep the recording's hit order). */
export interface ReplayEvents {
  count: number;
  /** when it sounds in this view (ms from the recording start); for skipped/unheard hits: the strike time */
  atMs: Float64Array;
  /** strike time (ms from the recording start) */
  strikeMs: Float64Array;
  /** index into the recording's `hits` */
  hit: Uint32Array;
  /** index into `players` */
  player: Uint16Array;
  /** index into PAD_IDS */
  lane: Uint8Array;
  velocity: Float32Array;
  status: Uint8Array;
}

export interface ReplayPlayer {
  id: string;
  name: string;
  color: string;
}

const PAD_INDEX = new Map<string, number>(PAD_IDS.map((p, i) => [p, i]));

/** Participants in recording order, plus any player who only appears in hits. */
export function replayPlayers(src: Pick<ReplaySource, "participants" | "hits">): ReplayPlayer[] {
  const players: ReplayPlayer[] = src.participants.map((p) => ({ id: p.id, name: p.name, color: p.color }));
  const known = new Set(players.map((p) => p.id));
  for (const h of src.hits) {
    if (known.has(h.participantId)) continue;
    known.add(h.participantId);
    players.push({ id: h.participantId, name: `Player ${players.length + 1}`, color: "#cbd5e1" });
  }
  return players;
}

/** Listeners that reported at least one hearing: the only ones "as heard" is offered for. */
export function listenersWithHearings(src: Pick<ReplaySource, "hearings">): string[] {
  const seen = new Set<string>();
  for (const h of src.hearings ?? []) seen.add(h.listenerId);
  return [...seen];
}

/** Length of the replay: to the recording's end, or past the last thing that sounded. */
export function replayDurationMs(src: Pick<ReplaySource, "startedAtMs" | "endedAtMs" | "hits" | "hearings">): number {
  let last = src.endedAtMs ?? src.startedAtMs;
  const TAIL_MS = 500;
  for (const h of src.hits) if (h.strikeAtMs + TAIL_MS > last) last = h.strikeAtMs + TAIL_MS;
  for (const h of src.hearings ?? []) if (!h.skipped && h.soundedAtMs + TAIL_MS > last) last = h.soundedAtMs + TAIL_MS;
  return Math.max(0, last - src.startedAtMs);
}

/** The events of one view, sorted by when they sound. O(n log n), O(1) objects per hit. */
export function buildEvents(src: ReplaySource, view: ReplayView, players: ReplayPlayer[] = replayPlayers(src)): ReplayEvents {
  const n = src.hits.length;
  const playerIndex = new Map(players.map((p, i) => [p.id, i]));
  const atMs = new Float64Array(n);
  const strikeMs = new Float64Array(n);
  const status = new Uint8Array(n);
  let heard: Map<string, Map<number, ReplayHearing>> | null = null;
  if (view.kind === "heard") {
    heard = new Map();
    for (const h of src.hearings ?? []) {
      if (h.listenerId !== view.listenerId) continue;
      let bySeq = heard.get(h.senderId);
      if (!bySeq) heard.set(h.senderId, (bySeq = new Map()));
      bySeq.set(h.seq, h);
    }
  }
  for (let i = 0; i < n; i++) {
    const h = src.hits[i]!;
    const s = h.strikeAtMs - src.startedAtMs;
    strikeMs[i] = s;
    atMs[i] = s;
    if (heard && view.kind === "heard" && h.participantId !== view.listenerId) {
      const hearing = heard.get(h.participantId)?.get(h.seq);
      if (!hearing) status[i] = STATUS.unheard;
      else if (hearing.skipped) status[i] = STATUS.skipped;
      else {
        atMs[i] = hearing.soundedAtMs - src.startedAtMs;
        status[i] = hearing.late ? STATUS.late : STATUS.played;
      }
    }
  }
  // Sort indices by time (stable: ties keep the recording's order). "As played" is usually sorted already.
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (atMs[i]! < atMs[i - 1]!) {
      sorted = false;
      break;
    }
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!sorted) order.sort((a, b) => atMs[a]! - atMs[b]! || a - b);

  const ev: ReplayEvents = {
    count: n,
    atMs: new Float64Array(n),
    strikeMs: new Float64Array(n),
    hit: new Uint32Array(n),
    player: new Uint16Array(n),
    lane: new Uint8Array(n),
    velocity: new Float32Array(n),
    status: new Uint8Array(n),
  };
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const h = src.hits[i]!;
    ev.atMs[k] = atMs[i]!;
    ev.strikeMs[k] = strikeMs[i]!;
    ev.hit[k] = i;
    ev.player[k] = playerIndex.get(h.participantId) ?? 0;
    ev.lane[k] = PAD_INDEX.get(h.pad) ?? 0;
    ev.velocity[k] = h.velocity;
    ev.status[k] = status[i]!;
  }
  return ev;
}

// ---------- mix ----------

/**
 * Which players sound: when anyone is soloed only soloed players do; a muted
 * player never does (mute wins over solo).
 */
export function mixEnabled(muted: readonly boolean[], soloed: readonly boolean[]): boolean[] {
  const n = Math.max(muted.length, soloed.length);
  const anySolo = soloed.some(Boolean);
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push(!muted[i] && (!anySolo || !!soloed[i]));
  return out;
}

/** The events to schedule: audible in the view and from an enabled player, sorted by time. */
export interface Playable {
  /** indices into the view's events */
  index: Uint32Array;
  /** their `atMs`, for binary search */
  atMs: Float64Array;
}

export function selectPlayable(ev: ReplayEvents, enabled: readonly boolean[]): Playable {
  let count = 0;
  for (let k = 0; k < ev.count; k++) if (enabled[ev.player[k]!] && isAudible(ev.status[k]!)) count++;
  const index = new Uint32Array(count);
  const atMs = new Float64Array(count);
  let j = 0;
  for (let k = 0; k < ev.count; k++) {
    if (enabled[ev.player[k]!] && isAudible(ev.status[k]!)) {
      index[j] = k;
      atMs[j] = ev.atMs[k]!;
      j++;
    }
  }
  return { index, atMs };
}

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

// ---------- tempo grid ----------
// Grids fitted to the hits (recordings without a stored timeline) live in ./grid-fit; a
// recording's stored grid in ./timeline. Re-exported: the replay page and tests import them here.
// Offsets from a grid line: core/metronome.ts gridOffsetMs, through core/timeline.ts offsetFromGrid.
export { SUBDIVISIONS, downbeatWeights, fitGrid, type GridFit } from "./grid-fit";

// ---------- statistics ----------

export interface PlayerStats {
  /** every hit the player struck */
  hits: number;
  /** of those, sounded in this view */
  sounded: number;
  late: number;
  skipped: number;
  unheard: number;
  /** median signed offset from the nearest grid line of the sounded hits (ms; NaN without any) */
  medianMs: number;
  /** spread: interquartile range of the same offsets (ms) */
  iqrMs: number;
}

/**
 * Per-player statistics of a view; O(n log n). `offsetMs` gives a time's signed offset from its
 * nearest grid line (the replay page: core/timeline.ts offsetFromGrid at the chosen subdivision).
 */
export function playerStatsBy(ev: ReplayEvents, playerCount: number, offsetMs: (atMs: number) => number): PlayerStats[] {
  const counts = Array.from({ length: playerCount }, () => ({ hits: 0, sounded: 0, late: 0, skipped: 0, unheard: 0 }));
  for (let k = 0; k < ev.count; k++) {
    const c = counts[ev.player[k]!];
    if (!c) continue;
    c.hits++;
    const s = ev.status[k]!;
    if (isAudible(s)) c.sounded++;
    if (s === STATUS.late) c.late++;
    else if (s === STATUS.skipped) c.skipped++;
    else if (s === STATUS.unheard) c.unheard++;
  }
  const offsets = counts.map((c) => new Float64Array(c.sounded));
  const fill = new Array<number>(playerCount).fill(0);
  for (let k = 0; k < ev.count; k++) {
    const p = ev.player[k]!;
    if (p >= playerCount || !isAudible(ev.status[k]!)) continue;
    offsets[p]![fill[p]!++] = offsetMs(ev.atMs[k]!);
  }
  return counts.map((c, p) => {
    const o = offsets[p]!.sort();
    return { ...c, medianMs: quantile(o, 0.5), iqrMs: quantile(o, 0.75) - quantile(o, 0.25) };
  });
}

// ---------- formatting ----------

/** m:ss.t (or h:mm:ss.t) */
export function formatClock(ms: number, tenths = false): string {
  const total = Math.max(0, ms) / 1000;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = Math.floor(total % 60);
  const t = tenths ? `.${Math.floor((total * 10) % 10)}` : "";
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}${t}` : `${m}:${ss}${t}`;
}
