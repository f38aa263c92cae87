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
    it(`${device.name}: covers every reading, settles within seconds, then holds still`, () => {
      const rng = seededRng(device.callbackMs);
      const rs = readings(rng, { ...device, seconds: 120 });
      const planned = new PlannedOutputPath();
      const old = new OutputPathMeter(400); // the plan before: the largest of the last 400 readings (~10 s)
      let plannedMoves = 0;
      let oldMoves = 0;
      let prevPlanned: number | null = null;
      let prevOld: number | null = null;
      for (const r of rs) {
        planned.add(r.ms, r.atMs);
        old.add(r.ms);
        expect(planned.ms!).toBeGreaterThanOrEqual(r.ms); // never optimistic
        if (r.atMs >= 10_000) {
          if (prevPlanned !== null && planned.ms !== prevPlanned) plannedMoves++;
          if (prevOld !== null && old.ms !== prevOld && Math.abs(old.ms! - prevOld) > 0.5) oldMoves++;
        }
        prevPlanned = planned.ms;
        prevOld = old.ms;
      }
      expect(plannedMoves).toBe(0);
      // what the playout followed before (with short callbacks the 10 s maximum held still too)
      if (device.oldMoved) expect(oldMoves).toBeGreaterThan(0);
      // and it costs little: within the sawtooth's top + wander + a tenth of a callback + 1 ms
      const top = Math.max(...rs.map((r) => r.ms));
      expect(planned.ms!).toBeLessThanOrEqual(top + 0.1 * (device.callbackMs + 2 * device.wanderMs) + 1 + 1e-9);
    });
  }

  it("rises at once when the path grows (a Bluetooth headset), and falls only after readings stayed well below for 30 s", () => {
    const rng = seededRng(7);
    const p = new PlannedOutputPath();
    for (const r of readings(rng, { pathMs: 31, callbackMs: 10, wanderMs: 0.5, seconds: 20 })) p.add(r.ms, r.atMs);
    const before = p.ms!;
    expect(before).toBeLessThan(45);
    const bluetooth = readings(rng, { pathMs: 180, callbackMs: 10, wanderMs: 0.5, seconds: 20, startMs: 20_000 });
    p.add(bluetooth[0]!.ms, bluetooth[0]!.atMs);
    expect(p.ms!).toBeGreaterThanOrEqual(bluetooth[0]!.ms);
    for (const r of bluetooth) p.add(r.ms, r.atMs);
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
});
