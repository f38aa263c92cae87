import { describe, expect, it } from "vitest";
import type { ErrorMsg } from "../../../core/protocol";
import { backoffMs, transition, type ConnEvent, type ConnStatus, type Effect, type TransitionContext } from "./status";

/** random() = 0.5: jitter lands on the middle, so the delays are exact. */
const ctx: TransitionContext = { backoff: { baseMs: 1_000, maxMs: 5_000 }, random: () => 0.5 };
const err = (code: ErrorMsg["code"], details?: unknown): ErrorMsg => ({ code, message: code, details });

/** Runs events from a state; returns the final state and every effect in order. */
function run(from: ConnStatus, ...events: ConnEvent[]): { status: ConnStatus; effects: Effect[] } {
  let status = from;
  const effects: Effect[] = [];
  for (const e of events) {
    const r = transition(status, e, ctx);
    status = r.status;
    effects.push(...r.effects);
  }
  return { status, effects };
}
const joined = run({ kind: "idle" }, { type: "start" }, { type: "socket_open" }, { type: "join_ok" }).status;

describe("connection status", () => {
  it("idle → connecting → joining → joined, opening then joining", () => {
    const r = run({ kind: "idle" }, { type: "start" }, { type: "socket_open" }, { type: "join_ok" });
    expect(r.status).toEqual({ kind: "joined" });
    expect(r.effects).toEqual([{ type: "open", afterMs: 0 }, { type: "join" }]);
  });

  it("a lost link reconnects with capped exponential back-off, then joins again", () => {
    let s = transition(joined, { type: "socket_closed", byServer: false }, ctx);
    expect(s.status).toMatchObject({ kind: "reconnecting", attempt: 0 });
    expect(s.effects).toEqual([{ type: "open", afterMs: 1_000 }]);
    const delays: number[] = [];
    let status = s.status;
    for (let i = 0; i < 5; i++) {
      s = transition(status, { type: "connect_failed", refusal: null }, ctx);
      status = s.status;
      delays.push((s.effects[0] as { afterMs: number }).afterMs);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    const back = run(status, { type: "socket_open" }, { type: "join_ok" });
    expect(back.status).toEqual({ kind: "joined" });
    expect(back.effects).toEqual([{ type: "join" }]);
  });

  it("back-off is jittered ±50 % and never above the cap's 1.5×", () => {
    expect(backoffMs(0, ctx.backoff, () => 0)).toBe(500);
    expect(backoffMs(0, ctx.backoff, () => 0.999)).toBe(1_499);
    expect(backoffMs(40, ctx.backoff, () => 0.999)).toBeLessThan(7_500);
  });

  it("a server close (the room moved, a graceful stop) reconnects after a short jittered pause, not the back-off", () => {
    const r = transition(joined, { type: "socket_closed", byServer: true }, ctx);
    expect(r.effects).toEqual([{ type: "open", afterMs: 175 }]);
  });

  it("a connect refusal waits as long as the server says (at least a second)", () => {
    const refusal = { code: "rate_limited" as const, message: "slow down", details: { reason: "new" as const, retryAfterMs: 3_000 } };
    const r = run({ kind: "idle" }, { type: "start" }, { type: "connect_failed", refusal });
    expect(r.status).toMatchObject({ kind: "reconnecting", error: refusal });
    expect(r.effects.at(-1)).toEqual({ type: "open", afterMs: 3_500 });
  });

  it("room_moving at join: drop the socket, connect again after retryAfterMs", () => {
    const r = run({ kind: "idle" }, { type: "start" }, { type: "socket_open" }, { type: "join_failed", error: err("room_moving", { retryAfterMs: 750 }) });
    expect(r.status).toMatchObject({ kind: "reconnecting", retryInMs: 750, rejoin: false });
    expect(r.effects.slice(-2)).toEqual([{ type: "drop" }, { type: "open", afterMs: 750 }]);
    // our own drop's disconnect does not schedule a second connection
    expect(transition(r.status, { type: "socket_closed", byServer: false }, ctx).effects).toEqual([]);
  });

  it("the room moved while joined (server close with room_moving): reconnect at once", () => {
    const r = transition(joined, { type: "server_error", error: err("room_moving", { reason: "moved" }) }, ctx);
    expect(r.status).toMatchObject({ kind: "reconnecting" });
    expect(r.effects).toEqual([{ type: "drop" }, { type: "open", afterMs: 0 }]);
    const after = run(r.status, { type: "socket_closed", byServer: true }, { type: "socket_open" }, { type: "join_ok" });
    expect(after.effects).toEqual([{ type: "join" }]);
    expect(after.status).toEqual({ kind: "joined" });
  });

  it("a server failure at join rejoins on the same socket; if the socket drops meanwhile, it reconnects", () => {
    const joining = run({ kind: "idle" }, { type: "start" }, { type: "socket_open" }).status;
    const r = transition(joining, { type: "join_failed", error: err("internal") }, ctx);
    expect(r.status).toMatchObject({ kind: "reconnecting", rejoin: true, attempt: 1 });
    expect(r.effects).toEqual([{ type: "rejoin", afterMs: 500 }]);
    expect(transition(r.status, { type: "join_ok" }, ctx).status).toEqual({ kind: "joined" });
    expect(transition(r.status, { type: "socket_closed", byServer: false }, ctx).effects).toEqual([{ type: "open", afterMs: 2_000 }]);
  });

  it("a join rate limit rejoins after retryAfterMs", () => {
    const joining = run({ kind: "idle" }, { type: "start" }, { type: "socket_open" }).status;
    const r = transition(joining, { type: "join_failed", error: err("rate_limited", { reason: "join", retryAfterMs: 2_000 }) }, ctx);
    expect(r.effects).toEqual([{ type: "rejoin", afterMs: 2_250 }]);
  });

  it("a passcode refusal waits for the user, then joins on the open socket", () => {
    const refused = run({ kind: "idle" }, { type: "start" }, { type: "socket_open" }, { type: "join_failed", error: err("passcode_required") });
    expect(refused.status).toEqual({ kind: "refused", error: err("passcode_required") });
    // nothing by itself: not on a reconnect of the socket, not on a socket close
    expect(run(refused.status, { type: "socket_closed", byServer: false }, { type: "socket_open" }).effects).toEqual([]);
    expect(transition(refused.status, { type: "retry", connected: true }, ctx)).toEqual({ status: { kind: "joining", attempt: 0 }, effects: [{ type: "join" }] });
    expect(transition(refused.status, { type: "retry", connected: false }, ctx).effects).toEqual([{ type: "open", afterMs: 0 }]);
  });

  it("kicked is final, from a join answer or an error event", () => {
    const a = transition(joined, { type: "server_error", error: err("kicked") }, ctx);
    expect(a).toEqual({ status: { kind: "kicked", error: err("kicked") }, effects: [{ type: "shut" }] });
    const later = run(a.status, { type: "socket_closed", byServer: true }, { type: "socket_open" }, { type: "retry", connected: false });
    expect(later).toEqual({ status: a.status, effects: [] });
    const joining = run({ kind: "idle" }, { type: "start" }, { type: "socket_open" }).status;
    expect(transition(joining, { type: "join_failed", error: err("kicked") }, ctx).status.kind).toBe("kicked");
  });

  it("other error events leave the status alone; close shuts everything once", () => {
    expect(transition(joined, { type: "server_error", error: err("rate_limited") }, ctx)).toEqual({ status: joined, effects: [] });
    const closed = transition(joined, { type: "close" }, ctx);
    expect(closed).toEqual({ status: { kind: "closed" }, effects: [{ type: "shut" }] });
    expect(run(closed.status, { type: "close" }, { type: "start" }, { type: "socket_closed", byServer: false }).effects).toEqual([]);
  });

  it("a stale join answer after the link dropped changes nothing", () => {
    const r = run(joined, { type: "socket_closed", byServer: false }, { type: "join_ok" });
    expect(r.status.kind).toBe("reconnecting");
  });
});
