import { describe, expect, it } from "vitest";
import { DEFAULT_MIX, levelToGain, MAX_PARTNERS, parseMix, partnerLevel, withPartner } from "./mix-levels";

describe("mix levels", () => {
  it("maps a fader to gain by its square; muted is silent", () => {
    expect(levelToGain(1)).toBe(1);
    expect(levelToGain(0.5)).toBe(0.25);
    expect(levelToGain({ level: 1, muted: true })).toBe(0);
    expect(levelToGain(7)).toBe(1);
  });

  it("finds a partner by id, else by the name last set, else at unity", () => {
    let mix = withPartner(DEFAULT_MIX, "sam-tab-0001", "Sam", { level: 0.4 }, 1);
    mix = withPartner(mix, "sam-tab-0002", "Sam", { muted: true }, 2);
    expect(partnerLevel(mix, "sam-tab-0001", "Sam")).toMatchObject({ level: 0.4, muted: false });
    // a new tab of Sam's: the latest fader set for "Sam"
    expect(partnerLevel(mix, "sam-tab-0003", "Sam")).toMatchObject({ level: 0.4, muted: true });
    expect(partnerLevel(mix, "kim-tab-0001", "Kim")).toEqual({ level: 1, muted: false });
  });

  it("round-trips through JSON, and reads garbage as the default", () => {
    const mix = { ...withPartner(DEFAULT_MIX, "sam-tab-0001", "Sam", { level: 0.3, muted: true }, 5), master: 0.7, clicks: 0.2 };
    expect(parseMix(JSON.stringify(mix))).toEqual(mix);
    expect(parseMix("{")).toEqual(DEFAULT_MIX);
    expect(parseMix("null")).toEqual(DEFAULT_MIX);
    expect(parseMix(JSON.stringify({ master: 9, clicks: "x", partners: { a: 3 } }))).toEqual(DEFAULT_MIX);
  });

  it("forgets the partners set longest ago beyond MAX_PARTNERS", () => {
    let mix = DEFAULT_MIX;
    for (let i = 0; i <= MAX_PARTNERS; i++) mix = withPartner(mix, `partner-${String(i).padStart(4, "0")}`, `P${i}`, { level: 0.5 }, i);
    expect(Object.keys(mix.partners)).toHaveLength(MAX_PARTNERS);
    expect(mix.partners["partner-0000"]).toBeUndefined();
    expect(mix.partners[`partner-${String(MAX_PARTNERS).padStart(4, "0")}`]).toBeDefined();
  });
});
