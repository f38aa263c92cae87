"use client";
/**
 * The room page: finds the room, asks for a name, then shows the room (Room.tsx). Each part of
 * the room is its own component in this folder; the connection is reached through
 * useJamConnection (use-jam-connection.ts).
 */
import { useEffect, useState } from "react";
import { loadName } from "../../lib/identity";
import { NameForm } from "./NameForm";
import { Room } from "./Room";
import type { Role } from "./use-jam-connection";

type Phase =
  | { kind: "checking" }
  | { kind: "not-found" }
  | { kind: "failed"; message: string }
  | { kind: "need-name"; name?: string; role?: Role }
  | { kind: "in-room"; name: string; role: Role }
  /** after Leave: Rejoin comes back with the same name and role (issue 14, defect 8) */
  | { kind: "left"; name: string; role: Role };

export default function RoomClient({ code }: { code: string }) {
  const [phase, setPhase] = useState<Phase>({ kind: "checking" });

  useEffect(() => {
    let cancelled = false;
    fetch(`/api/rooms/${encodeURIComponent(code)}`)
      .then(async (res) => {
        if (cancelled) return;
        if (res.status === 404) return setPhase({ kind: "not-found" });
        // per-address limits (server/address-limits.ts): the server says how long to wait
        if (res.status === 429) {
          const body = (await res.json().catch(() => null)) as { message?: string } | null;
          return setPhase({ kind: "failed", message: body?.message ?? "Too many requests from your network: try again later." });
        }
        if (!res.ok) return setPhase({ kind: "failed", message: `Server answered ${res.status}` });
        const name = loadName();
        setPhase(name ? { kind: "in-room", name, role: "player" } : { kind: "need-name" });
      })
      .catch((err: unknown) => !cancelled && setPhase({ kind: "failed", message: String(err) }));
    return () => {
      cancelled = true;
    };
  }, [code]);

  if (phase.kind === "checking") return <p className="muted">Looking for room {code}…</p>;
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
    return <NameForm code={code} initialName={phase.name} initialRole={phase.role} onDone={(name, role) => setPhase({ kind: "in-room", name, role })} />;
  if (phase.kind === "left") {
    const { name, role } = phase;
    return (
      <div className="panel stack">
        <h1>You left room {code}</h1>
        <p className="row">
          <button type="button" className="primary" onClick={() => setPhase({ kind: "in-room", name, role })}>
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
