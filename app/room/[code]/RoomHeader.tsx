"use client";
/**
 * The room's title (issue 14): its name, or "Room <code>" until the host names it; the host or
 * co-host renames it in place; the page title follows; the REC badge lies over its end. One
 * component, so Room.tsx holds one line for it.
 */
import { useEffect, useState } from "react";
import { LIMITS } from "../../../core/limits";
import type { RoomView } from "../../../core/protocol";
import type { JamConnection } from "../../lib/connection/jam-connection";
import type { Act } from "./act";
import styles from "./RoomHeader.module.css";

/** what the room is called: its name, or its code */
export function roomTitle(code: string, room: RoomView | null): string {
  return room?.name ?? `Room ${code}`;
}

/** the title a share sheet gets (Share…): the room's name when it has one */
export function shareTitle(code: string, name: string | null): string {
  return name ? `${name} — Backbeat` : `Backbeat room ${code}`;
}

export function RoomHeader({ code, room, conn, canRename, act }: { code: string; room: RoomView | null; conn: JamConnection | null; canRename: boolean; act: Act }) {
  const title = roomTitle(code, room);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState("");
  useEffect(() => {
    document.title = `${title} · Backbeat`; // the layout's title template
  }, [title]);
  useEffect(() => {
    if (!canRename) setEditing(false); // the role moved on while the form was open
  }, [canRename]);

  if (editing && conn) {
    return (
      <form
        className={`${styles.title} ${styles.form}`}
        aria-label="Rename the room"
        onSubmit={(e) => {
          e.preventDefault();
          setEditing(false);
          void act(() => conn.renameRoom(draft), "room:rename");
        }}
        onKeyDown={(e) => {
          if (e.key === "Escape") setEditing(false);
        }}
      >
        <label htmlFor="room-name" className="visually-hidden">
          Room name
        </label>
        <input
          id="room-name"
          value={draft}
          maxLength={LIMITS.roomNameMaxChars}
          placeholder={`Room ${code}`}
          autoFocus
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit" className="small primary">
          Save
        </button>
        <button type="button" className="small" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </form>
    );
  }
  return (
    <div className={styles.title}>
      <h1 title={room?.name ? `${room.name} (room ${code})` : undefined}>{title}</h1>
      {canRename && conn && (
        <button
          type="button"
          className={styles.rename}
          aria-label="Rename room"
          title="Rename room"
          onClick={() => {
            setDraft(room?.name ?? "");
            setEditing(true);
          }}
        >
          ✎
        </button>
      )}
    </div>
  );
}
