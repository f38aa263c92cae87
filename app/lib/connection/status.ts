/**
 * The connection's status as one state machine (issue 13): every socket and join outcome is an
 * event, `transition` is the only place that decides what comes next, and it says what to do as
 * effects (open the socket after a pause, join, drop the socket) instead of doing it. Pure: the
 * randomness for jitter and the back-off settings are passed in, so every path is tested
 * without sockets or timers (status.test.ts).
 *
 *   idle → connecting → joining → joined
 *                ↑          │         │ socket lost, server closed it, room moved
 *                └── reconnecting ←───┘ (capped exponential back-off, or when the server says)
 *   joining → refused (passcode, full, not found…: waits for `retry`) · kicked · closed
 */
import { reconnectAfterRefusalMs, type ConnectRefusal } from "../../../core/connect-refusal";
import type { ErrorMsg } from "../../../core/protocol";

export type ConnStatus =
  | { kind: "idle" }
  /** the socket is opening; `attempt` counts failures since the last successful join */
  | { kind: "connecting"; attempt: number }
  /** the socket is open, a join is on its way */
  | { kind: "joining"; attempt: number }
  | { kind: "joined" }
  /**
   * not in the room, trying again by itself after `retryInMs`: by joining again on the open socket
   * (`rejoin`) or by connecting again; `error` is why, when the server said
   */
  | { kind: "reconnecting"; attempt: number; retryInMs: number; rejoin: boolean; error: ErrorMsg | null }
  /** the room refused the join for a reason retrying cannot fix (passcode, full, not found): waits for `retry` */
  | { kind: "refused"; error: ErrorMsg }
  | { kind: "kicked"; error: ErrorMsg }
  | { kind: "closed" };

export type ConnEvent =
  | { type: "start" }
  | { type: "socket_open" }
  | { type: "join_ok" }
  | { type: "join_failed"; error: ErrorMsg }
  /** byServer: the server closed it (a restart, a hand-over); else the link dropped */
  | { type: "socket_closed"; byServer: boolean }
  /** the socket could not open; `refusal`: the server refused it and said when to try again (core/connect-refusal.ts) */
  | { type: "connect_failed"; refusal: ConnectRefusal | null }
  /** an `error` event outside any request */
  | { type: "server_error"; error: ErrorMsg }
  /** the user tries again (e.g. with a passcode); `connected`: the socket is still open */
  | { type: "retry"; connected: boolean }
  | { type: "close" };

export type Effect =
  /** (re)connect the socket after `afterMs` (replaces any pending retry) */
  | { type: "open"; afterMs: number }
  /** send a join on the open socket now */
  | { type: "join" }
  /** send a join on the open socket after `afterMs` (server-side trouble, or a join rate limit) */
  | { type: "rejoin"; afterMs: number }
  /** disconnect the socket; an `open` effect follows it */
  | { type: "drop" }
  /** disconnect for good, cancel every pending retry */
  | { type: "shut" };

export interface BackoffOptions {
  /** first retry after about this long */
  baseMs: number;
  /** never longer than this (the browser's ceiling: server/connection-limits.ts relies on it) */
  maxMs: number;
}

/** Socket.IO's own defaults, which the page used before (1 s doubling up to 5 s). */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 5_000 };

/** after a server close: reconnect after 50–300 ms (the server may still be finishing the hand-over) */
const SERVER_CLOSE_MIN_MS = 50;
const SERVER_CLOSE_JITTER_MS = 250;

export interface TransitionContext {
  backoff: BackoffOptions;
  /** [0, 1): jitter, so a room behind one NAT does not come back in one burst */
  random: () => number;
}

/** Capped exponential back-off with ±50 % jitter (Socket.IO's randomizationFactor 0.5). */
export function backoffMs(attempt: number, o: BackoffOptions, random: () => number): number {
  const capped = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(capped * (0.5 + random()));
}

/** A join refusal that retrying later can fix, with how long to wait and whether to reconnect. */
function retryableJoin(error: ErrorMsg, attempt: number, ctx: TransitionContext): Effect[] | null {
  const retryAfterMs = retryAfterOf(error);
  switch (error.code) {
    // The server's trouble (e.g. its database briefly away): join again on the same socket.
    case "internal":
      return [{ type: "rejoin", afterMs: backoffMs(attempt, { baseMs: 500, maxMs: 10_000 }, ctx.random) }];
    // Too many joins from this network: the server says when (plus jitter).
    case "rate_limited":
      return retryAfterMs === null ? null : [{ type: "rejoin", afterMs: Math.min(retryAfterMs, 3_600_000) + Math.floor(ctx.random() * 500) }];
    // Another process holds the room (a hand-over under way): connect again after the pause, routed anew.
    case "room_moving":
      return [{ type: "drop" }, { type: "open", afterMs: retryAfterMs ?? backoffMs(attempt, ctx.backoff, ctx.random) }];
    // Routed to a process that does not own the room: routing will have changed by the next connection.
    case "wrong_server":
      return [{ type: "drop" }, { type: "open", afterMs: backoffMs(attempt, ctx.backoff, ctx.random) }];
    default:
      return null;
  }
}

