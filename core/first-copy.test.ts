import { describe, expect, it } from "vitest";
import { DirectSendWindow } from "./direct-packet";
import { FIRST_COPY_WINDOW_SEQS, FirstCopyFilter, RESTART_GAP_MS, type CopyArrival, type HitPath } from "./first-copy";
import type { SentHit } from "./hit";
import { seededRng, type Rng } from "./rng";

const T0 = 1_764_000_000_000;
const copy = (seq: number, path: HitPath, arrivalAtMs: number, strikeAtMs = T0 + seq * 100, from = "ada-12345"): CopyArrival => ({
  from,
  seq,
  strikeAtMs,
  path,
  arrivalAtMs,
});

describe("FirstCopyFilter: one copy of each hit", () => {
  it("plays the first copy and reports the second as a duplicate with how far behind it came", () => {
    const f = new FirstCopyFilter();
    expect(f.onCopy(copy(1, "direct", T0 + 130))).toEqual({ kind: "first", path: "direct", transitMs: 30, restarted: false });
    expect(f.onCopy(copy(1, "relay", T0 + 142))).toEqual({ kind: "duplicate", path: "relay", transitMs: 42, firstPath: "direct", behindMs: 12 });
    // the relay can win too, and a redundancy repeat on the same path is a duplicate behind itself
    expect(f.onCopy(copy(2, "relay", T0 + 240)).kind).toBe("first");
    expect(f.onCopy({ ...copy(2, "direct", T0 + 245), repeat: true })).toMatchObject({ kind: "duplicate", firstPath: "relay", behindMs: 5 });
    expect(f.onCopy(copy(2, "relay", T0 + 250))).toMatchObject({ kind: "duplicate", firstPath: "relay", behindMs: 10 });
  });

  it("plays a hit that arrives after later ones (reordering) and keeps senders apart", () => {
    const f = new FirstCopyFilter();
    expect(f.onCopy(copy(10, "direct", T0 + 1030)).kind).toBe("first");
    expect(f.onCopy(copy(5, "direct", T0 + 1031)).kind).toBe("first");
    expect(f.onCopy(copy(5, "direct", T0 + 1032)).kind).toBe("duplicate");
    expect(f.onCopy(copy(5, "relay", T0 + 1040, undefined, "bob-123456")).kind).toBe("first");
  });

  it("forgets seqs older than its window: a copy that old is stale", () => {
    const f = new FirstCopyFilter();
    f.onCopy(copy(1, "direct", T0 + 130));
    f.onCopy(copy(1 + FIRST_COPY_WINDOW_SEQS, "direct", T0 + 200));
    expect(f.onCopy(copy(1, "relay", T0 + 300))).toEqual({ kind: "stale", path: "relay", reason: "older than memory" });
    expect(f.onCopy(copy(2, "relay", T0 + 300)).kind).toBe("first");
  });

  it("takes a sender's restarted numbering as new hits, and old copies still on their way as stale", () => {
    const f = new FirstCopyFilter();
    for (let s = 1; s <= 50; s++) expect(f.onCopy(copy(s, "direct", T0 + s * 100 + 20)).kind).toBe("first");
    // reload without localStorage: seqs from 1 again, 5 s later
    const later = T0 + 10_000;
    const v = f.onCopy(copy(1, "relay", later + 140, later + 100));
    expect(v).toEqual({ kind: "first", path: "relay", transitMs: 40, restarted: true });
    for (let s = 2; s <= 60; s++) expect(f.onCopy(copy(s, "direct", later + s * 100 + 20, later + s * 100)).kind).toBe("first");
    // an old connection's relay copy still on its way: a seq above the new generation's highest, struck before the restart
    expect(f.onCopy(copy(70, "relay", later + 6100, T0 + 7000))).toEqual({ kind: "stale", path: "relay", reason: "before restart" });
    // the new generation's duplicates are still duplicates
    expect(f.onCopy(copy(60, "relay", later + 6200, later + 6000)).kind).toBe("duplicate");
  });

  it("does not take a hit stamped a little after a later seq (input-latency compensation) for a restart", () => {
    const f = new FirstCopyFilter();
    f.onCopy(copy(11, "direct", T0 + 1100, T0 + 1000));
    const v = f.onCopy(copy(10, "direct", T0 + 1101, T0 + 1000 + RESTART_GAP_MS / 20));
    expect(v).toMatchObject({ kind: "first", restarted: false });
  });

  it("remembers at most maxSenders senders, dropping the one heard least recently", () => {
    const f = new FirstCopyFilter({ maxSenders: 2 });
    f.onCopy(copy(1, "direct", T0 + 130, undefined, "a-aaaaaaaa"));
    f.onCopy(copy(1, "direct", T0 + 130, undefined, "b-bbbbbbbb"));
    f.onCopy(copy(2, "direct", T0 + 230, undefined, "a-aaaaaaaa"));
    f.onCopy(copy(1, "direct", T0 + 130, undefined, "c-cccccccc"));
    expect(f.senderCount).toBe(2);
    expect(f.paths("b-bbbbbbbb").inUse).toBeNull();
    expect(f.paths("a-aaaaaaaa").inUse).toBe("direct");
    f.forget("a-aaaaaaaa");
    expect(f.senderCount).toBe(1);
  });

  it("refuses a window that is not a positive integer", () => {
    expect(() => new FirstCopyFilter({ windowSeqs: 0 })).toThrow("windowSeqs must be a positive integer, got: 0");
  });
});

