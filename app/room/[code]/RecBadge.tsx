"use client";
import type { RoomView } from "../../../core/protocol";
import styles from "./RoomHeader.module.css";

/**
 * "● REC — Ada" for everyone in the room while a recording runs (issue 14): who started it, from
 * the room's view (recording.startedBy, a member id). It starts the room's status lines (Room.tsx),
 * whose height is fixed, so it appearing or going never moves anything and never hides the room's name.
 */
export function RecBadge({ room, me }: { room: RoomView | null; me: string | undefined }) {
  const rec = room?.recording ?? null;
  // The live region is always there (one mounted with its text is not announced), empty between recordings.
  if (!rec) return <span role="status" className="visually-hidden" />;
  const by = room?.members.find((m) => m.id === rec.startedBy);
  const who = by ? (by.id === me ? `${by.name} (you)` : by.name) : null;
  return (
    <span className={styles.rec} role="status" title={who ? `Recording, started by ${who}` : "Recording"}>
      <span aria-hidden="true">
        <span className={styles.dot}>●</span> REC{who ? <span className={styles.who}> — {who}</span> : null}
      </span>
      <span className="visually-hidden">{who ? `Recording, started by ${who}` : "Recording"}</span>
    </span>
  );
}
