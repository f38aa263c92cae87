"use client";
import { useEffect } from "react";
import type { RoomView } from "../../../core/protocol";
import { participantId } from "../../lib/identity";
import { rememberRecordings } from "../../lib/my-recordings";
import { RecordingItem } from "./RecordingItem";

/** The room's recordings, newest first as the server lists them. */
export function Recordings({ room }: { room: RoomView | null }) {
  const list = room?.recordings ?? [];
  // the ones this browser made or played in, for the "My recordings" page (app/recordings/)
  const code = room?.code;
  const recordings = room?.recordings;
  useEffect(() => {
    if (code && recordings) rememberRecordings(code, recordings, participantId(code));
  }, [code, recordings]);
  return (
    <section className="panel" aria-labelledby="rec-heading">
      <h2 id="rec-heading">Recordings</h2>
      {list.length === 0 ? (
        <p className="muted">{emptyText(room)}</p>
      ) : (
        <ul className="recordings">
          {list.map((r) => (
            <RecordingItem key={r.id} rec={r} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** What an empty list says: a running recording is listed once it stops; only players can start one. */
function emptyText(room: RoomView | null): string {
  if (room?.recording) return "None finished yet: the one running now is listed here when it stops.";
  const me = room?.members.find((m) => m.id === participantId(room.code));
  if (me?.role === "spectator") return "None yet. The players' recordings are listed here.";
  return "None yet. Press Start recording, play, then Stop.";
}
