"use client";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { LIMITS } from "../core/limits";
import { normalizeTypedRoomCode } from "../core/room-code";
import { loadName, saveHostPasscode, saveHostToken, saveName } from "./lib/identity";

export default function Landing() {
  const router = useRouter();
  const [name, setName] = useState("");
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [isPrivate, setIsPrivate] = useState(false);
  const [passcode, setPasscode] = useState("");

  const nameInput = useRef<HTMLInputElement>(null);
  // A name typed before the page was interactive is kept; otherwise the remembered one is filled in.
  useEffect(() => setName(nameInput.current?.value || loadName()), []);

  async function create(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) {
      setError("Type your name first, so your partner knows who is playing.");
      return;
    }
    const pass = passcode.trim();
    if (isPrivate && (pass.length < LIMITS.passcodeMinChars || pass.length > LIMITS.passcodeMaxChars)) {
      setError(`The passcode needs ${LIMITS.passcodeMinChars} to ${LIMITS.passcodeMaxChars} characters.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      saveName(name);
      const res = await fetch("/api/rooms", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(isPrivate ? { passcode: pass } : {}),
      });
      const body = (await res.json()) as { code?: string; hostToken?: string; message?: string };
      if (!res.ok || !body.code) throw new Error(body.message ?? `Server answered ${res.status}`);
      if (body.hostToken) saveHostToken(body.code, body.hostToken);
      if (isPrivate) saveHostPasscode(body.code, pass);
      router.push(`/room/${body.code}`);
    } catch (err) {
      setError(`Could not create a room: ${err instanceof Error ? err.message : String(err)}`);
      setBusy(false);
    }
  }

  function join(e: FormEvent) {
    e.preventDefault();
    const c = normalizeTypedRoomCode(code.trim().replace(/^.*\/room\//, ""));
    if (!c) return;
    if (name.trim()) saveName(name);
    router.push(`/room/${encodeURIComponent(c)}`);
  }

  return (
    <div className="stack">
      <section className="hero">
        <h1>Play drums together, in time.</h1>
        <p className="lead">
          Open one link with a friend anywhere. Hit the pads with touch, mouse, keyboard or a MIDI drum kit and hear each
          other land on the shared beat — every session recorded, replayable and shareable.
        </p>
        <ol className="how">
          <li>
            <strong>Create a room</strong> and send its link.
          </li>
          <li>
            <strong>Play</strong>: a shared clock and latency compensation keep your partner’s groove intact.
          </li>
          <li>
            <strong>Record, replay, battle</strong>: trade bars, vote, export MIDI or WAV.
          </li>
        </ol>
      </section>
      <form className="panel stack" onSubmit={create} aria-labelledby="create-heading">
        <h2 id="create-heading">Start a jam</h2>
        <label htmlFor="name">Your name</label>
        <input id="name" ref={nameInput} type="text" autoComplete="nickname" maxLength={32} value={name} onChange={(e) => setName(e.target.value)} />
        <label className="inline-check">
          <input type="checkbox" checked={isPrivate} onChange={(e) => setIsPrivate(e.target.checked)} /> Private room
        </label>
        {isPrivate && (
          <>
            <label htmlFor="new-passcode">Passcode</label>
            <input
              id="new-passcode"
              type="text"
              autoComplete="off"
              spellCheck={false}
              maxLength={LIMITS.passcodeMaxChars}
              aria-describedby="new-passcode-hint"
              value={passcode}
              onChange={(e) => setPasscode(e.target.value)}
            />
            <p id="new-passcode-hint" className="muted">
              {LIMITS.passcodeMinChars}–{LIMITS.passcodeMaxChars} characters. Partners need the link and this passcode; you
              can see it in the room.
            </p>
          </>
        )}
        <div className="row">
          <button type="submit" className="primary" disabled={busy}>
            Create room
          </button>
        </div>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
      <form className="panel stack" onSubmit={join} aria-labelledby="join-heading">
        <h2 id="join-heading">Join a friend</h2>
        <label htmlFor="code">Room code or link</label>
        <div className="row">
          <input id="code" type="text" placeholder="brisk-otter-42" value={code} onChange={(e) => setCode(e.target.value)} />
          <button type="submit">Join</button>
        </div>
      </form>
    </div>
  );
}
