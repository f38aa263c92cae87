import { describe, expect, it } from "vitest";
import { StrikeHandling } from "./strike-handling";

describe("StrikeHandling", () => {
  it("reports p50/p95 of the last 50 handling delays, ignoring impossible ones", () => {
    const h = new StrikeHandling();
    expect(h.ms).toBeNull();
    h.add(100, 99); // handled before its event: a clock mix-up, not a delay
    h.add(100, 1_200); // a second: a stall, not the page's pace
    expect(h.ms).toBeNull();
    for (let i = 0; i < 100; i++) h.add(i * 100, i * 100 + (i < 50 ? 50 : i % 10));
    expect(h.ms).toEqual({ p50: 4.5, p95: 9 }); // only the last 50 (0–9 ms) count
  });
});
