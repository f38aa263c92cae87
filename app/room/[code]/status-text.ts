import type { SessionSnapshot } from "../../lib/session";

/** The status line: where the connection is, and what the player can do about sound. */
export function statusText(snap: SessionSnapshot | null, audio: AudioContextState, unacked: number): string {
  if (!snap) return "Starting audio…";
  switch (snap.status.kind) {
    case "idle":
    case "connecting":
    case "joining":
      return "Connecting…";
    case "reconnecting":
      return `Connection lost — reconnecting…${unacked > 0 ? ` ${unacked} of your hits are kept here and will be saved when it is back.` : ""}`;
    case "refused":
    case "kicked":
      return "Could not join the room.";
    case "closed":
      return "Disconnected.";
    case "joined": {
      const sync = snap.rttMs === null ? "syncing clocks…" : `clock synced (round trip ${snap.rttMs.toFixed(1)} ms)`;
      return `Connected · ${sync}${audio === "running" ? "" : " · sound is off: press a pad or Enable sound"}`;
    }
  }
}
