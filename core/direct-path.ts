/**
 * Who may use the direct path (issue 15, docs/direct-path.md "Who uses it"): one rule for the
 * server (which relays signals only where it holds) and the page (which opens channels only
 * where it holds). Pure, no zod.
 */

/**
 * A mesh needs n − 1 connections per player: at 4 players 3 each (6 in the room), each with its
 * own ICE gathering, DTLS handshake and consent checks, and every hit leaves its sender 3 + 1
 * times. Above that the relay serves the room as before (docs/direct-path.md).
 */
export const DIRECT_MAX_PLAYERS = 4;

export interface DirectRoomFacts {
  mode: "live" | "groove";
  /** connected players (spectators and greyed members do not count) */
  connectedPlayers: number;
}

/** Why the room does not use the direct path, or null when it does. */
export function directPathRefusal(room: DirectRoomFacts): string | null {
  if (room.mode !== "live") return "Groove mode plays over the relay: partners are whole bars late, a shorter path changes nothing audible.";
  if (room.connectedPlayers > DIRECT_MAX_PLAYERS) return `Rooms of more than ${DIRECT_MAX_PLAYERS} players play over the relay.`;
  return null;
}

/** The player with the smaller id (code-unit order, as compareHits) makes the offer: no glare. */
export function offersTo(selfId: string, partnerId: string): boolean {
  return selfId < partnerId;
}
