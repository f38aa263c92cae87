import { describe, expect, it } from "vitest";
import { encodeWav16, parseWav } from "../app/lib/wav";
import {
  STATUS,
  buildEvents,
  downbeatWeights,
  fitGrid,
  formatClock,
  keySeek,
  listenersWithHearings,
  lowerBound,
  mixEnabled,
  normalizeLoop,
  playerStatsBy,
  positionAt,
  replayDurationMs,
  replayPlayers,
  scheduleUntil,
  selectPlayable,
  startCursor,
  wrapPosition,
  type ReplaySource,
  type GridFit,
  type Transport,
} from "./replay";
import { gridOffsetMs, type Grid } from "./metronome";

/** A fitted grid as a metronome Grid (ms from the recording start), as core/timeline.ts recordingGrid makes it. */
const asGrid = (g: GridFit, beatUnit = 4): Grid => ({ epochMs: g.phaseMs, tempoBpm: 60_000 / g.beatMs, beatsPerBar: g.beatsPerBar, beatUnit });

const T0 = 1_000_000;
const mod2000 = (x: number) => ((x % 2000) + 2000) % 2000;
function rec(over: Partial<ReplaySource> = {}): ReplaySource {
  return {
    startedAtMs: T0,
    endedAtMs: T0 + 3000,
    tempoBpm: 120,
    beatsPerBar: 4,
    participants: [
      { id: "ada", name: "Ada", color: "#f00" },
      { id: "bo", name: "Bo", color: "#0f0" },
    ],
    hits: [
      { participantId: "ada", seq: 1, strikeAtMs: T0 + 100, pad: "kick", velocity: 1 },
      { participantId: "bo", seq: 1, strikeAtMs: T0 + 200, pad: "snare", velocity: 0.5 },
      { participantId: "ada", seq: 2, strikeAtMs: T0 + 300, pad: "hihatClosed", velocity: 0.8 },
      { participantId: "bo", seq: 2, strikeAtMs: T0 + 400, pad: "crash", velocity: 0.7 },
      { participantId: "bo", seq: 3, strikeAtMs: T0 + 500, pad: "ride", velocity: 0.7 },
    ],
    hearings: [
      // Ada heard Bo's hits: #1 on time 120 ms later, #2 late, #3 skipped
      { listenerId: "ada", senderId: "bo", seq: 1, soundedAtMs: T0 + 320, late: false, skipped: false },
      { listenerId: "ada", senderId: "bo", seq: 2, soundedAtMs: T0 + 250, late: true, skipped: false },
      { listenerId: "ada", senderId: "bo", seq: 3, soundedAtMs: T0 + 700, late: false, skipped: true },
      // Bo heard only Ada's first hit
      { listenerId: "bo", senderId: "ada", seq: 1, soundedAtMs: T0 + 220, late: false, skipped: false },
    ],
    ...over,
  };
}

