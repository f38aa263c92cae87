/**
 * "First copy wins", issue 15: with the direct path, a listener can get each
 * partner hit twice — over the WebRTC data channel (core/direct-packet.ts,
 * unordered, lossy, each packet repeating the last few hits) and over the
 * Socket.IO relay (ordered, reliable, the server's stored copy). The listener
 * plays the first copy of each (sender, seq) and ignores every later one, and
 * learns each path's one-way delay from the copies it delivers, so the
 * adaptive playout is fed the arrivals it actually plays (the first copies)
 * and the latency panel can say which path is in use.
 *
 * Pure: the caller passes arrival times (shared clock); no timers, no I/O.
 *
 * Memory per sender is bounded: a ring of the last `windowSeqs` seqs. A copy
 * older than that is "stale" — at a drummer's pace (≤ 50 hits/s) 256 seqs are
 * more than 5 s, far past any slot, and a hit that old was played (or skipped)
 * from the other path long ago.
 *
 * A sender that restarts its numbering (a reload where localStorage could not
 * keep the seq, app/lib/outbox.ts) sends seqs already seen, with strike times
 * later than any seen: a seq at or below the highest seen whose strike is more
 * than `restartGapMs` after the newest strike starts a new generation (the
 * memory is cleared), and copies struck before it are stale from then on (an
 * old connection's relay copies still on their way). A duplicate carries the
 * exact strike time of its first copy (both paths send the float64 as struck),
 * and a reordered hit is struck before the newest, so neither looks like a
 * restart.
 */
import { median } from "./stats";

export const HIT_PATHS = ["direct", "relay"] as const;
export type HitPath = (typeof HIT_PATHS)[number];

/** 256 seqs: > 5 s at 50 hits/s (see above). */
export const FIRST_COPY_WINDOW_SEQS = 256;
/**
 * A seq seen again with a strike this much after the newest is a restarted
 * sender. 1 s: more than any difference between two hits' input-latency
 * compensations (a strike stamped a few tens of ms before the previous one),
 * less than a reload takes.
 */
export const RESTART_GAP_MS = 1_000;
/** copies per path whose transit gives its one-way delay (a median: a few seconds of playing) */
export const PATH_DELAY_WINDOW = 64;
/** first copies looked at for "the path in use" */
export const IN_USE_WINDOW = 32;
/** senders remembered at once; the one heard least recently goes first */
export const MAX_SENDERS = 64;

export interface CopyArrival {
  /** the sender's participant id */
  from: string;
  seq: number;
  /** shared clock, as the sender stamped it */
  strikeAtMs: number;
  path: HitPath;
  /** shared clock */
  arrivalAtMs: number;
  /**
   * A redundancy copy (not the newest hit of its direct packet): its transit
   * includes the wait for the later hit that carried it, so it does not count
   * towards the path's one-way delay.
   */
  repeat?: boolean;
}

export type CopyVerdict =
  /** play it: the first copy of this hit; `restarted`: it began a new generation of the sender's seqs */
  | { kind: "first"; path: HitPath; transitMs: number; restarted: boolean }
  /** already played from `firstPath`, which was `behindMs` earlier (0 when the same path repeats it) */
  | { kind: "duplicate"; path: HitPath; transitMs: number; firstPath: HitPath; behindMs: number }
  /** too old for the memory, or struck before the sender restarted: ignore */
  | { kind: "stale"; path: HitPath; reason: "older than memory" | "before restart" };

export interface PathDelay {
  /** median (arrival − strike) of the path's last PATH_DELAY_WINDOW copies (repeats left out); null: none yet */
  oneWayMs: number | null;
  /** copies delivered (repeats included), all time */
  copies: number;
  /** of the last IN_USE_WINDOW first copies, how many this path delivered */
  recentFirsts: number;
}

export interface SenderPaths {
  /** the path that delivered most of the last first copies (ties: the relay); null before any */
  inUse: HitPath | null;
  paths: Record<HitPath, PathDelay>;
}

const pathIndex = (p: HitPath): number => (p === "direct" ? 0 : 1);

/** A fixed-size ring of numbers (the last `size` pushed). */
class Ring {
  private readonly values: Float64Array;
  private next = 0;
  count = 0;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  push(v: number): void {
    this.values[this.next] = v;
    this.next = (this.next + 1) % this.values.length;
    this.count = Math.min(this.count + 1, this.values.length);
  }

  items(): Float64Array {
    return this.values.subarray(0, this.count);
  }
}

