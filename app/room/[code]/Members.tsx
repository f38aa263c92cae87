"use client";
import type { RoomView } from "../../../core/protocol";
import type { JamConnection } from "../../lib/connection/jam-connection";
import type { Act } from "./act";

function qualityOf(rttMs: number | null, connected: boolean): { label: string; cls: string } {
  if (!connected) return { label: "offline", cls: "q-off" };
  if (rttMs === null) return { label: "measuring…", cls: "q-off" };
  // One-way ≈ rtt/2; the ensemble threshold is ~25 ms one-way (timing-background.md).
  if (rttMs <= 50) return { label: `good · ${Math.round(rttMs)} ms`, cls: "q-good" };
  if (rttMs <= 100) return { label: `fair · ${Math.round(rttMs)} ms`, cls: "q-fair" };
  return { label: `poor · ${Math.round(rttMs)} ms`, cls: "q-poor" };
}

/** Who is in the room with their connection quality (member:quality keeps it current); the host can remove people. */
export function Members({ room, conn, me, amHost, act, onLeft }: { room: RoomView | null; conn: JamConnection | null; me: string | undefined; amHost: boolean; act: Act; onLeft: () => void }) {
  return (
    <section className="panel" aria-labelledby="people-heading">
      <h2 id="people-heading">In the room</h2>
      <ul className="members">
        {room?.members.map((m) => {
          const q = qualityOf(m.rttMs, m.connected);
          return (
            <li key={m.id} className="member">
              <span className="swatch" style={{ background: m.color }} aria-hidden="true" />
              <span>
                {m.name}
                {m.id === me ? " (you)" : ""}
                {m.isHost ? <span className="muted"> · host</span> : null}
              </span>
              {m.role === "spectator" && <span className="muted">· spectator</span>}
              <span className={`quality ${q.cls}`} title="Round trip to the server">{q.label}</span>
              {amHost && m.id !== me && (
                <button
                  type="button"
                  className="small"
                  aria-label={`Remove ${m.name}`}
                  onClick={() => {
                    if (conn && window.confirm(`Remove ${m.name} from the room?`)) void act(() => conn.kick(m.id));
                  }}
                >
                  Remove
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <p>
        <button
          type="button"
          className="small"
          onClick={() => {
            if (!conn) return;
            void conn.leave().then(() => onLeft());
          }}
        >
          Leave room
        </button>
      </p>
    </section>
  );
}
