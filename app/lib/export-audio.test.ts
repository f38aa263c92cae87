import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { EXPORT_PEAK, EXPORT_PEAK_DBFS, dbfs, finishMix, finishStems, headroomScale, stemFileName, sumTracks } from "./export-audio";
import { parseWav } from "./wav";

const RATE = 44_100;

/** The peak of a 16-bit WAV as a reader sees it (samples / 32768). */
function wavPeak(bytes: Uint8Array): { peak: number; channels: number; frames: number } {
  const info = parseWav(bytes);
  const pcm = new Int16Array(bytes.buffer.slice(bytes.byteOffset + info.dataOffset, bytes.byteOffset + info.dataOffset + info.dataBytes));
  let peak = 0;
  for (const s of pcm) peak = Math.max(peak, Math.abs(s) / 32_768);
  return { peak, channels: info.channels, frames: info.frames };
}

/** A decaying 100 Hz burst at `atS` with amplitude `amp`, panned (left, right gains). */
function burst(frames: number, atS: number, amp: number, [l, r]: [number, number]): Float32Array[] {
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  const at = Math.round(atS * RATE);
  for (let i = 0; i < 4_410 && at + i < frames; i++) {
    const x = amp * Math.exp(-i / 800) * Math.sin((2 * Math.PI * 100 * i) / RATE + 0.3);
    left[at + i] = x * l;
    right[at + i] = x * r;
  }
  return [left, right];
}

describe("export headroom", () => {
  it("leaves what already has headroom alone; scales anything louder to just under −1 dBFS", () => {
    expect(EXPORT_PEAK_DBFS).toBe(-1);
    expect(headroomScale([0.5, 0.7])).toBe(1);
    expect(headroomScale([])).toBe(1);
    const k = headroomScale([1.6, 0.2]);
    expect(1.6 * k).toBeLessThan(EXPORT_PEAK);
    expect(dbfs(1.6 * k)).toBeCloseTo(-1, 3);
  });

  it("a hot stereo mix comes out as a 2-channel WAV peaking at most −1 dBFS (read back from 16 bits)", () => {
    const channels = burst(RATE, 0.1, 1.7, [0.9, 1]);
    const { wav, peakDbfs, scale } = finishMix(channels, RATE);
    const read = wavPeak(new Uint8Array(wav));
    expect(read.channels).toBe(2);
    expect(dbfs(read.peak)).toBeLessThanOrEqual(-1);
    expect(dbfs(read.peak)).toBeGreaterThan(-1.01);
    expect(peakDbfs).toBeLessThanOrEqual(-1);
    expect(scale).toBeLessThan(1);
  });
});

describe("stems", () => {
  const frames = 2 * RATE;
  // two players whose hits coincide: each alone is under −1 dBFS, their sum is not
  const ada = burst(frames, 0.5, 0.8, [0.6, 0.8]);
  const bo = burst(frames, 0.5, 0.7, [0.8, 0.6]);

  it("one WAV per player in a ZIP: same length, same start, stereo, each and their sum at most −1 dBFS", () => {
    const mixBefore = sumTracks([ada, bo]);
    const r = finishStems(
      [
        { name: "Ada", channels: ada.map((c) => c.slice()) },
        { name: "Bo Diddley!", channels: bo.map((c) => c.slice()) },
      ],
      RATE,
    );
    expect(r.files).toEqual(["01-ada.wav", "02-bo-diddley.wav"]);
    const files = unzipSync(r.zip);
    expect(Object.keys(files)).toEqual(r.files);
    const read = r.files.map((f) => wavPeak(files[f]!));
    for (const w of read) {
      expect(w.channels).toBe(2);
      expect(w.frames).toBe(frames);
      expect(dbfs(w.peak)).toBeLessThanOrEqual(-1);
    }
    // one factor for all: the stems still add up to the mix, which has headroom too
    expect(r.mixPeakDbfs).toBeLessThanOrEqual(-1);
    expect(r.scale).toBeCloseTo(headroomScale([Math.max(...mixBefore.map((c) => c.reduce((m, x) => Math.max(m, Math.abs(x)), 0)))]), 9);
    // same start: both bursts begin on the same frame
    const firstSound = (bytes: Uint8Array) => {
      const info = parseWav(bytes);
      const pcm = new Int16Array(bytes.buffer.slice(bytes.byteOffset + info.dataOffset, bytes.byteOffset + info.dataOffset + info.dataBytes));
      return Math.floor(pcm.findIndex((s) => s !== 0) / 2);
    };
    expect(firstSound(files[r.files[0]!]!)).toBe(firstSound(files[r.files[1]!]!));
  });

  it("refuses an empty export and tracks of different shapes", () => {
    expect(() => finishStems([], RATE)).toThrow(/no stems/);
    expect(() => sumTracks([[new Float32Array(3), new Float32Array(3)], [new Float32Array(3), new Float32Array(4)]])).toThrow(/differ in shape/);
    expect(stemFileName(11, "   ")).toBe("12-player.wav");
  });
});
