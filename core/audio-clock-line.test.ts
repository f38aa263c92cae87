import { describe, expect, it } from "vitest";
import { AudioClockLine } from "./audio-clock-line";
import { seededRng } from "./rng";

describe("AudioClockLine", () => {
  it("averages away the scatter of pairs refreshed once per 100 ms callback", () => {
    const rng = seededRng(7);
    const trueOffsetMs = 12_345.678; // performance.now() − contextTime·1000
    const line = new AudioClockLine();
    let worstSingleMs = 0;
    for (let k = 0; k < 40; k++) {
      const contextTimeS = 1 + k * 0.1;
      const scatterMs = (rng() - 0.5) * 9; // ±4.5 ms, as measured with latencyHint 0.1
      line.add(contextTimeS, contextTimeS * 1000 + trueOffsetMs + scatterMs);
      line.add(contextTimeS, contextTimeS * 1000 + trueOffsetMs + scatterMs); // the same pair read again
      worstSingleMs = Math.max(worstSingleMs, Math.abs(scatterMs));
    }
    expect(worstSingleMs).toBeGreaterThan(3);
    expect(line.pairCount).toBeLessThanOrEqual(21); // 2 s of distinct pairs
    expect(Math.abs(line.offsetMs! - trueOffsetMs)).toBeLessThan(1.2);
    expect(line.toContextS(line.toPerfMs(3.25)!)).toBeCloseTo(3.25, 9);
  });

  it("starts again after a glitch instead of averaging across it", () => {
    const line = new AudioClockLine();
    for (let k = 0; k < 10; k++) line.add(k * 0.01, 1_000 + k * 10);
    line.add(0.2, 1_000 + 200 + 80); // the audio clock fell 80 ms behind (an underrun)
    expect(line.pairCount).toBe(1);
    expect(line.offsetMs).toBeCloseTo(1_080, 9);
  });

  it("knows nothing before the first pair, and ignores pairs with no time yet", () => {
    const line = new AudioClockLine();
    line.add(0, 0);
    expect(line.offsetMs).toBeNull();
    expect(line.toPerfMs(1)).toBeNull();
  });

  /** pairs as "interactive" gives them: one per 10 ms callback, ±0.1 ms */
  const interactive = (line: AudioClockLine, rng: () => number, fromS: number, n: number, offsetMs: number) => {
    for (let k = 0; k < n; k++) {
      const c = fromS + k * 0.01;
      line.add(c, c * 1000 + offsetMs + (rng() - 0.5) * 0.2);
    }
  };

  it("follows a step of one callback within two pairs (a skipped render callback: bench:e2e saw −9.8 ms)", () => {
    const rng = seededRng(3);
    const line = new AudioClockLine();
    interactive(line, rng, 1, 300, 1_161.68);
    expect(line.offsetMs!).toBeCloseTo(1_161.68, 1);
    interactive(line, rng, 4, 1, 1_151.88);
    expect(line.offsetMs!).toBeCloseTo(1_161.68, 1); // one pair off the line is held, not averaged in
    interactive(line, rng, 4.01, 1, 1_151.88);
    expect(line.offsetMs!).toBeCloseTo(1_151.88, 1); // the second says step: the fit starts again from both
    expect(line.stepCount).toBe(1);
    interactive(line, rng, 4.02, 300, 1_151.88);
    expect(line.offsetMs!).toBeCloseTo(1_151.88, 1);
  });

  it("drops a single pair off the line", () => {
    const rng = seededRng(4);
    const line = new AudioClockLine();
    interactive(line, rng, 1, 300, 500);
    line.add(4, 4_000 + 500 + 6); // one late performanceTime
    interactive(line, rng, 4.01, 5, 500);
    expect(Math.abs(line.offsetMs! - 500)).toBeLessThan(0.05);
    expect(line.stepCount).toBe(0);
  });

  it("does not take the scatter of 100 ms callbacks for steps", () => {
    const rng = seededRng(5);
    const line = new AudioClockLine();
    for (let k = 0; k < 600; k++) {
      const c = 1 + k * 0.1;
      line.add(c, c * 1000 + 2_000 + (rng() - 0.5) * 9);
    }
    expect(line.stepCount).toBe(0);
    expect(line.pairCount).toBeGreaterThanOrEqual(15); // still averaging ~2 s of pairs
    expect(Math.abs(line.offsetMs! - 2_000)).toBeLessThan(1.5);
  });
});
