"use client";
import { useRef, useState, type ReactNode } from "react";

/**
 * Everything that is set once rather than played lives here, out of the way of the pads: a modal
 * sheet opened by the "Settings" button (a bottom sheet on a phone, a drawer on a desktop).
 *
 * A native <dialog> shown with showModal(): focus moves into it and stays there, the page behind
 * is inert, Escape closes it, and focus goes back to the button. Its content stays mounted while
 * closed, so a calibration, the latency figures or a half-typed tempo keep their state.
 */
export function SettingsSheet({ children }: { children: ReactNode }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);
  const close = () => dialog.current?.close();
  return (
    <>
      <button
        ref={opener}
        type="button"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls="settings-sheet"
        onClick={() => {
          dialog.current?.showModal();
          setOpen(true);
        }}
      >
        {/* on a phone only the gear shows (the word stays its accessible name): the room's name gets the width */}
        <span aria-hidden="true">⚙</span> <span className="settings-word">Settings</span>
      </button>
      <dialog
        id="settings-sheet"
        ref={dialog}
        className="sheet"
        aria-labelledby="settings-title"
        onClose={() => {
          setOpen(false);
          opener.current?.focus();
        }}
        // A press on the backdrop lands on the <dialog> itself (its content fills it): close, as a sheet does.
        onClick={(e) => {
          if (e.target === e.currentTarget) close();
        }}
      >
        <div className="sheet-inner">
          <div className="sheet-head">
            <h2 id="settings-title">Settings</h2>
            <button type="button" onClick={close}>
              Close
            </button>
          </div>
          {children}
        </div>
      </dialog>
    </>
  );
}
