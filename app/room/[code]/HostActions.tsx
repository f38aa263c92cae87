"use client";
/**
 * What the host can do to one member of the list (issue 14): remove them; and, the host alone,
 * hand them the host role or make them co-host (the host's powers, not handing them on). A co-host
 * sees Remove, but never for the host.
 */
import type { MemberView, RoomView } from "../../../core/protocol";
import type { JamConnection } from "../../lib/connection/jam-connection";
import type { Act } from "./act";
import styles from "./HostActions.module.css";

export function HostActions({ room, conn, me, member: m, act }: { room: RoomView; conn: JamConnection | null; me: string | undefined; member: MemberView; act: Act }) {
  const mine = room.members.find((x) => x.id === me);
  if (!conn || !mine || m.id === me || !(mine.isHost || mine.isCoHost)) return null;
  const host = mine.isHost;
  const player = m.role === "player";
  return (
    <span className={styles.actions}>
      {host && player && (
        <button
          type="button"
          className="small"
          aria-label={`Make host: ${m.name}`}
          onClick={() => {
            if (window.confirm(`Make ${m.name} the host? You will no longer be the host.`)) void act(() => conn.passHost(m.id), "host:pass");
          }}
        >
          Make host
        </button>
      )}
      {host && player && !m.isCoHost && (
        <button type="button" className="small" aria-label={`Make co-host: ${m.name}`} onClick={() => void act(() => conn.setCoHost(m.id), "cohost:set")}>
          Make co-host
        </button>
      )}
      {host && m.isCoHost && (
        <button type="button" className="small" aria-label={`Remove co-host: ${m.name}`} onClick={() => void act(() => conn.setCoHost(null), "cohost:set")}>
          Remove co-host
        </button>
      )}
      {!m.isHost && (
        <button
          type="button"
          className="small"
          aria-label={`Remove ${m.name}`}
          onClick={() => {
            if (window.confirm(`Remove ${m.name} from the room?`)) void act(() => conn.kick(m.id), "member:kick");
          }}
        >
          Remove
        </button>
      )}
    </span>
  );
}