class SenderMemory {
  /** seq held by each slot (seq % window); 0 = empty (seqs start at 1) */
  readonly seqs: Float64Array;
  readonly strikes: Float64Array;
  readonly arrivals: Float64Array;
  readonly firstPaths: Uint8Array;
  highestSeq = 0;
  newestStrikeMs = -Infinity;
  /** copies struck before this are from before a restart */
  floorStrikeMs = -Infinity;
  readonly transits = [new Ring(PATH_DELAY_WINDOW), new Ring(PATH_DELAY_WINDOW)];
  readonly copies = [0, 0];
  /** path index of the last first copies */
  readonly winners = new Ring(IN_USE_WINDOW);

  constructor(readonly window: number) {
    this.seqs = new Float64Array(window);
    this.strikes = new Float64Array(window);
    this.arrivals = new Float64Array(window);
    this.firstPaths = new Uint8Array(window);
  }

  restart(strikeAtMs: number, gapMs: number): void {
    this.seqs.fill(0);
    this.highestSeq = 0;
    this.newestStrikeMs = -Infinity;
    this.floorStrikeMs = strikeAtMs - gapMs;
  }
}

export interface FirstCopyOptions {
  windowSeqs?: number;
  restartGapMs?: number;
  maxSenders?: number;
}

export class FirstCopyFilter {
  private readonly senders = new Map<string, SenderMemory>();
  private readonly windowSeqs: number;
  private readonly restartGapMs: number;
  private readonly maxSenders: number;

  constructor(options: FirstCopyOptions = {}) {
    this.windowSeqs = options.windowSeqs ?? FIRST_COPY_WINDOW_SEQS;
    this.restartGapMs = options.restartGapMs ?? RESTART_GAP_MS;
    this.maxSenders = options.maxSenders ?? MAX_SENDERS;
    if (!Number.isInteger(this.windowSeqs) || this.windowSeqs < 1) {
      throw new RangeError(`windowSeqs must be a positive integer, got: ${this.windowSeqs}`);
    }
  }

  /** Judges one copy of a hit; "first" means play it. */
  onCopy(c: CopyArrival): CopyVerdict {
    const m = this.memoryOf(c.from);
    const transitMs = c.arrivalAtMs - c.strikeAtMs;
    const p = pathIndex(c.path);
    m.copies[p]!++;
    if (!c.repeat) m.transits[p]!.push(transitMs);
    if (c.strikeAtMs < m.floorStrikeMs) return { kind: "stale", path: c.path, reason: "before restart" };
    let restarted = false;
    if (c.seq <= m.highestSeq && c.strikeAtMs > m.newestStrikeMs + this.restartGapMs) {
      m.restart(c.strikeAtMs, this.restartGapMs);
      restarted = true;
    } else if (c.seq <= m.highestSeq - this.windowSeqs) {
      return { kind: "stale", path: c.path, reason: "older than memory" };
    }
    const slot = c.seq % this.windowSeqs;
    if (m.seqs[slot] === c.seq) {
      return { kind: "duplicate", path: c.path, transitMs, firstPath: HIT_PATHS[m.firstPaths[slot]!]!, behindMs: c.arrivalAtMs - m.arrivals[slot]! };
    }
    m.seqs[slot] = c.seq;
    m.strikes[slot] = c.strikeAtMs;
    m.arrivals[slot] = c.arrivalAtMs;
    m.firstPaths[slot] = p;
    m.highestSeq = Math.max(m.highestSeq, c.seq);
    m.newestStrikeMs = Math.max(m.newestStrikeMs, c.strikeAtMs);
    m.winners.push(p);
    return { kind: "first", path: c.path, transitMs, restarted };
  }

  /** Each path's one-way delay from this sender and the path in use (the latency panel, window.__backbeat). */
  paths(from: string): SenderPaths {
    const m = this.senders.get(from);
    const wins = [0, 0];
    for (const w of m?.winners.items() ?? []) wins[w]!++;
    const delay = (p: HitPath): PathDelay => {
      const i = pathIndex(p);
      const xs = m?.transits[i]!.items() ?? new Float64Array(0);
      return { oneWayMs: xs.length ? median(xs) : null, copies: m?.copies[i] ?? 0, recentFirsts: wins[i]! };
    };
    const inUse: HitPath | null = wins[0]! + wins[1]! === 0 ? null : wins[0]! > wins[1]! ? "direct" : "relay";
    return { inUse, paths: { direct: delay("direct"), relay: delay("relay") } };
  }

  /** A member left: drop what is remembered of them. */
  forget(from: string): void {
    this.senders.delete(from);
  }

  get senderCount(): number {
    return this.senders.size;
  }

  private memoryOf(from: string): SenderMemory {
    let m = this.senders.get(from);
    if (m) {
      // keep the Map in least-recently-heard order for eviction
      this.senders.delete(from);
    } else {
      m = new SenderMemory(this.windowSeqs);
      if (this.senders.size >= this.maxSenders) this.senders.delete(this.senders.keys().next().value!);
    }
    this.senders.set(from, m);
    return m;
  }
}
