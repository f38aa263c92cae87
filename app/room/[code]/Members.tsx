"use client";
import type { RoomView } from "../../../core/protocol";
import type { JamConnection } from "../../lib/connection/jam-connection";
import type { Act } from "./act";
import { HostActions } from "./HostActions";
import { memberLatency } from "./use-partner-distances";

/** Who is in the room with their connection quality (member:quality keeps it current); the host can remove people, pass the role or name a co-host (HostActions). */
export function Members({ room, conn, me, amHost, act, onLeft }: { room: RoomView | null; conn: JamConnection | null; me: string | undefined; amHost: boolean; act: Act; onLeft: () => void }) {
  return (
    <section className="panel" aria-labelledby="people-heading">
      <h2 id="people-heading">In the room</h2>
      <ul className="members">
        {room?.members.map((m) => {
          const q = memberLatency(conn, m, me); // one way, the figure the distance summary and latency table show
          return (
            <li key={m.id} className="member">
              <span className="swatch" style={{ background: m.color }} aria-hidden="true" />
              <span>
                {m.name}
                {m.id === me ? " (you)" : ""}
                {m.isHost ? <span className="muted"> · host</span> : null}
                {m.isCoHost ? <span className="muted"> · co-host</span> : null}
              </span>
              {m.role === "spectator" && <span className="muted">· spectator</span>}
              <span className={`quality ${q.cls}`} title={q.title}>{q.label}</span>
              {amHost && room && <HostActions room={room} conn={conn} me={me} member={m} act={act} />}
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
