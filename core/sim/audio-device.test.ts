import { describe, expect, it } from "vitest";
import { seededRng } from "../rng";
import { AUDIO_DEVICES, SimAudioDevice } from "./audio-device";
import { SIM_START_MS } from "./network";

const headless = AUDIO_DEVICES.headless;

describe("SimAudioDevice (the fake audio path)", () => {
  it("moves currentTime in whole quanta, the output path to a quantum ahead of the speaker", () => {
    const rng = seededRng(1);
    const device = new SimAudioDevice(headless, 0.37);
    let last = -Infinity;
    for (let i = 0; i < 500; i++) {
      const atMs = SIM_START_MS + i * 1.3 + rng();
      const current = device.currentTimeMs(atMs);
      expect(current / device.quantumMs).toBeCloseTo(Math.round(current / device.quantumMs), 6);
      expect(current).toBeGreaterThanOrEqual(last);
      last = current;
      const reading = device.outputPathReadingMs(atMs);
      expect(reading).toBeGreaterThanOrEqual(headless.outputPathMs - 1e-6);
      expect(reading).toBeLessThan(headless.outputPathMs + device.quantumMs + 1e-6);
    }
  });

  it("plays a sound handed in time at its audio time, to the sample", () => {
    const device = new SimAudioDevice(headless, 0.5);
    const nowMs = SIM_START_MS + 10_000;
    const playAtMs = nowMs + 80.004;
    expect(Math.abs(device.play(nowMs, playAtMs) - playAtMs)).toBeLessThanOrEqual(device.sampleMs / 2 + 1e-6);
  });

  it("plays a sound handed too late at the next block boundary, silently late", () => {
    const device = new SimAudioDevice(headless, 0.5);
    const nowMs = SIM_START_MS + 10_000;
    const earliestMs = device.playNow(nowMs);
    // the block being rendered cannot take it: the earliest is currentTime + one quantum
    const boundary = device.currentTimeMs(nowMs) + device.quantumMs;
    expect(device.speakerContextMs(earliestMs)).toBeCloseTo(boundary, 6);
    expect(earliestMs - nowMs).toBeGreaterThanOrEqual(headless.outputPathMs + device.quantumMs - 1e-6);
    // 20 ms ahead on the shared clock, but inside the 42 ms output path: heard at the boundary
    expect(device.play(nowMs, nowMs + 20)).toBeCloseTo(earliestMs, 6);
    // in the past: the same
    expect(device.play(nowMs, nowMs - 5)).toBeCloseTo(earliestMs, 6);
  });

  it("rejects a block phase outside [0, 1)", () => {
    expect(() => new SimAudioDevice(headless, 1)).toThrow(/blockPhase/);
  });
});
