/**
 * Replay maths, pure and shared by the replay page and its tests:
 *
 * - the event list of a *view* of a recording: "as played" (every hit at its
 *   strike time: the ground truth) or "as <listener> heard it" (the listener's
 *   own hits at their strike times, everyone else's at the time they actually
 *   sounded on the listener's machine, from the recording's hearings);
 * - the mix (per-player mute / solo) and the list of events to schedule;
 * - the transport (./replay-transport, re-exported): recording position ↔
 *   audio-clock time at a speed, with a loop region, and the look-ahead
 *   scheduler's next batch;
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

// The transport (position ↔ audio time, speed, loop, look-ahead scheduling, keyboard seeking)
// lives in ./replay-transport; re-exported so the replay page finds the whole replay here.
export * from "./replay-transport";

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