describe("FirstCopyFilter: each path's delay and the path in use", () => {
  it("measures each path from its own copies, leaving redundancy repeats out", () => {
    const f = new FirstCopyFilter();
    for (let s = 1; s <= 40; s++) {
      f.onCopy(copy(s, "direct", T0 + s * 100 + 25));
      f.onCopy({ ...copy(s, "direct", T0 + s * 100 + 125), repeat: true });
      f.onCopy(copy(s, "relay", T0 + s * 100 + 40));
    }
    const p = f.paths("ada-12345");
    expect(p.inUse).toBe("direct");
    expect(p.paths.direct).toEqual({ oneWayMs: 25, copies: 80, recentFirsts: 32 });
    expect(p.paths.relay).toEqual({ oneWayMs: 40, copies: 40, recentFirsts: 0 });
  });

  it("moves to the relay when the direct path stops delivering", () => {
    const f = new FirstCopyFilter();
    for (let s = 1; s <= 40; s++) {
      if (s <= 20) f.onCopy(copy(s, "direct", T0 + s * 100 + 25));
      f.onCopy(copy(s, "relay", T0 + s * 100 + 40));
    }
    expect(f.paths("ada-12345").inUse).toBe("relay");
    expect(f.paths("nobody-1234")).toEqual({
      inUse: null,
      paths: { direct: { oneWayMs: null, copies: 0, recentFirsts: 0 }, relay: { oneWayMs: null, copies: 0, recentFirsts: 0 } },
    });
  });
});

/**
 * Seeded fuzz: a sender's hits go over a lossy, reordering direct path (each
 * packet repeating the last three hits) and an ordered, lossless relay; all
 * copies reach the filter in arrival order. Every hit must be played exactly
 * once, from its earliest copy.
 */
function fuzz(seed: number): void {
  const rng: Rng = seededRng(seed);
  const f = new FirstCopyFilter();
  const window = new DirectSendWindow();
  const copies: CopyArrival[] = [];
  let strikeAtMs = T0;
  let relayFreeAtMs = -Infinity;
  const hits = 1500;
  const lossProb = rng() * 0.3;
  for (let seq = 1; seq <= hits; seq++) {
    // flams, 32nds, 16ths and rests
    strikeAtMs += [0.5, 8, 37.5, 150, 1200][Math.floor(rng() * 5)]!;
    const hit: SentHit = { seq, strikeAtMs, pad: "snare", velocity: 0.5 };
    if (rng() >= lossProb) {
      // heavy-tailed jitter reorders packets
      const arrivalAtMs = strikeAtMs + 20 + 30 * rng() ** 4 + (rng() < 0.02 ? 200 * rng() : 0);
      window.hitsFor(hit).forEach((h, i) => copies.push({ from: "p-12345678", seq: h.seq, strikeAtMs: h.strikeAtMs, path: "direct", arrivalAtMs, repeat: i > 0 }));
    } else {
      window.hitsFor(hit); // sent, lost
    }
    // TCP: in order, a retransmission holds back what follows
    relayFreeAtMs = Math.max(relayFreeAtMs, strikeAtMs + 35 + 10 * rng() + (rng() < 0.01 ? 250 : 0));
    copies.push({ from: "p-12345678", seq, strikeAtMs, path: "relay", arrivalAtMs: relayFreeAtMs });
  }
  // stable: equal arrival times keep send order
  copies.sort((a, b) => a.arrivalAtMs - b.arrivalAtMs);
  const earliest = new Map<number, number>();
  for (const c of copies) if (!earliest.has(c.seq)) earliest.set(c.seq, c.arrivalAtMs);
  const played = new Map<number, number>();
  for (const c of copies) {
    const v = f.onCopy(c);
    expect(v.kind, `seed ${seed} seq ${c.seq}`).not.toBe("stale");
    if (v.kind === "first") {
      expect(played.has(c.seq), `seed ${seed}: seq ${c.seq} played twice`).toBe(false);
      played.set(c.seq, c.arrivalAtMs);
    }
  }
  expect(played.size, `seed ${seed}`).toBe(hits);
  for (const [seq, atMs] of played) expect(atMs, `seed ${seed} seq ${seq}`).toBe(earliest.get(seq));
}

describe("FirstCopyFilter: seeded fuzz over two paths", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])("seed %i: every hit played once, from its earliest copy", (seed) => fuzz(seed));
});
