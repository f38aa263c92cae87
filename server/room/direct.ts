/**
 * The direct path's signalling (issue 15, docs/direct-path.md): one player's offer, answer or
 * candidates for a partner, passed on to that partner's connection and nothing else — nothing is
 * stored or broadcast. Only between two connected players of the same room, in Live mode, in a
 * room within DIRECT_MAX_PLAYERS (core/direct-path.ts); everyone else stays on the relay.
 * Rate-limited by the socket adapter with the room's other requests.
 */
import { directPathRefusal } from "../../core/direct-path";
import type { DirectSignalMsg } from "../../core/protocol";
import { fail, OK_NULL, type Result } from "./result";
import type { Member, Room } from "./room";

export function forwardDirectSignal(room: Room, member: Member, msg: DirectSignalMsg): Result<null> {
  if (member.role === "spectator") return fail("spectator", "Spectators listen over the relay; join as a player to play.", "direct:signal");
  const partner = room.members.get(msg.to);
  if (!partner || partner === member || partner.role !== "player" || !partner.conn) {
    return fail("no_direct_path", `"${msg.to}" is no connected player of this room.`, "direct:signal");
  }
  let connectedPlayers = 0;
  for (const m of room.members.values()) if (m.conn && m.role === "player") connectedPlayers++;
  const refusal = directPathRefusal({ mode: room.mode, connectedPlayers });
  if (refusal) return fail("no_direct_path", refusal, "direct:signal");
  partner.conn.send("direct:signal", { from: member.id, description: msg.description, candidates: msg.candidates });
  return OK_NULL;
}
