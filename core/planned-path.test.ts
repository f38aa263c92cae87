import { describe, expect, it } from "vitest";
import { OutputPathMeter } from "./audio-deadline";
import { PlannedOutputPath } from "./planned-path";
import { seededRng, type Rng } from "./rng";

/**
 * Readings as a browser gives them: a sawtooth (the path jumps by one callback when the render
 * thread runs, then falls until the next) on a clock line that wanders slowly by ±wanderMs, read
 * on every 25 ms scheduler tick and on hits in between.
 */
function readings(rng: Rng, o: { pathMs: number; callbackMs: number; wanderMs: number; seconds: number; startMs?: number }): { atMs: number; ms: number }[] {
  const out: { atMs: number; ms: number }[] = [];
  const phase = rng() * o.callbackMs;
  const start = o.startMs ?? 0;
  for (let t = start; t < start + o.seconds * 1000; t += 25 * (0.3 + rng())) {
    const sawMs = o.callbackMs - ((t + phase) % o.callbackMs); // callbackMs just after a callback, ~0 just before the next
    const wander = o.wanderMs * Math.sin((2 * Math.PI * t) / 7_000 + phase);
    out.push({ atMs: t, ms: o.pathMs + sawMs + wander });
  }
  return out;
}

describe("PlannedOutputPath", () => {
  it("has nothing before the first valid reading and ignores readings outside [0, 1 s]", () => {
    const p = new PlannedOutputPath();
    expect(p.ms).toBeNull();
    for (const bad of [Number.NaN, -0.1, 1_000.1, Infinity]) p.add(bad, 0);
    expect(p.ms).toBeNull();
    p.add(42, 0);
    expect(p.ms).toBe(43); // one reading: the minimum headroom
  });

  for (const device of [
    { name: "interactive (10 ms callbacks)", pathMs: 31, callbackMs: 10, wanderMs: 1, oldMoved: false },
    { name: "0.05 s buffers (50 ms callbacks)", pathMs: 155, callbackMs: 50, wanderMs: 3, oldMoved: true },
    { name: "0.1 s buffers (100 ms callbacks)", pathMs: 292, callbackMs: 100, wanderMs: 4, oldMoved: true },
  ]) {
    it(`${device.name}: covers the readings, settles within seconds, then holds still`, () => {
      const rng = seededRng(device.callbackMs);
      const rs = readings(rng, { ...device, seconds: 120 });
      const planned = new PlannedOutputPath();
      const old = new OutputPathMeter(400); // the plan before: the largest of the last 400 readings (~10 s)
      let plannedMoves = 0;
      let oldMoves = 0;
      let prevPlanned: number | null = null;
      let prevOld: number | null = null;
      let above = 0;
      for (const r of rs) {
        planned.add(r.ms, r.atMs);
        old.add(r.ms);
        if (r.atMs < 3_000) expect(planned.ms!).toBeGreaterThanOrEqual(r.ms); // learning: rises at once
        else if (r.ms > planned.ms!) {
          // later a rise waits riseAfterMs: the wander may top it for that long, by a fraction of a ms
          above++;
          expect(r.ms - planned.ms!).toBeLessThan(device.wanderMs);
        }
        if (r.atMs >= 10_000) {
          if (prevPlanned !== null && planned.ms !== prevPlanned) plannedMoves++;
          if (prevOld !== null && old.ms !== prevOld && Math.abs(old.ms! - prevOld) > 0.5) oldMoves++;
        }
        prevPlanned = planned.ms;
        prevOld = old.ms;
      }
      expect(plannedMoves).toBe(0);
      expect(above / rs.length).toBeLessThan(0.01);
      // what the playout followed before (with short callbacks the 10 s maximum held still too)
      if (device.oldMoved) expect(oldMoves).toBeGreaterThan(0);
      // and it costs little: within the sawtooth's top + wander + a tenth of a callback + 1 ms
      const top = Math.max(...rs.map((r) => r.ms));
      expect(planned.ms!).toBeLessThanOrEqual(top + 0.1 * (device.callbackMs + 2 * device.wanderMs) + 1 + 1e-9);
    });
  }

  it("rises once the path has grown for a second (a Bluetooth headset), and falls only after readings stayed well below for 30 s", () => {
    const rng = seededRng(7);
    const p = new PlannedOutputPath();
    for (const r of readings(rng, { pathMs: 31, callbackMs: 10, wanderMs: 0.5, seconds: 20 })) p.add(r.ms, r.atMs);
    const before = p.ms!;
    expect(before).toBeLessThan(45);
    const bluetooth = readings(rng, { pathMs: 180, callbackMs: 10, wanderMs: 0.5, seconds: 20, startMs: 20_000 });
    let roseAtMs: number | null = null;
    for (const r of bluetooth) {
      p.add(r.ms, r.atMs);
      if (roseAtMs === null && p.ms! > before) roseAtMs = r.atMs;
      if (roseAtMs !== null) expect(p.ms!).toBeGreaterThanOrEqual(r.ms);
    }
    expect(roseAtMs! - 20_000).toBeGreaterThanOrEqual(1_000);
    expect(roseAtMs! - 20_000).toBeLessThan(1_100);
    const high = p.ms!;
    expect(high).toBeGreaterThan(180);
    // back to the speaker: 20 s later the plan still covers the headset, 45 s later it does not
    const speaker = readings(rng, { pathMs: 31, callbackMs: 10, wanderMs: 0.5, seconds: 60, startMs: 40_000 });
    let at30: number | null = null;
    for (const r of speaker) {
      p.add(r.ms, r.atMs);
      if (at30 === null && r.atMs >= 60_000) at30 = p.ms;
    }
    expect(at30).toBe(high);
    expect(p.ms!).toBeLessThan(50);
    expect(p.changes.falls).toBe(1);
  });

  it("does not take a short excursion for a new path (bench:e2e direct: readings 27–42 ms, then 47–50 ms for 0.5 s)", () => {
    const rng = seededRng(11);
    const p = new PlannedOutputPath();
    for (const r of readings(rng, { pathMs: 31, callbackMs: 10, wanderMs: 0.5, seconds: 20 })) p.add(r.ms, r.atMs);
    const before = p.ms!;
    const risesBefore = p.changes.rises;
    const excursion = readings(rng, { pathMs: 39, callbackMs: 10, wanderMs: 0, seconds: 0.5, startMs: 20_000 });
    for (const r of excursion) p.add(r.ms, r.atMs);
    expect(Math.max(...excursion.map((r) => r.ms))).toBeGreaterThan(before + 5);
    for (const r of readings(rng, { pathMs: 31, callbackMs: 10, wanderMs: 0.5, seconds: 20, startMs: 20_500 })) p.add(r.ms, r.atMs);
    expect(p.ms).toBe(before);
    expect(p.changes.rises).toBe(risesBefore);
  });

  it("an excursion that lasts (readings above the plan with no gap of a second) is a new path", () => {
    const rng = seededRng(12);
    const p = new PlannedOutputPath();
    for (const r of readings(rng, { pathMs: 31, callbackMs: 10, wanderMs: 0.5, seconds: 20 })) p.add(r.ms, r.atMs);
    const before = p.ms!;
    // two half-second excursions 0.8 s apart: above the plan from 20.0 s to 21.3 s with a 0.8 s gap
    for (const start of [20_000, 20_800]) for (const r of readings(rng, { pathMs: 39, callbackMs: 10, wanderMs: 0, seconds: 0.5, startMs: start })) p.add(r.ms, r.atMs);
    expect(p.ms!).toBeGreaterThan(before + 5);
  });

  it("after an ignored excursion, a lasting small rise moves the plan by that much, not to the excursion's top", () => {
    const rng = seededRng(13);
    const p = new PlannedOutputPath();
    for (const r of readings(rng, { pathMs: 31, callbackMs: 10, wanderMs: 0, seconds: 20 })) p.add(r.ms, r.atMs);
    const before = p.ms!;
    for (const r of readings(rng, { pathMs: 39, callbackMs: 10, wanderMs: 0, seconds: 0.5, startMs: 20_000 })) p.add(r.ms, r.atMs);
    expect(p.ms).toBe(before);
    // 2 s later the path grows by 2 ms for good, while the excursion is still in the 10 s window
    for (const r of readings(rng, { pathMs: 33, callbackMs: 10, wanderMs: 0, seconds: 5, startMs: 22_500 })) p.add(r.ms, r.atMs);
    expect(p.ms!).toBeGreaterThan(before + 1);
    expect(p.ms!).toBeLessThan(before + 4);
  });
});
