"use client";
/**
 * The room page: asks for a name (or uses the remembered one), then shows the room (Room.tsx).
 * Each part of the room is its own component in this folder; the connection is reached through
 * useJamConnection (use-jam-connection.ts).
 *
 * Fast on a phone (issue 14; bench/phone-open.ts): nothing waits for the room's look-up. The first
 * HTML already holds the name form — or, when a name is remembered, "Joining…" (an inline script
 * reads localStorage before the first paint) — and right after hydration a named visitor is in
 * the room while the look-up runs beside the join; a room that does not exist is then shown as
 * such. The session (audio engine and socket: ./jam-start.ts) is started here, the moment the name
 * is known, so the room's first render already has it and its pads sound on the first frame.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { loadName } from "../../lib/identity";
import { NameForm } from "./NameForm";
import { Room } from "./Room";
import styles from "./RoomClient.module.css";
import { discardEarlyJam, startJamEarly, startJamForLink, type Role } from "./jam-start";

if (typeof window !== "undefined") startJamForLink();

type Phase =
  /** the server's render, and the name form of a visitor with no remembered name ("Joining…" when there is one) */
  | { kind: "entry" }
  | { kind: "not-found" }
  | { kind: "failed"; message: string }
  | { kind: "need-name"; name?: string; role?: Role }
  | { kind: "in-room"; name: string; role: Role }
  /** after Leave: Rejoin comes back with the same name and role (issue 14, defect 8) */
  | { kind: "left"; name: string; role: Role };

/** Before the first paint: a remembered name hides the name form (identity.ts's key). */
const NAMED_SCRIPT = `try{if(localStorage.getItem("backbeat:name"))document.getElementById("room-entry").dataset.named="1"}catch(e){}`;

export default function RoomClient({ code }: { code: string }) {
  const [phase, setPhase] = useState<Phase>({ kind: "entry" });
  const entered = useRef(false);
  /** into the room, its session started first (in a Join or Rejoin click: a gesture, sound may start) */
  const enter = useCallback(
    (name: string, role: Role) => {
      startJamEarly(code, name, role);
      setPhase({ kind: "in-room", name, role });
    },
    [code],
  );

  // A layout effect: the room renders in the hydration's own task, before the browser paints again
  // or runs anything else (a passive effect's update waited for a later task: one more frame on a phone).
  useLayoutEffect(() => {
    if (entered.current) return;
    entered.current = true;
    // no name: the entry's form (typed into before hydration, perhaps) stays as it is
    const name = loadName();
    if (name) enter(name, "player");
  }, [enter]);
  useEffect(() => {
    let cancelled = false;
    // Beside the join (which refuses a missing room too): only its definite answers change the page.
    fetch(`/api/rooms/${encodeURIComponent(code)}`)
      .then(async (res) => {
        if (cancelled) return;
        if (res.status === 404) return setPhase({ kind: "not-found" });
        // per-address limits (server/address-limits.ts): the server says how long to wait
        if (res.status === 429) {
          const body = (await res.json().catch(() => null)) as { message?: string } | null;
          return setPhase({ kind: "failed", message: body?.message ?? "Too many requests from your network: try again later." });
        }
        if (!res.ok) setPhase((p) => (p.kind === "entry" ? { kind: "failed", message: `Server answered ${res.status}` } : p));
      })
      .catch((err: unknown) => !cancelled && setPhase((p) => (p.kind === "entry" ? { kind: "failed", message: String(err) } : p)));
    return () => {
      cancelled = true;
    };
  }, [code, enter]);
  useEffect(() => discardEarlyJam, []);

  if (phase.kind === "entry")
    return (
      <div id="room-entry" className={styles.entry} suppressHydrationWarning>
        <div className={styles.form}>
          <NameForm code={code} onDone={enter} />
        </div>
        <p className={`muted ${styles.joining}`} role="status">Joining room {code}…</p>
        <script dangerouslySetInnerHTML={{ __html: NAMED_SCRIPT }} />
      </div>
    );
  if (phase.kind === "failed")
    return (
      <div className="panel stack">
        <h1>Can’t reach the room</h1>
        <p role="alert" className="error">{phase.message}</p>
        <p><a href={`/room/${encodeURIComponent(code)}`}>Try again</a></p>
      </div>
    );
  if (phase.kind === "not-found")
    return (
      <div className="panel stack">
        <h1>Room not found</h1>
        <p>There is no room called “{code}”. Check the link, or start a new jam.</p>
        <p><a className="button primary" href="/">Create a room</a></p>
      </div>
    );
  if (phase.kind === "need-name")
    return <NameForm code={code} initialName={phase.name} initialRole={phase.role} onDone={enter} />;
  if (phase.kind === "left") {
    const { name, role } = phase;
    return (
      <div className="panel stack">
        <h1>You left room {code}</h1>
        <p className="row">
          <button type="button" className="primary" onClick={() => enter(name, role)}>
            Rejoin as {name}
          </button>
          <button type="button" onClick={() => setPhase({ kind: "need-name", name, role })}>
            Change name
          </button>
          <a className="button" href="/">
            Back to start
          </a>
        </p>
      </div>
    );
  }
  const { name, role } = phase;
  return <Room code={code} name={name} role={role} onLeft={() => setPhase({ kind: "left", name, role })} />;
}