export function retryAfterOf(error: ErrorMsg): number | null {
  const ms = (error.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof ms === "number" && Number.isFinite(ms) && ms >= 0 ? ms : null;
}

export function attemptOf(s: ConnStatus): number {
  return s.kind === "connecting" || s.kind === "joining" || s.kind === "reconnecting" ? s.attempt : 0;
}

/** A join answer counts only while one was sent on the socket still open. */
const awaitsJoin = (s: ConnStatus): boolean => s.kind === "joining" || (s.kind === "reconnecting" && s.rejoin);

/** The one transition function: (state, event) → (next state, what to do). */
export function transition(s: ConnStatus, e: ConnEvent, ctx: TransitionContext): { status: ConnStatus; effects: Effect[] } {
  const stay = { status: s, effects: [] as Effect[] };
  if (e.type === "close") return s.kind === "closed" ? stay : { status: { kind: "closed" }, effects: [{ type: "shut" }] };
  // Kicked and closed are final: the socket is shut, late events change nothing.
  if (s.kind === "closed" || s.kind === "kicked") return stay;
  const attempt = attemptOf(s);

  switch (e.type) {
    case "start":
      return s.kind === "idle" ? { status: { kind: "connecting", attempt: 0 }, effects: [{ type: "open", afterMs: 0 }] } : stay;

    case "socket_open":
      // A refused join waits for the user even when the socket comes back by itself.
      if (s.kind === "refused") return stay;
      return { status: { kind: "joining", attempt }, effects: [{ type: "join" }] };

    case "join_ok":
      return awaitsJoin(s) ? { status: { kind: "joined" }, effects: [] } : stay;

    case "join_failed": {
      if (!awaitsJoin(s)) return stay;
      if (e.error.code === "kicked") return { status: { kind: "kicked", error: e.error }, effects: [{ type: "shut" }] };
      const effects = retryableJoin(e.error, attempt, ctx);
      if (!effects) return { status: { kind: "refused", error: e.error }, effects: [] };
      const wait = effects.find((x) => x.type === "open" || x.type === "rejoin")!;
      const status: ConnStatus = { kind: "reconnecting", attempt: attempt + 1, retryInMs: (wait as { afterMs: number }).afterMs, rejoin: wait.type === "rejoin", error: e.error };
      return { status, effects };
    }

    case "socket_closed": {
      // Already waiting to connect again (we dropped it ourselves), or waiting for the user.
      if ((s.kind === "reconnecting" && !s.rejoin) || s.kind === "refused" || s.kind === "idle") return stay;
      // The server closed it (the room moved to another owner, a graceful stop): connect again
      // almost at once — routing now leads to the room's owner — jittered over a quarter second so
      // a room's 40 members do not arrive in one burst. A lost link: capped exponential back-off.
      const afterMs = e.byServer ? SERVER_CLOSE_MIN_MS + Math.floor(ctx.random() * SERVER_CLOSE_JITTER_MS) : backoffMs(s.kind === "joined" ? 0 : attempt, ctx.backoff, ctx.random);
      const next = s.kind === "joined" ? 0 : attempt + 1;
      return { status: { kind: "reconnecting", attempt: next, retryInMs: afterMs, rejoin: false, error: null }, effects: [{ type: "open", afterMs }] };
    }

    case "connect_failed": {
      if (s.kind !== "connecting" && s.kind !== "reconnecting") return stay;
      const afterMs = e.refusal ? reconnectAfterRefusalMs(e.refusal, ctx.random) : backoffMs(attempt, ctx.backoff, ctx.random);
      const error = e.refusal ?? (s.kind === "reconnecting" ? s.error : null);
      return { status: { kind: "reconnecting", attempt: attempt + 1, retryInMs: afterMs, rejoin: false, error }, effects: [{ type: "open", afterMs }] };
    }

    case "server_error": {
      if (e.error.code === "kicked") return { status: { kind: "kicked", error: e.error }, effects: [{ type: "shut" }] };
      // The room's owner changed (a hand-over, its old owner stopping): this server closes the
      // connection; connect again at once (or after the pause it names) and be routed to the new owner.
      if (e.error.code === "room_moving") {
        const afterMs = retryAfterOf(e.error) ?? 0;
        const status: ConnStatus = { kind: "reconnecting", attempt, retryInMs: afterMs, rejoin: false, error: e.error };
        return { status, effects: [{ type: "drop" }, { type: "open", afterMs }] };
      }
      return stay; // other errors answer one message: the page shows them, the status does not change
    }

    case "retry":
      if (s.kind === "joined" || s.kind === "joining") return stay;
      return e.connected
        ? { status: { kind: "joining", attempt: 0 }, effects: [{ type: "join" }] }
        : { status: { kind: "connecting", attempt: 0 }, effects: [{ type: "open", afterMs: 0 }] };
  }
}