describe("views", () => {
  it("as played: every hit at its strike time, in recording order", () => {
    const ev = buildEvents(rec(), { kind: "played" });
    expect(ev.count).toBe(5);
    expect([...ev.atMs]).toEqual([100, 200, 300, 400, 500]);
    expect([...ev.hit]).toEqual([0, 1, 2, 3, 4]);
    expect([...ev.player]).toEqual([0, 1, 0, 1, 1]);
    expect([...ev.lane]).toEqual([0, 1, 2, 6, 7]);
    expect([...ev.status]).toEqual([0, 0, 0, 0, 0]);
  });

  it("as a listener heard it: own hits at strike, others at when they sounded, re-sorted", () => {
    const ev = buildEvents(rec(), { kind: "heard", listenerId: "ada" });
    // Ada's hits at 100 and 300; Bo's #2 sounded at 250 (late), #1 at 320, #3 skipped (kept at strike 500)
    expect([...ev.atMs]).toEqual([100, 250, 300, 320, 500]);
    expect([...ev.hit]).toEqual([0, 3, 2, 1, 4]);
    expect([...ev.status]).toEqual([STATUS.played, STATUS.late, STATUS.played, STATUS.played, STATUS.skipped]);
    expect([...ev.strikeMs]).toEqual([100, 400, 300, 200, 500]);
  });

  it("hits with no hearing from the listener are unheard, not played", () => {
    const ev = buildEvents(rec(), { kind: "heard", listenerId: "bo" });
    const statusOfHit = new Map([...ev.hit].map((h, k) => [h, ev.status[k]]));
    expect(statusOfHit.get(0)).toBe(STATUS.played);
    expect(statusOfHit.get(2)).toBe(STATUS.unheard);
    expect(statusOfHit.get(1)).toBe(STATUS.played); // Bo's own
    const playable = selectPlayable(ev, [true, true]);
    expect([...playable.atMs]).toEqual([200, 220, 400, 500]);
  });

  it("missing hearings are an empty list; listeners with hearings are offered", () => {
    const r = rec({ hearings: undefined });
    expect(listenersWithHearings(r)).toEqual([]);
    expect(listenersWithHearings(rec()).sort()).toEqual(["ada", "bo"]);
    const ev = buildEvents(r, { kind: "heard", listenerId: "ada" });
    expect([...ev.status].filter((s) => s === STATUS.unheard)).toHaveLength(3);
  });

  it("players only seen in hits get a placeholder", () => {
    const r = rec();
    r.hits = [...r.hits, { participantId: "ghost", seq: 1, strikeAtMs: T0 + 600, pad: "kick", velocity: 1 }];
    const players = replayPlayers(r);
    expect(players.map((p) => p.id)).toEqual(["ada", "bo", "ghost"]);
    expect(buildEvents(r, { kind: "played" }, players).player[5]).toBe(2);
  });

  it("duration covers the recording and anything that sounded after it", () => {
    expect(replayDurationMs(rec())).toBe(3000);
    expect(replayDurationMs(rec({ endedAtMs: null }))).toBe(1000); // last strike (500) + 500
    expect(replayDurationMs(rec({ endedAtMs: T0 + 100, hearings: [] }))).toBe(1000);
  });
});

describe("mix", () => {
  it("solo restricts to soloed players, mute always wins", () => {
    expect(mixEnabled([false, false], [false, false])).toEqual([true, true]);
    expect(mixEnabled([true, false], [false, false])).toEqual([false, true]);
    expect(mixEnabled([false, false], [true, false])).toEqual([true, false]);
    expect(mixEnabled([true, false], [true, false])).toEqual([false, false]);
    expect(mixEnabled([false, false, false], [true, false, true])).toEqual([true, false, true]);
  });

  it("selectPlayable keeps enabled players' audible events in time order", () => {
    const ev = buildEvents(rec(), { kind: "played" });
    expect([...selectPlayable(ev, [false, true]).atMs]).toEqual([200, 400, 500]);
    expect([...selectPlayable(ev, [true, false]).index]).toEqual([0, 2]);
    const heard = buildEvents(rec(), { kind: "heard", listenerId: "ada" });
    expect([...selectPlayable(heard, [true, true]).atMs]).toEqual([100, 250, 300, 320]); // skipped one is silent
  });

  it("lowerBound", () => {
    const a = [1, 2, 2, 5];
    expect(lowerBound(a, 0)).toBe(0);
    expect(lowerBound(a, 2)).toBe(1);
    expect(lowerBound(a, 3)).toBe(3);
    expect(lowerBound(a, 6)).toBe(4);
  });
});

