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
});
