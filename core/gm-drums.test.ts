import { describe, expect, it } from "vitest";
import { parseMidiDrumMessage } from "./gm-drums";

describe("parseMidiDrumMessage", () => {
  it.each([
    [36, "kick"], [38, "snare"], [40, "snare"], [42, "hihatClosed"], [44, "hihatClosed"], [46, "hihatOpen"],
    [41, "tomLow"], [43, "tomLow"], [45, "tomLow"], [47, "tomHigh"], [48, "tomHigh"], [50, "tomHigh"],
    [49, "crash"], [57, "crash"], [51, "ride"], [59, "ride"],
  ])("maps GM note %i to %s", (note, pad) => {
    expect(parseMidiDrumMessage([0x99, note, 100])?.pad).toBe(pad);
  });

  it("keeps velocity and channel", () => {
    expect(parseMidiDrumMessage([0x90, 36, 127])).toEqual({ pad: "kick", velocity: 1, note: 36, channel: 0 });
    expect(parseMidiDrumMessage([0x99, 38, 64])!.velocity).toBeCloseTo(64 / 127);
  });

  it("ignores note-offs, note-on with velocity 0, unmapped notes and other messages", () => {
    expect(parseMidiDrumMessage([0x89, 36, 64])).toBeNull();
    expect(parseMidiDrumMessage([0x99, 36, 0])).toBeNull();
    expect(parseMidiDrumMessage([0x99, 60, 100])).toBeNull();
    expect(parseMidiDrumMessage([0xf8])).toBeNull();
    expect(parseMidiDrumMessage([0xb9, 7, 100])).toBeNull();
  });
});
