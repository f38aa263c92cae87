import { describe, expect, it } from "vitest";
import { audioLeadMs, DEADLINE_MARGIN_MS, decideDeadline, OutputPathMeter, renderQuantumMs } from "./audio-deadline";
import { seededRng } from "./rng";
import { AUDIO_DEVICE_IDS, AUDIO_DEVICES, SimAudioDevice } from "./sim/audio-device";
import { SIM_START_MS } from "./sim/network";

describe("renderQuantumMs and audioLeadMs", () => {
  it("is 128 samples, and the lead is path + quantum + margin", () => {
    expect(renderQuantumMs(48_000)).toBeCloseTo(2.6667, 4);
    expect(audioLeadMs({ outputPathMs: 42, quantumMs: 2.9 })).toBeCloseTo(42 + 2.9 + DEADLINE_MARGIN_MS, 9);
  });

  it("fails loudly with the value", () => {
    expect(() => renderQuantumMs(0)).toThrow(/got: 0/);
    expect(() => audioLeadMs({ outputPathMs: -1, quantumMs: 2.9 })).toThrow(/-1/);
    expect(() => audioLeadMs({ outputPathMs: Number.NaN, quantumMs: 2.9 })).toThrow(/audio path/);
  });
});

describe("decideDeadline", () => {
  it("is on time when the slot is at least the lead away (the boundary included)", () => {
    expect(decideDeadline(1_100, 1_000, 45)).toEqual({ dueAtMs: 1_100, playAtMs: 1_100, late: false, lateByMs: 0 });
    expect(decideDeadline(1_045, 1_000, 45).late).toBe(false);
  });

  it("plays a slot inside now + lead at now + lead, late by exactly the difference", () => {
    expect(decideDeadline(1_020, 1_000, 45)).toEqual({ dueAtMs: 1_020, playAtMs: 1_045, late: true, lateByMs: 25 });
    // a slot already in the past
    expect(decideDeadline(990, 1_000, 45)).toEqual({ dueAtMs: 990, playAtMs: 1_045, late: true, lateByMs: 55 });
  });
});

describe("OutputPathMeter", () => {
  it("has nothing before the first valid reading and ignores readings outside [0, 1 s]", () => {
    const m = new OutputPathMeter();
    expect(m.ms).toBeNull();
    for (const bad of [Number.NaN, -0.1, 1_000.1, Infinity]) m.add(bad);
    expect(m.ms).toBeNull();
    m.add(42);
    expect(m.ms).toBe(42);
  });

  it("keeps the largest of the last `keep` readings and forgets older ones", () => {
    const m = new OutputPathMeter(3);
    m.add(50);
    m.add(40);
    m.add(41);
    expect(m.ms).toBe(50);
    m.add(42); // 50 leaves the window
    expect(m.ms).toBe(42);
  });

  it("makes a lead that is never optimistic on the simulated devices, whatever the block phase", () => {
    const rng = seededRng(17);
    for (const id of AUDIO_DEVICE_IDS) {
      const device = new SimAudioDevice(AUDIO_DEVICES[id], rng());
      const meter = new OutputPathMeter();
      // the app reads the path on every 25 ms scheduler tick
      for (let t = 0; t < 1_000; t += 25) meter.add(device.outputPathReadingMs(SIM_START_MS + t));
      for (let i = 0; i < 2_000; i++) {
        const nowMs = SIM_START_MS + 1_000 + i * 7.3 + rng();
        const readingMs = device.outputPathReadingMs(nowMs);
        meter.add(readingMs);
        const planLeadMs = audioLeadMs({ outputPathMs: meter.ms!, quantumMs: device.quantumMs });
        const nowLeadMs = audioLeadMs({ outputPathMs: readingMs, quantumMs: device.quantumMs });
        expect(planLeadMs).toBeGreaterThanOrEqual(nowLeadMs - 1e-9);
        // a sound handed now for now + lead is heard then, not later
        for (const leadMs of [planLeadMs, nowLeadMs]) {
          expect(device.play(nowMs, nowMs + leadMs) - (nowMs + leadMs)).toBeLessThanOrEqual(device.sampleMs);
        }
        // and the lead gives away at most a quantum + the margin over the device's earliest
        expect(nowMs + nowLeadMs - device.playNow(nowMs)).toBeLessThanOrEqual(DEADLINE_MARGIN_MS + 1e-6);
        expect(nowMs + planLeadMs - device.playNow(nowMs)).toBeLessThanOrEqual(device.quantumMs + DEADLINE_MARGIN_MS + 1e-6);
      }
    }
  });
});
