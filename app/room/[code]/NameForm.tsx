"use client";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { LIMITS } from "../../../core/limits";
import { saveName } from "../../lib/identity";
import type { Role } from "./use-jam-connection";

/** Who you are in this room (remembered for next time) and whether you play or listen. */
export function NameForm({ code, onDone, initialName = "", initialRole = "player" }: { code: string; onDone: (name: string, role: Role) => void; initialName?: string; initialRole?: Role }) {
  const [name, setName] = useState(initialName);
  const [role, setRole] = useState<Role>(initialRole);
  const [error, setError] = useState<string | null>(null);
  // The form is in the page's first HTML (RoomClient.tsx): a name typed before hydration is kept,
  // and Join waits for hydration (before it, the browser would submit the form itself: a reload).
  const input = useRef<HTMLInputElement>(null);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => {
    const typed = input.current?.value;
    if (typed) setName(typed);
    setHydrated(true);
  }, []);
  function submit(e: FormEvent) {
    e.preventDefault();
    const n = name.trim();
    if (!n) return setError("Type a name so your partner knows who is playing.");
    if (n.length > LIMITS.nameMaxChars) return setError(`At most ${LIMITS.nameMaxChars} characters.`);
    saveName(n);
    onDone(n, role);
  }
  return (
    <form className="panel stack" onSubmit={submit}>
      <h1>Join room {code}</h1>
      <label htmlFor="join-name">Your name</label>
      <input ref={input} id="join-name" type="text" autoComplete="nickname" autoFocus maxLength={LIMITS.nameMaxChars} value={name} onChange={(e) => setName(e.target.value)} />
      <fieldset className="role-choice">
        <legend className="muted">Join as</legend>
        <label>
          <input type="radio" name="role" value="player" checked={role === "player"} onChange={() => setRole("player")} /> Player
        </label>
        <label>
          <input type="radio" name="role" value="spectator" checked={role === "spectator"} onChange={() => setRole("spectator")} /> Spectator (listen and react)
        </label>
      </fieldset>
      <div className="row">
        <button type="submit" className="primary" disabled={!hydrated}>Join room</button>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}
