/**
 * The room page's notices (issue 14, defect 4): one list of short messages shown as toasts that
 * do not move the layout. Pure, so the rules are tested without a DOM:
 *
 * - A notice has a `key` naming what it is about (the request that failed, "connection", a
 *   partner's presence). Pushing a key that is already shown REPLACES that notice: the server's
 *   `error` event and the failed ack of the same request (both arrive for one refusal) become one
 *   message, and a repeated failure does not stack up.
 * - `clear(key)` removes it when it no longer holds (the request succeeded next time, the
 *   connection joined again).
 * - A transient notice carries `expiresAtMs`; `expire(nowMs)` drops the ones due. A notice
 *   without it stays until cleared or dismissed (a connection that is still down).
 * - At most MAX_NOTICES are shown; the oldest goes first.
 */

export type NoticeTone = "error" | "info";

/** one button on a notice, e.g. "Switch to Groove" (the notice goes when it is pressed) */
export interface NoticeAction {
  label: string;
  run: () => void;
}

export interface Notice {
  /** unique per push: the toast's React key */
  id: number;
  /** what it is about; one notice per key */
  key: string;
  tone: NoticeTone;
  text: string;
  /** dropped by expire() at or after this time (ms, any monotonic clock); null: until cleared */
  expiresAtMs: number | null;
  action: NoticeAction | null;
}

export interface NoticesState {
  notices: readonly Notice[];
  nextId: number;
}

export type NoticesAction =
  | { type: "push"; key: string; tone: NoticeTone; text: string; nowMs: number; ttlMs: number | null; action?: NoticeAction | null }
  | { type: "clear"; key: string }
  | { type: "dismiss"; id: number }
  | { type: "expire"; nowMs: number };

/** more than this on screen at once would cover the room; a burst keeps the newest */
export const MAX_NOTICES = 3;
/** how long a refused request's message stays (long enough to read two lines) */
export const ERROR_TTL_MS = 8_000;
/** how long a presence notice ("Sam joined") stays */
export const INFO_TTL_MS = 5_000;

export const initialNotices: NoticesState = { notices: [], nextId: 1 };

export function noticesReducer(state: NoticesState, action: NoticesAction): NoticesState {
  switch (action.type) {
    case "push": {
      const expiresAtMs = action.ttlMs === null ? null : action.nowMs + action.ttlMs;
      const button = action.action ?? null;
      const existing = state.notices.find((n) => n.key === action.key);
      if (existing) {
        // Same key: the same message in place (its id kept, so a screen reader does not hear it as new
        // unless the text changed), with the later expiry.
        if (existing.text === action.text && existing.tone === action.tone && existing.expiresAtMs === expiresAtMs && existing.action?.label === button?.label) return state;
        const replaced: Notice = { ...existing, tone: action.tone, text: action.text, expiresAtMs, action: button };
        return { ...state, notices: state.notices.map((n) => (n === existing ? replaced : n)) };
      }
      const notice: Notice = { id: state.nextId, key: action.key, tone: action.tone, text: action.text, expiresAtMs, action: button };
      return { notices: [...state.notices, notice].slice(-MAX_NOTICES), nextId: state.nextId + 1 };
    }
    case "clear": {
      const kept = state.notices.filter((n) => n.key !== action.key);
      return kept.length === state.notices.length ? state : { ...state, notices: kept };
    }
    case "dismiss": {
      const kept = state.notices.filter((n) => n.id !== action.id);
      return kept.length === state.notices.length ? state : { ...state, notices: kept };
    }
    case "expire": {
      const kept = state.notices.filter((n) => n.expiresAtMs === null || n.expiresAtMs > action.nowMs);
      return kept.length === state.notices.length ? state : { ...state, notices: kept };
    }
  }
}

/** When the next notice is due to expire (null: none will by itself). */
export function nextExpiryMs(state: NoticesState): number | null {
  let next: number | null = null;
  for (const n of state.notices) if (n.expiresAtMs !== null && (next === null || n.expiresAtMs < next)) next = n.expiresAtMs;
  return next;
}
