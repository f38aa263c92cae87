import { describe, expect, it } from "vitest";
import { scoreTurn, turns, type BattleConfig } from "./battle";
import { median } from "./stats";
import { barAt, barStartMs, gridFromTimeline, gridLabel, gridLinesIn, offsetFromGrid, recordingGrid, segmentAt, timelineInForce, type TimelineEntry } from "./timeline";

const entry = (epochMs: number, tempoBpm: number, beatsPerBar = 4, beatUnit = 4, groove = "none"): TimelineEntry => ({ epochMs, tempoBpm, beatsPerBar, beatUnit, groove });

describe("timelineInForce", () => {
  it("keeps the entry in force at the start and every later one, in epoch order", () => {
    const t = [entry(5_000, 90), entry(0, 100), entry(1_000, 120), entry(9_000, 80)];
    expect(timelineInForce(t, 2_000).map((e) => e.tempoBpm)).toEqual([120, 90, 80]);
    expect(timelineInForce(t, 2_000, 9_000).map((e) => e.tempoBpm)).toEqual([120, 90]);
    // nothing in force yet at the start: the first entry's grid extends backwards
    expect(timelineInForce(t, -50).map((e) => e.tempoBpm)).toEqual([100, 120, 90, 80]);
  });

  it("a later entry at the same epoch replaces the earlier (a pending change changed again)", () => {
    expect(timelineInForce([entry(0, 100), entry(4_000, 90), entry(4_000, 95)], 0).map((e) => e.tempoBpm)).toEqual([100, 95]);
  });

  it("refuses nonsense loudly, with the value", () => {
    expect(() => timelineInForce([entry(0, 0)], 0)).toThrow(/tempoBpm must be a positive number, got: 0/);
    expect(() => timelineInForce([entry(0, 100, 4, 2)], 0)).toThrow(/beatUnit must be 4 or 8, got: 2/);
    expect(() => timelineInForce([entry(Number.NaN, 100)], 0)).toThrow(/epochMs must be finite, got: NaN/);
    expect(() => gridFromTimeline([], 0)).toThrow(/at least one entry/);
  });
});

