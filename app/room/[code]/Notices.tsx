"use client";
/**
 * The room's notices as toasts (issue 14, defect 4): one message per cause (app/lib/notices.ts),
 * over the page in a fixed position so nothing moves while playing, announced politely by screen
 * readers, and gone when the cause no longer holds or after a short while. Any part of the room
 * pushes through the `NoticesApi` that useNotices returns.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, type RefObject } from "react";
import { ERROR_TTL_MS, initialNotices, nextExpiryMs, noticesReducer, type NoticeAction, type NoticesState, type NoticeTone } from "../../lib/notices";
import styles from "./Notices.module.css";

export interface NoticesApi {
  state: NoticesState;
  /** Shows `text` for `key`, replacing what that key showed; `ttlMs` null keeps it until cleared; `action`: one button. */
  push(key: string, tone: NoticeTone, text: string, ttlMs?: number | null, action?: NoticeAction | null): void;
  clear(key: string): void;
  dismiss(id: number): void;
}

export function useNotices(): NoticesApi {
  const [state, dispatch] = useReducer(noticesReducer, initialNotices);
  const push = useCallback(
    (key: string, tone: NoticeTone, text: string, ttlMs: number | null = ERROR_TTL_MS, action: NoticeAction | null = null) =>
      dispatch({ type: "push", key, tone, text, nowMs: performance.now(), ttlMs, action }),
    [],
  );
  const clear = useCallback((key: string) => dispatch({ type: "clear", key }), []);
  const dismiss = useCallback((id: number) => dispatch({ type: "dismiss", id }), []);
  // One timer, for the next notice due to expire.
  const due = nextExpiryMs(state);
  useEffect(() => {
    if (due === null) return;
    // A timer can fire a fraction of a ms before performance.now() reaches `due`: it counts as due
    // (else nothing expires, `due` stays the same and no new timer is set).
    const t = window.setTimeout(() => dispatch({ type: "expire", nowMs: Math.max(performance.now(), due) }), Math.max(0, due - performance.now()));
    return () => window.clearTimeout(t);
  }, [due]);
  return useMemo(() => ({ state, push, clear, dismiss }), [state, push, clear, dismiss]);
}

/**
 * A manual popover, shown for good: it sits in the top layer, so a notice shows over the settings
 * sheet (a modal <dialog>) too — the tempo refused while the sheet is open is seen there, not
 * behind it. A modal opened later covers it: a new notice then raises it above again.
 */
function useTopLayer(ref: RefObject<HTMLDivElement | null>, notices: NoticesState["notices"]) {
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || typeof el.showPopover !== "function") return; // no Popover API: a plain fixed overlay
    const modalOpen = !!document.querySelector("dialog:modal");
    try {
      if (el.matches(":popover-open") && modalOpen && notices.length > 0) el.hidePopover();
      if (!el.matches(":popover-open")) el.showPopover();
    } catch {
      /* not connected yet */
    }
  }, [ref, notices]);
}

export function Notices({ api }: { api: NoticesApi }) {
  const ref = useRef<HTMLDivElement>(null);
  useTopLayer(ref, api.state.notices);
  return (
    // Always in the DOM, so screen readers hear what is added to it.
    <div ref={ref} popover="manual" className={styles.region} aria-live="polite" aria-label="Notices" role="region">
      {api.state.notices.map((n) => (
        <div key={n.id} className={`${styles.toast} ${n.tone === "error" ? styles.error : ""}`} data-notice={n.key} data-tone={n.tone}>
          <p className={styles.text}>
            {n.tone === "error" ? <span className="visually-hidden">Error: </span> : null}
            {n.text}
          </p>
          {n.action && (
            <button
              type="button"
              className={`small primary ${styles.action}`}
              onClick={() => {
                n.action?.run();
                api.dismiss(n.id);
              }}
            >
              {n.action.label}
            </button>
          )}
          <button type="button" className={`small ${styles.dismiss}`} aria-label={`Dismiss: ${n.text}`} onClick={() => api.dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