describe("transport", () => {
  const ev = buildEvents(rec(), { kind: "played" });
  const all = selectPlayable(ev, [true, true]);
  const base: Transport = { originAudioS: 10, originPosMs: 0, speed: 1, loop: null, durationMs: 3000 };

  it("maps position to audio time at speed 1, 0.5 and 2", () => {
    for (const speed of [1, 0.5, 2]) {
      const t = { ...base, speed };
      const due = scheduleUntil(t, all, startCursor(t, all), Infinity);
      expect(due.map((d) => d.atMs)).toEqual([100, 200, 300, 400, 500]);
      for (const d of due) expect(d.audioTime).toBeCloseTo(10 + d.atMs / 1000 / speed, 12);
      expect(positionAt(t, 10 + 1 / speed).posMs).toBeCloseTo(1000, 9);
    }
  });

  it("hands out each event once, only within the horizon, from the seek position", () => {
    const t = { ...base, originPosMs: 250 };
    const c = startCursor(t, all);
    expect(scheduleUntil(t, all, c, 10.0).map((d) => d.atMs)).toEqual([]);
    expect(scheduleUntil(t, all, c, 10.06).map((d) => d.atMs)).toEqual([300]);
    expect(scheduleUntil(t, all, c, 10.06)).toEqual([]);
    expect(scheduleUntil(t, all, c, 100).map((d) => d.atMs)).toEqual([400, 500]);
  });

  it("ends at the duration; before the origin it reports the origin", () => {
    expect(positionAt(base, 9)).toEqual({ posMs: 0, ended: false });
    expect(positionAt(base, 13)).toEqual({ posMs: 3000, ended: true });
    expect(positionAt(base, 12.9).ended).toBe(false);
  });

  it("loops: wraps the position and schedules lap after lap with continuous audio times", () => {
    const loop = normalizeLoop(450, 150, 3000)!;
    expect(loop).toEqual({ startMs: 150, endMs: 450 });
    const t: Transport = { ...base, loop };
    const c = startCursor(t, all);
    const due = scheduleUntil(t, all, c, 10 + 1.05);
    // lap 0 from 0: 100 200 300 400; lap 1 starts at audio 10.45: 200→10.5, 300→10.6, 400→10.7; lap 2 at 10.75: 200→10.8 ...
    expect(due.map((d) => d.atMs)).toEqual([100, 200, 300, 400, 200, 300, 400, 200, 300, 400]);
    const audio = due.map((d) => +d.audioTime.toFixed(9));
    expect(audio).toEqual([10.1, 10.2, 10.3, 10.4, 10.5, 10.6, 10.7, 10.8, 10.9, 11.0]);
    expect(positionAt(t, 10.5).posMs).toBeCloseTo(200, 9);
    expect(positionAt(t, 10.75).posMs).toBeCloseTo(150, 9);
    expect(positionAt(t, 100).ended).toBe(false);
    expect(wrapPosition(t, 449)).toBe(449);
    expect(wrapPosition(t, 450)).toBe(150);
    expect(wrapPosition(t, 1050)).toBe(150);
  });

  it("a loop at speed 2 takes half the audio time per lap; starting after the loop plays on to the end", () => {
    const t: Transport = { ...base, speed: 2, loop: { startMs: 150, endMs: 450 } };
    const due = scheduleUntil(t, all, startCursor(t, all), 10 + 0.4);
    expect(due.map((d) => +d.audioTime.toFixed(9))).toEqual([10.05, 10.1, 10.15, 10.2, 10.25, 10.3, 10.35, 10.4]);
    const after: Transport = { ...t, originPosMs: 460 };
    expect(scheduleUntil(after, all, startCursor(after, all), 100).map((d) => d.atMs)).toEqual([500]);
    expect(positionAt(after, 100).ended).toBe(true);
  });

  it("an empty loop region does not spin", () => {
    const t: Transport = { ...base, loop: { startMs: 1000, endMs: 1200 } };
    expect(scheduleUntil(t, all, startCursor(t, all), 20).map((d) => d.atMs)).toEqual([100, 200, 300, 400, 500]);
    expect(normalizeLoop(10, 50, 3000)).toBeNull();
    expect(normalizeLoop(2900, 4000, 3000)).toEqual({ startMs: 2900, endMs: 3000 });
  });

  it("keyboard seeking", () => {
    const o = { shift: false, beatMs: 500, durationMs: 3000 };
    expect(keySeek(1500, "ArrowRight", o)).toBe(2500);
    expect(keySeek(1500, "ArrowLeft", o)).toBe(500);
    expect(keySeek(1500, "ArrowLeft", { ...o, shift: true })).toBe(1000);
    expect(keySeek(1500, "PageUp", o)).toBe(3000);
    expect(keySeek(1500, "Home", o)).toBe(0);
    expect(keySeek(1500, "End", o)).toBe(3000);
    expect(keySeek(1500, "a", o)).toBeNull();
  });
});