describe("a recording's grid from its timeline: 6/8 at 120, then 90 from a bar line", () => {
  const epochMs = 1_700_000_000_000.25;
  const startedAtMs = epochMs + 7 * 3_000 + 1_234; // bar 7 of the room, 1.234 s in
  const changeAtMs = epochMs + 10 * 3_000;
  const grid = gridFromTimeline([entry(epochMs, 120, 6, 8), entry(changeAtMs, 90, 6, 8)], startedAtMs);

  it("bar 0 starts at the bar line at or before the recording start", () => {
    expect(grid.source).toBe("stored");
    expect(grid.originMs).toBeCloseTo(-1_234, 6);
    expect(grid.segments.map((s) => [s.fromMs, s.barAtEpoch])).toEqual([
      [-Infinity, -7],
      [changeAtMs - startedAtMs, 3],
    ]);
  });

  it("bars are numbered through the change; bar starts and bars agree", () => {
    expect(barStartMs(grid, 0)).toBeCloseTo(-1_234, 6);
    expect(barStartMs(grid, 3)).toBeCloseTo(changeAtMs - startedAtMs, 6);
    expect(barStartMs(grid, 4) - barStartMs(grid, 3)).toBeCloseTo(4_000, 6); // 6 eighths at 90
    for (let bar = -2; bar < 8; bar++) expect(barAt(grid, barStartMs(grid, bar) + 1)).toBe(bar);
    expect(barAt(grid, barStartMs(grid, 5))).toBe(5);
    expect(segmentAt(grid, changeAtMs - startedAtMs - 0.001).tempoBpm).toBe(120);
    expect(segmentAt(grid, changeAtMs - startedAtMs).tempoBpm).toBe(90);
  });

  it("hits on the room's beats are 0 ms off; offsets are signed and per grid", () => {
    const rel = (abs: number) => abs - startedAtMs;
    for (let k = 0; k < 12; k++) {
      expect(offsetFromGrid(grid, 8, rel(changeAtMs - k * 500))).toBeCloseTo(0, 3); // ms at 1.7e12: an ulp is 0.00024
      expect(offsetFromGrid(grid, 8, rel(changeAtMs + k * (60_000 / 90)))).toBeCloseTo(0, 3);
    }
    expect(offsetFromGrid(grid, 8, rel(changeAtMs - 500 + 12))).toBeCloseTo(12, 3);
    expect(offsetFromGrid(grid, 8, rel(changeAtMs + 666.6667 - 20))).toBeCloseTo(-20, 3);
    // a quarter note in 6/8 is two eighths: every other beat is a line
    expect(offsetFromGrid(grid, 4, rel(changeAtMs - 500))).toBeCloseTo(-500, 3);
    expect(offsetFromGrid(grid, 16, rel(changeAtMs - 250 + 3))).toBeCloseTo(3, 3);
  });

  it("grid lines: bars, beats and subdivisions on each side of the change", () => {
    const c = changeAtMs - startedAtMs;
    const lines = gridLinesIn(grid, 8, c - 1_000, c + 1_400);
    expect(lines.map((l) => [Math.round(l.atMs - c), l.kind, l.bar])).toEqual([
      [-1_000, 1, 2],
      [-500, 1, 2],
      [0, 2, 3],
      [667, 1, 3],
      [1_333, 1, 3],
    ]);
    expect(gridLinesIn(grid, 16, c - 500, c).map((l) => l.kind)).toEqual([1, 0]);
    expect(gridLinesIn(grid, "bar", -1_234, c + 8_001).map((l) => l.bar)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("labels the tempo changes", () => {
    expect(gridLabel(grid)).toBe("120 → 90 BPM, 6/8");
    expect(gridLabel(gridFromTimeline([entry(0, 100), entry(2_400, 100, 3, 4)], 0))).toBe("100 BPM 4/4 → 100 BPM 3/4");
  });
});

describe("recordingGrid", () => {
  const base = { startedAtMs: 10_000, tempoBpm: 120, beatsPerBar: 4, beatUnit: 4 };
  it("uses the stored timeline, never the hits", () => {
    const hits = [{ strikeAtMs: 10_137, pad: "kick" as const }, { strikeAtMs: 10_637, pad: "kick" as const }];
    const g = recordingGrid({ ...base, timeline: [entry(9_000, 120)], hits });
    expect(g.source).toBe("stored");
    expect(g.originMs).toBe(-1_000);
    expect(offsetFromGrid(g, 4, 137)).toBeCloseTo(137, 9);
  });

  it("fits a grid to the hits when no timeline is stored (recordings made before)", () => {
    const hits = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => ({ strikeAtMs: 10_137 + k * 500, pad: k % 4 === 0 ? ("kick" as const) : ("snare" as const) }));
    for (const timeline of [undefined, null, []]) {
      const g = recordingGrid({ ...base, timeline, hits });
      expect(g.source).toBe("fitted");
      expect(g.originMs).toBeCloseTo(137 - 2_000, 6);
      expect(offsetFromGrid(g, 4, 637)).toBeCloseTo(0, 6);
    }
  });
});

describe("battles are scored on the grid the replay measures against", () => {
  it("a turn's median offset equals the replay's offsets of the same hits", () => {
    const epochMs = 1_000_000.5;
    const grid = { tempoBpm: 90, beatsPerBar: 6, beatUnit: 8, epochMs };
    const cfg: BattleConfig = { id: "b", players: ["ada", "bo"], barsPerTurn: 2, rounds: 1, subdivision: 16, startAtMs: epochMs + 4 * 4_000, grid };
    const turn = turns(cfg)[0]!;
    const hits = [3, -7, 11, 0, -2, 5].map((off, i) => ({ strikeAtMs: turn.startMs + i * 333.3333 + off, velocity: 0.7 }));
    const score = scoreTurn(cfg, turn, hits);
    const startedAtMs = epochMs + 2_345;
    const replayGrid = gridFromTimeline([{ ...grid, groove: "none" }], startedAtMs);
    const offsets = hits.map((h) => offsetFromGrid(replayGrid, cfg.subdivision, h.strikeAtMs - startedAtMs)).sort((a, b) => a - b);
    expect(score.medianOffsetMs).toBeCloseTo(median(offsets), 9);
  });
});
