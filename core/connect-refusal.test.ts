import { describe, expect, it } from "vitest";
import { connectRefusalOf, reconnectAfterRefusalMs } from "./connect-refusal";

const refusal = (data: unknown) => Object.assign(new Error("refused"), { data });
const good = { code: "rate_limited", message: "Too many new connections", details: { reason: "new", retryAfterMs: 4_000 } };

describe("connectRefusalOf", () => {
  it("reads the refusal a connect_error carries", () => {
    expect(connectRefusalOf(refusal(good))).toEqual(good);
    expect(connectRefusalOf(refusal({ ...good, code: "abuse", details: { reason: "abuse", retryAfterMs: 0 } }))?.code).toBe("abuse");
  });
  it("cuts a wait longer than 10 minutes to 10 minutes", () => {
    expect(connectRefusalOf(refusal({ ...good, details: { reason: "open", retryAfterMs: 3_600_000 } }))?.details.retryAfterMs).toBe(600_000);
  });
  it("is null for every other failure and every malformed refusal", () => {
    for (const data of [
      undefined,
      null,
      "rate_limited",
      { ...good, code: "internal" },
      { ...good, message: 5 },
      { ...good, message: "x".repeat(301) },
      { ...good, details: null },
      { ...good, details: { reason: "later", retryAfterMs: 1 } },
      { ...good, details: { reason: "new", retryAfterMs: -1 } },
      { ...good, details: { reason: "new", retryAfterMs: Number.POSITIVE_INFINITY } },
      { ...good, details: { reason: "new", retryAfterMs: "1000" } },
    ]) {
      expect(connectRefusalOf(refusal(data))).toBeNull();
    }
    expect(connectRefusalOf(null)).toBeNull();
    expect(connectRefusalOf(new Error("xhr poll error"))).toBeNull();
  });
  it("waits at least a second, jittered by up to a second", () => {
    const r = connectRefusalOf(refusal({ ...good, details: { reason: "new", retryAfterMs: 200 } }))!;
    expect(reconnectAfterRefusalMs(r, () => 0)).toBe(1_000);
    expect(reconnectAfterRefusalMs(r, () => 0.999)).toBe(1_999);
  });
});
