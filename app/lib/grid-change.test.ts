import { describe, expect, it } from "vitest";
import { describeGridChange, type GridFields } from "./grid-change";

const g: GridFields = { tempoBpm: 100, beatsPerBar: 4, beatUnit: 4, groove: "none" };

describe("describeGridChange", () => {
  it("names each field that changed", () => {
    expect(describeGridChange(g, { ...g, groove: "rock" })).toBe("Rock groove");
    expect(describeGridChange(g, { ...g, tempoBpm: 120, beatsPerBar: 6, beatUnit: 8 })).toBe("120 BPM, 6/8");
    expect(describeGridChange({ ...g, groove: "funk" }, g)).toBe("no backing groove");
  });
  it("is null when nothing audible changed", () => {
    expect(describeGridChange(g, { ...g })).toBeNull();
  });
});
