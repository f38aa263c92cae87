"use client";
import { useState, type FormEvent } from "react";
import { LIMITS } from "../../../core/limits";

/** A private room's passcode, asked when the join was refused for the lack of it (or a wrong one). */
export function PasscodeForm({ code, error, checking, onSubmit }: { code: string; error: string | null; checking: boolean; onSubmit: (passcode: string) => void }) {
  const [value, setValue] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  function submit(e: FormEvent) {
    e.preventDefault();
    const passcode = value.trim();
    if (!passcode) return setLocalError("Type the passcode the host gave you.");
    setLocalError(null);
    onSubmit(passcode);
  }
  const shown = localError ?? (checking ? null : error);
  return (
    <form className="panel stack" onSubmit={submit} aria-labelledby="passcode-heading">
      <h1 id="passcode-heading">Room {code} is private</h1>
      <p>Ask the host for the passcode: the link alone does not let you in.</p>
      <label htmlFor="room-passcode">Passcode</label>
      <input
        id="room-passcode"
        type="text"
        autoComplete="off"
        spellCheck={false}
        autoFocus
        maxLength={LIMITS.passcodeMaxChars}
        value={value}
        aria-invalid={shown ? true : undefined}
        aria-describedby={shown ? "passcode-error" : undefined}
        onChange={(e) => setValue(e.target.value)}
      />
      <div className="row">
        <button type="submit" className="primary">
          Enter room
        </button>
        <a className="button" href="/">
          Back to start
        </a>
        <span className="muted" role="status" aria-live="polite">
          {checking ? "Checking the passcode…" : ""}
        </span>
      </div>
      {shown && (
        <p id="passcode-error" role="alert" className="error">
          {shown}
        </p>
      )}
    </form>
  );
}
