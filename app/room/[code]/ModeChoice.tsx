"use client";
import type { RoomView } from "../../../core/protocol";
import type { JamConnection } from "../../lib/connection/jam-connection";
import type { Act } from "./act";

/** Live (adaptive delay) or Groove (whole bars): the host chooses for the room. */
export function ModeChoice({ conn, room, isHost, act }: { conn: JamConnection | null; room: RoomView | null; isHost: boolean; act: Act }) {
  return (
    <div className="row" role="group" aria-label="Play mode">
      <span className="muted">Mode:</span>
      {(["live", "groove"] as const).map((mode) => (
        <button
          key={mode}
          type="button"
          aria-pressed={room?.mode === mode}
          disabled={!isHost || !conn}
          title={mode === "live" ? "Adaptive delay: as early as the network allows" : "Partners are delayed by whole bars (1, 2 or 4), beat 1 on beat 1"}
          onClick={() => conn && void act(() => conn.setMode(mode))}
        >
          {mode === "live" ? "Live" : "Groove"}
        </button>
      ))}
      {!isHost && <span className="muted">(the host chooses)</span>}
    </div>
  );
}
