import { describe, expect, it } from "vitest";
import { seededRng } from "../../core/rng";
import { FRAME_LEAD_MS, MAX_SLEEP_MS, startFrameWake, type FrameScheduler } from "./frame-wake";

const VSYNC_MS = 1000 / 60;

/** A fake browser: frames on a 60 Hz vsync, timers that fire late by up to `timerSlackMs`. */
class FakeBrowser implements FrameScheduler {
  now = 0;
  frames = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void; frame: boolean }>();
  constructor(private readonly slack: () => number = () => 0) {}
  requestFrame(fn: () => void): number {
    const id = this.nextId++;
    this.pending.set(id, { at: (Math.floor(this.now / VSYNC_MS + 1e-9) + 1) * VSYNC_MS, fn, frame: true });
    return id;
  }
  cancelFrame(id: number): void {
    this.pending.delete(id);
  }
  setTimer(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { at: this.now + ms + this.slack(), fn, frame: false });
    return id;
  }
  clearTimer(id: unknown): void {
    this.pending.delete(id as number);
  }
  get waiting(): number {
    return this.pending.size;
  }
  run(untilMs: number): void {
    for (;;) {
      let first: [number, { at: number; fn: () => void; frame: boolean }] | null = null;
      for (const e of this.pending) if (!first || e[1].at < first[1].at) first = e;
      if (!first || first[1].at > untilMs) break;
      this.pending.delete(first[0]);
      this.now = first[1].at;
      if (first[1].frame) this.frames++;
      first[1].fn();
    }
    this.now = untilMs;
  }
}

describe("startFrameWake", () => {
  it("shows every change in the first frame at or after its time, as a frame-by-frame loop would, in a few frames per change", () => {
    const rng = seededRng(7);
    const fake = new FakeBrowser(() => rng() * 6); // timers up to 6 ms late
    // changes at irregular times (a beat's flash on and off, 120–200 BPM)
    const changes: number[] = [];
    for (let t = 50; t < 20_000; t += 300 + rng() * 200) changes.push(t, t + 120);
    const seenAt: number[] = [];
    let shown = -1;
    startFrameWake(() => {
      const current = changes.filter((c) => c <= fake.now).length - 1;
      if (current !== shown) {
        // every change in between is seen (none skipped), in this frame
        for (let i = shown + 1; i <= current; i++) seenAt.push(fake.now);
        shown = current;
      }
      const next = changes[shown + 1];
      return next === undefined ? Infinity : next - fake.now;
    }, fake);
    fake.run(21_000);
    expect(seenAt).toHaveLength(changes.length);
    changes.forEach((c, i) => {
      const firstFrame = Math.ceil(c / VSYNC_MS) * VSYNC_MS;
      expect(seenAt[i]).toBeCloseTo(c % VSYNC_MS === 0 ? c : firstFrame, 6);
    });
    // a frame-by-frame loop draws 60 a second; this one a few per change and one a second while idle
    expect(fake.frames).toBeLessThan(changes.length * 3 + 25);
    expect(fake.frames).toBeLessThan((21_000 / VSYNC_MS) * 0.25);
  });

  it("sleeps at most MAX_SLEEP_MS when nothing is foreseen, and stop cancels what is pending", () => {
    const fake = new FakeBrowser();
    const ticks: number[] = [];
    const stop = startFrameWake(() => {
      ticks.push(fake.now);
      return Infinity;
    }, fake);
    fake.run(3_500);
    expect(ticks.length).toBe(4); // the first frame, then one per MAX_SLEEP_MS - FRAME_LEAD_MS (+ a frame)
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBeLessThanOrEqual(MAX_SLEEP_MS - FRAME_LEAD_MS + VSYNC_MS);
    stop();
    expect(fake.waiting).toBe(0);
    fake.run(10_000);
    expect(ticks.length).toBe(4);
  });

  it("asks for the next frame at once when the change is nearer than a frame and a lead", () => {
    const fake = new FakeBrowser();
    let n = 0;
    startFrameWake(() => {
      n++;
      return FRAME_LEAD_MS - 1;
    }, fake);
    fake.run(1001);
    expect(n).toBe(60); // every frame of a second at 60 Hz
  });
});
