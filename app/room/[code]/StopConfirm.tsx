"use client";
/**
 * Stopping a recording someone else started asks first (issue 14, defect 8): it ends the take for
 * everyone, and the one who started it may be mid-phrase. A modal <dialog> (focus moves into it,
 * Escape keeps recording, the page behind is inert); your own recording stops at once.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import type { RoomView } from "../../../core/protocol";
import styles from "./StopConfirm.module.css";

export function useStopConfirm(room: RoomView | null, me: string | undefined): { confirmStop: () => Promise<boolean>; dialog: ReactNode } {
  const ref = useRef<HTMLDialogElement>(null);
  const resolver = useRef<((ok: boolean) => void) | null>(null);
  const [askedAbout, setAskedAbout] = useState<string | null>(null);
  const recording = room?.recording ?? null;
  const starter = recording ? room?.members.find((m) => m.id === recording.startedBy) : undefined;
  const title = starter ? `Stop ${starter.name}’s recording?` : "Stop this recording?";
  const who = starter ? starter.name : "Someone else";

  const settle = useCallback((ok: boolean) => {
    resolver.current?.(ok);
    resolver.current = null;
    setAskedAbout(null);
    if (ref.current?.open) ref.current.close();
  }, []);

  // The recording ended (someone stopped it) or another one runs now: the question no longer holds.
  const recordingId = recording?.id ?? null;
  useEffect(() => {
    if (askedAbout !== null && askedAbout !== recordingId) settle(false);
  }, [askedAbout, recordingId, settle]);

  const confirmStop = useCallback((): Promise<boolean> => {
    if (!recording || recording.startedBy === me) return Promise.resolve(true);
    resolver.current?.(false);
    return new Promise<boolean>((resolve) => {
      resolver.current = resolve;
      setAskedAbout(recording.id);
      ref.current?.showModal();
    });
  }, [recording, me]);

  const dialog = (
    <dialog ref={ref} className={styles.dialog} aria-labelledby="stop-confirm-title" aria-describedby="stop-confirm-text" onClose={() => settle(false)}>
      <h2 id="stop-confirm-title" className={styles.title}>
        {title}
      </h2>
      <p id="stop-confirm-text">{who} started this recording. Stopping it ends the take for everyone in the room.</p>
      <div className="row">
        <button type="button" autoFocus onClick={() => settle(false)}>
          Keep recording
        </button>
        <button type="button" className="primary" onClick={() => settle(true)}>
          Stop it for everyone
        </button>
      </div>
    </dialog>
  );
  return { confirmStop, dialog };
}
