import { describe, expect, it } from "vitest";
import { median, medianAbsoluteDeviation, quantile, sortedAscending } from "./stats";

describe("quantile (linear interpolation between closest ranks)", () => {
  it("interpolates; q = 0 and 1 are the extremes", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(quantile([10, 20], 0.99)).toBeCloseTo(19.9, 9);
    expect(quantile([7], 0.95)).toBe(7);
  });

  it("agrees with numpy's default (R type 7) on a known vector", () => {
    // numpy.percentile([15, 20, 35, 40, 50], [5, 30, 40, 95]) = [16, 23, 29, 48]
    const xs = [15, 20, 35, 40, 50];
    expect(quantile(xs, 0.05)).toBeCloseTo(16, 9);
    expect(quantile(xs, 0.3)).toBeCloseTo(23, 9);
    expect(quantile(xs, 0.4)).toBeCloseTo(29, 9);
    expect(quantile(xs, 0.95)).toBeCloseTo(48, 9);
  });

  it("infinite values (never reached) stay infinite, never NaN", () => {
    expect(quantile([1, 2, Infinity], 0.5)).toBe(2);
    expect(quantile([1, 2, Infinity], 0.75)).toBe(Infinity);
    expect(quantile([Infinity, Infinity], 0.5)).toBe(Infinity);
    expect(quantile([-Infinity, 3], 0.5)).toBe(-Infinity);
  });

  it("reads typed arrays; empty is NaN", () => {
    expect(quantile(Float64Array.from([1, 3]), 0.5)).toBe(2);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("fails loudly on q outside [0, 1], with the value", () => {
    expect(() => quantile([1], 1.5)).toThrow("q must be within [0, 1], got: 1.5");
    expect(() => quantile([1], NaN)).toThrow(/got: NaN/);
  });
});

describe("median and MAD", () => {
  it("sorts a copy numerically (not as strings)", () => {
    const xs = [10, 9, 100, 2];
    expect(median(xs)).toBe(9.5);
    expect(xs).toEqual([10, 9, 100, 2]);
    expect(sortedAscending([10, 9, 100, 2])).toEqual([2, 9, 10, 100]);
  });

  it("odd and even counts; empty is NaN", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("MAD: one outlier barely moves it", () => {
    expect(medianAbsoluteDeviation([1, 2, 3, 4, 5])).toBe(1);
    expect(medianAbsoluteDeviation([1, 2, 3, 4, 500])).toBe(1);
  });
});