describe("grid and tightness", () => {
  it("fits the grid phase to hits on 8ths with an arbitrary offset, bar line on the busiest beat", () => {
    // 120 BPM: beat 500 ms. Bar lines at 37 + 2000k; kicks on every bar line, hats on 8ths.
    const strikes: number[] = [];
    for (let bar = 0; bar < 8; bar++) {
      strikes.push(37 + bar * 2000, 37 + bar * 2000);
      for (let e = 0; e < 8; e++) strikes.push(37 + bar * 2000 + e * 250);
    }
    const g = fitGrid(strikes, 120, 4);
    expect(g.beatMs).toBe(500);
    expect(g.phaseMs).toBeCloseTo(37, 6);
    expect(g.strength).toBeCloseTo(1, 9);
    for (const s of strikes) expect(gridOffsetMs(asGrid(g), 8, s)).toBeCloseTo(0, 6);
  });

  it("the kick decides the beat and the bar line when other hits are ambiguous", () => {
    // the e2e pattern: hats on 8ths with kicks every 2 beats at 400 ms, snares at 900 ms (+ 1000k), toms at 1275 ms (+ 1000k)
    const strikes: number[] = [];
    const lanes: number[] = [];
    for (let k = 0; k < 12; k++) {
      strikes.push(400 + 250 * k);
      lanes.push(k % 4 === 0 ? 0 : 2);
    }
    for (let k = 0; k < 3; k++) {
      strikes.push(900 + 1000 * k, 1275 + 1000 * k);
      lanes.push(1, 4);
    }
    const weights = downbeatWeights({ count: strikes.length, lane: Uint8Array.from(lanes) });
    const g = fitGrid(strikes, 120, 4, weights);
    expect(mod2000(g.phaseMs - 400)).toBeCloseTo(0, 6);
    expect(Math.abs(gridOffsetMs(asGrid(g), 4, 400))).toBeLessThan(1e-6);
  });

  it("offsets are signed, from the nearest line of the chosen subdivision (a note value)", () => {
    const g: Grid = { epochMs: 0, tempoBpm: 120, beatsPerBar: 4 };
    expect(gridOffsetMs(g, 4, 510)).toBeCloseTo(10, 9);
    expect(gridOffsetMs(g, 4, 490)).toBeCloseTo(-10, 9);
    expect(gridOffsetMs(g, 4, 240)).toBeCloseTo(240, 9);
    expect(gridOffsetMs(g, 8, 240)).toBeCloseTo(-10, 9);
    expect(gridOffsetMs(g, 16, 130)).toBeCloseTo(5, 9);
    // halfway between two lines counts as early: offsets are in [-step/2, step/2)
    expect(gridOffsetMs(g, 4, 250)).toBeCloseTo(-250, 9);
    expect(gridOffsetMs(g, 4, -250)).toBeCloseTo(-250, 9);
  });

  it("subdivisions are note values whatever the beat unit: a quarter in 6/8 is every other beat", () => {
    const g: Grid = { epochMs: 0, tempoBpm: 240, beatsPerBar: 6, beatUnit: 8 };
    expect(gridOffsetMs(g, 4, 480)).toBeCloseTo(-20, 9);
    expect(gridOffsetMs(g, 8, 480)).toBeCloseTo(-20, 9);
    expect(gridOffsetMs(g, 4, 240)).toBeCloseTo(240, 9);
    expect(gridOffsetMs(g, 8, 240)).toBeCloseTo(-10, 9);
  });

  it("per-player stats: counts, median and IQR of offsets; late/skipped/unheard in a heard view", () => {
    const g: Grid = { epochMs: 0, tempoBpm: 600, beatsPerBar: 4 };
    const offset = (atMs: number) => gridOffsetMs(g, 4, atMs);
    const played = playerStatsBy(buildEvents(rec(), { kind: "played" }), 2, offset);
    expect(played.map((s) => s.hits)).toEqual([2, 3]);
    expect(played[0]!.medianMs).toBeCloseTo(0, 9);
    expect(played[0]!.iqrMs).toBeCloseTo(0, 9);
    const heard = playerStatsBy(buildEvents(rec(), { kind: "heard", listenerId: "ada" }), 2, offset);
    expect(heard[1]).toMatchObject({ hits: 3, sounded: 2, late: 1, skipped: 1, unheard: 0 });
    // Bo's sounded offsets at 100 ms grid: 320 → 20, 250 → -50 (nearest line 300 − 50? 250 is halfway: [-50, 50) → -50)
    expect(heard[1]!.medianMs).toBeCloseTo(-15, 9);
    expect(heard[1]!.iqrMs).toBeCloseTo(35, 9);
    const bo = playerStatsBy(buildEvents(rec(), { kind: "heard", listenerId: "bo" }), 2, offset);
    expect(bo[0]).toMatchObject({ hits: 2, sounded: 1, unheard: 1 });
  });

  it("handles 100,000 hits quickly", () => {
    const hits = Array.from({ length: 100_000 }, (_, i) => ({
      participantId: i % 2 ? "ada" : "bo",
      seq: Math.floor(i / 2) + 1,
      strikeAtMs: T0 + i * 60 + (i % 7),
      pad: "snare" as const,
      velocity: 0.8,
    }));
    const hearings = hits
      .filter((h) => h.participantId === "bo")
      .map((h) => ({ listenerId: "ada", senderId: "bo", seq: h.seq, soundedAtMs: h.strikeAtMs + 120 + (h.seq % 13), late: false, skipped: false }));
    const r = rec({ hits, hearings, endedAtMs: T0 + 6_000_100 });
    const t0 = performance.now();
    const ev = buildEvents(r, { kind: "heard", listenerId: "ada" });
    const g = fitGrid(ev.strikeMs, 120, 4);
    playerStatsBy(ev, 2, (atMs) => gridOffsetMs(asGrid(g), 16, atMs));
    const p = selectPlayable(ev, [true, true]);
    const ms = performance.now() - t0;
    expect(p.atMs.length).toBe(100_000);
    let sorted = true;
    for (let i = 1; i < p.atMs.length; i++) if (p.atMs[i]! < p.atMs[i - 1]!) sorted = false;
    expect(sorted).toBe(true);
    expect(ms).toBeLessThan(1500);
  });
});

