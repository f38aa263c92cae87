"use client";
import { useState } from "react";
import type { RoomView } from "../../../core/protocol";
import type { JamConnection } from "../../lib/connection/jam-connection";
import { saveOwnerToken } from "../../lib/identity";
import type { Act } from "./act";
import { useStopConfirm } from "./StopConfirm";

/** Start (optionally after a count-in bar) and stop the room's recording. */
export function RecordingControls({ conn, room, joined, busy, act }: { conn: JamConnection | null; room: RoomView | null; joined: boolean; busy: boolean; act: Act }) {
  const [countIn, setCountIn] = useState(false);
  const recording = room?.recording ?? null;
  const { confirmStop, dialog } = useStopConfirm(room, conn?.participantId); // someone else's recording: ask first
  const start = async (c: JamConnection) => {
    const r = await c.startRecording(countIn);
    if (!r.ok) return r.error;
    saveOwnerToken(r.data.id, r.data.ownerToken); // shown once: it lets its holder rename or delete the recording
    return null;
  };
  const stop = async (c: JamConnection) => {
    const r = await c.stopRecording();
    return r.ok ? null : r.error;
  };
  return (
    <div className="row">
      {recording ? (
        <button type="button" className="primary" disabled={busy || !conn} onClick={() => conn && void confirmStop().then((ok) => (ok ? act(() => stop(conn), "recording:stop") : undefined))}>
          <span className="recording-dot" aria-hidden="true" /> Stop recording
        </button>
      ) : (
        <button type="button" disabled={busy || !conn || !joined} onClick={() => conn && void act(() => start(conn))}>
          Start recording
        </button>
      )}
      <label className="inline-check">
        <input type="checkbox" checked={countIn} onChange={(e) => setCountIn(e.target.checked)} /> Count-in bar
      </label>
      {dialog}
      <span className="muted" aria-live="polite">{recording ? (conn && recording.barOneAtMs > conn.sharedNow() ? "Count-in…" : "Recording…") : ""}</span>
    </div>
  );
}
