import { describe, expect, it } from "vitest";
import { ClockDiscipline } from "./clock-discipline";

describe("ClockDiscipline", () => {
  it("applies the first estimate at once, then slews a 2 ms correction at 1 ms/s", () => {
    const d = new ClockDiscipline();
    expect(d.offsetAt(0, 100)).toBe(100);
    expect(d.offsetAt(500, 102)).toBeCloseTo(100.5, 9);
    // consecutive 16ths (150 ms apart) move by at most 0.15 ms against each other
    const a = d.offsetAt(650, 102);
    expect(a - 100.5).toBeCloseTo(0.15, 9);
    expect(d.offsetAt(5_000, 102)).toBe(102);
    expect(d.steps).toBe(0);
  });

  it("steps at once for a large change (a route change), and counts it", () => {
    const d = new ClockDiscipline();
    d.offsetAt(0, 100);
    expect(d.offsetAt(10, 140)).toBe(140);
    expect(d.steps).toBe(1);
  });

  it("does not move for queries in the past (an input event's timestamp)", () => {
    const d = new ClockDiscipline();
    d.offsetAt(1_000, 100);
    d.offsetAt(2_000, 101);
    expect(d.offsetAt(1_500, 103)).toBeCloseTo(101, 9);
    expect(d.offsetAt(2_100, 103)).toBeCloseTo(101.1, 9);
  });
});
