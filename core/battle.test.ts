import { describe, expect, it } from "vitest";
import { battleEndMs, battlePhaseAt, battleResult, scoreTurn, turnAt, turns, type BattleConfig } from "./battle";
import { gaussian, seededRng } from "./rng";

const cfg: BattleConfig = {
  id: "b1",
  players: ["ada", "bo"],
  barsPerTurn: 2,
  rounds: 2,
  subdivision: 16,
  startAtMs: 10_000,
  grid: { tempoBpm: 100, beatsPerBar: 4, epochMs: 10_000 - 2400 * 5 },
};

describe("battle turns on the shared clock", () => {
  it("alternates players every N bars", () => {
    expect(turns(cfg).map((t) => [t.player, t.startMs])).toEqual([
      ["ada", 10_000],
      ["bo", 14_800],
      ["ada", 19_600],
      ["bo", 24_400],
    ]);
    expect(battleEndMs(cfg)).toBe(29_200);
    expect(turnAt(cfg, 9_999)).toBeNull();
    expect(turnAt(cfg, 14_799)?.player).toBe("ada");
    expect(turnAt(cfg, 14_800)?.player).toBe("bo");
    expect(turnAt(cfg, 29_200)).toBeNull();
  });
});

describe("battlePhaseAt: what the battle panel and the turn line show", () => {
  it("counts down whole seconds to the start, waking at each next second", () => {
    expect(battlePhaseAt(cfg, 7_600)).toEqual({ kind: "countdown", secondsLeft: 3, nextSecondInMs: 401 });
    expect(battlePhaseAt(cfg, 9_000)).toEqual({ kind: "countdown", secondsLeft: 1, nextSecondInMs: 1 });
    expect(battlePhaseAt(cfg, 9_999)).toEqual({ kind: "countdown", secondsLeft: 1, nextSecondInMs: 2 });
  });

  it("names the turn in force and the one after it, the last turn's next null", () => {
    const first = battlePhaseAt(cfg, 10_000);
    expect(first.kind === "turn" && [first.turn.player, first.turn.index, first.next?.player]).toEqual(["ada", 0, "bo"]);
    const last = battlePhaseAt(cfg, 29_199);
    expect(last.kind === "turn" && [last.turn.index, last.next]).toEqual([3, null]);
  });

  it("is over from the end on", () => {
    expect(battlePhaseAt(cfg, 29_200)).toEqual({ kind: "over" });
  });
});

describe("scoring", () => {
  const rng = seededRng(8);
  const tight = Array.from({ length: 32 }, (_, i) => ({ strikeAtMs: 10_000 + i * 150 + 4 + gaussian(rng) * 2, velocity: 0.5 + (i % 4) * 0.1 }));
  const loose = Array.from({ length: 32 }, (_, i) => ({ strikeAtMs: 14_800 + i * 150 + gaussian(rng) * 25, velocity: 0.8 }));

  it("scores a turn: hits, median offset, spread, dynamics — only hits inside the turn", () => {
    const t0 = turns(cfg)[0]!;
    const s = scoreTurn(cfg, t0, [...tight, ...loose]);
    expect(s.hits).toBe(32);
    expect(s.medianOffsetMs!).toBeGreaterThan(2);
    expect(s.medianOffsetMs!).toBeLessThan(6);
    expect(s.spreadMs!).toBeLessThan(5);
    expect(s.meanVelocity!).toBeCloseTo(0.65, 5);
    expect(s.velocityRange!).toBeCloseTo(0.3, 5);
    const s1 = scoreTurn(cfg, turns(cfg)[1]!, [...tight, ...loose]);
    expect(s1.spreadMs!).toBeGreaterThan(s.spreadMs! * 3);
    expect(scoreTurn(cfg, turns(cfg)[2]!, [])).toMatchObject({ hits: 0, medianOffsetMs: null });
  });

  it("picks the winner by votes, then by tighter timing", () => {
    const scores = turns(cfg).map((t) => scoreTurn(cfg, t, [...tight, ...loose]));
    expect(battleResult(cfg, scores, { bo: 3, ada: 1 }).winner).toBe("bo");
    expect(battleResult(cfg, scores, { bo: 2, ada: 2 }).winner).toBe("ada"); // tie → tighter
    expect(battleResult(cfg, scores.map((s) => ({ ...s, hits: 0 })), {}).winner).toBeNull();
  });
});