describe("wav", () => {
  it("encodes 16-bit PCM stereo with a correct RIFF header", () => {
    const l = new Float32Array([0, 1, -1, 0.5, 2]);
    const r = new Float32Array([0, -0.5, 0.25, -2, NaN]);
    const buf = encodeWav16([l, r], 44100);
    expect(buf.byteLength).toBe(44 + 5 * 4);
    const info = parseWav(buf);
    expect(info).toMatchObject({ audioFormat: 1, channels: 2, sampleRate: 44100, bitsPerSample: 16, dataBytes: 20, frames: 5, dataOffset: 44 });
    expect(info.durationS).toBeCloseTo(5 / 44100, 12);
    const v = new DataView(buf);
    expect(String.fromCharCode(...new Uint8Array(buf, 0, 4))).toBe("RIFF");
    expect(v.getUint32(4, true)).toBe(buf.byteLength - 8);
    expect(v.getUint32(28, true)).toBe(44100 * 4);
    expect(v.getUint16(32, true)).toBe(4);
    const s = (i: number) => v.getInt16(44 + 2 * i, true);
    expect([s(0), s(1), s(2), s(3), s(4), s(5), s(6), s(7), s(8), s(9)]).toEqual([0, 0, 32767, -16384, -32768, 8192, 16384, -32768, 32767, 0]);
  });

  it("encodes mono; rejects bad input; parse rejects non-WAV", () => {
    const info = parseWav(encodeWav16([new Float32Array(48000)], 48000));
    expect(info).toMatchObject({ channels: 1, sampleRate: 48000, frames: 48000, durationS: 1 });
    expect(() => encodeWav16([], 44100)).toThrow();
    expect(() => encodeWav16([new Float32Array(2), new Float32Array(3)], 44100)).toThrow();
    expect(() => parseWav(new Uint8Array(44))).toThrow();
  });
});

describe("formatting", () => {
  it("formats clock times", () => {
    expect(formatClock(0)).toBe("0:00");
    expect(formatClock(61_500, true)).toBe("1:01.5");
    expect(formatClock(3_723_000)).toBe("1:02:03");
  });
});
