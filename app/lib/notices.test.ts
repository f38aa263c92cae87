import { describe, expect, it } from "vitest";
import { ERROR_TTL_MS, initialNotices, MAX_NOTICES, nextExpiryMs, noticesReducer, type NoticesAction, type NoticesState } from "./notices";

const run = (...actions: NoticesAction[]): NoticesState => actions.reduce(noticesReducer, initialNotices);
const push = (key: string, text: string, nowMs = 0, ttlMs: number | null = ERROR_TTL_MS): NoticesAction => ({ type: "push", key, tone: "error", text, nowMs, ttlMs });

describe("notices", () => {
  it("shows one message for the error event and the failed ack of one request", () => {
    const s = run(push("battle:start", "A battle needs at least two players."), push("battle:start", "A battle needs at least two players."));
    expect(s.notices).toHaveLength(1);
    expect(s.notices[0]!.text).toBe("A battle needs at least two players.");
  });

  it("replaces a notice of the same key in place, keeping its id", () => {
    const s = run(push("tempo:set", "first"), push("other", "x"), push("tempo:set", "second", 100));
    expect(s.notices.map((n) => n.text)).toEqual(["second", "x"]);
    expect(s.notices[0]!.id).toBe(1);
    expect(s.notices[0]!.expiresAtMs).toBe(100 + ERROR_TTL_MS);
  });

  it("returns the same state when nothing changes (no re-render, no re-announcement)", () => {
    const a = run(push("k", "same"));
    expect(noticesReducer(a, push("k", "same"))).toBe(a);
    expect(noticesReducer(a, { type: "clear", key: "nope" })).toBe(a);
    expect(noticesReducer(a, { type: "expire", nowMs: 1 })).toBe(a);
  });

  it("clears by key when the cause no longer holds", () => {
    const s = run(push("connection", "Lost the connection", 0, null), push("tempo:set", "t"), { type: "clear", key: "connection" });
    expect(s.notices.map((n) => n.key)).toEqual(["tempo:set"]);
  });

  it("expires transient notices and keeps the ones without a timeout", () => {
    const s = run(push("connection", "down", 0, null), push("a", "a", 0, 1_000), push("b", "b", 0, 5_000));
    expect(nextExpiryMs(s)).toBe(1_000);
    const later = noticesReducer(s, { type: "expire", nowMs: 1_000 });
    expect(later.notices.map((n) => n.key)).toEqual(["connection", "b"]);
    expect(nextExpiryMs(noticesReducer(later, { type: "expire", nowMs: 5_000 }))).toBeNull();
  });

  it("carries one button, replaced with its notice", () => {
    const run1 = () => undefined;
    const s = run({ type: "push", key: "far", tone: "info", text: "Sam is too far", nowMs: 0, ttlMs: null, action: { label: "Switch to Groove", run: run1 } });
    expect(s.notices[0]!.action?.label).toBe("Switch to Groove");
    expect(noticesReducer(s, push("far", "Sam is too far", 0, null)).notices[0]!.action).toBeNull();
    expect(run(push("x", "plain")).notices[0]!.action).toBeNull();
  });

  it("dismisses one notice by id", () => {
    const s = run(push("a", "a"), push("b", "b"));
    expect(noticesReducer(s, { type: "dismiss", id: 1 }).notices.map((n) => n.key)).toEqual(["b"]);
  });

  it(`keeps at most ${MAX_NOTICES}, dropping the oldest`, () => {
    const s = run(push("1", "1"), push("2", "2"), push("3", "3"), push("4", "4"));
    expect(s.notices.map((n) => n.key)).toEqual(["2", "3", "4"]);
  });
});
