/**
 * The hot path: every strike of every player. Relayed at once to the rest of the room (one
 * encode through the Fanout), kept for a running battle's scoring, and queued for the recording
 * (or acknowledged at once when there is nothing to store). Lean on purpose: no allocation beyond
 * the relayed message (the stored row is a few numbers in the hit queue's columns,
 * server/hit-columns.ts); the answer is a shared constant.
 */
import { LIMITS, type HitMsg } from "../../core/protocol";
import { battleHit } from "./battle";
import type { RoomContext } from "./context";
import { recordingFor } from "./recording";
import { OK_NULL, type Result } from "./result";
import type { Member, Room } from "./room";

export function relayHit(ctx: RoomContext, room: Room, member: Member, msg: HitMsg): Result<null> {
  if (member.role === "spectator") return { ok: false, error: { code: "spectator", event: "hit", message: "Spectators listen and react; join as a player to play." } };
  const nowMs = ctx.clock.now();
  const battle = room.battle;
  if (battle && !battle.result && !msg.resend) battleHit(battle, member.id, msg);
  if (Math.abs(msg.strikeAtMs - nowMs) > LIMITS.strikeSkewMaxMs) {
    return { ok: false, error: { code: "invalid_message", event: "hit", message: `strikeAtMs is ${Math.round(msg.strikeAtMs - nowMs)} ms from the server clock` } };
  }
  if (!msg.resend) {
    // A re-sent hit is long past its slot: partners would only hear it late.
    ctx.fanout.toRoom(room.code, member.conn?.id ?? null, "hit", { seq: msg.seq, pad: msg.pad, velocity: msg.velocity, strikeAtMs: msg.strikeAtMs, from: member.id });
  }
  const rec = recordingFor(room, msg.strikeAtMs, nowMs);
  if (rec) {
    ctx.writer.addHit(rec.id, room.code, member.id, msg);
  } else {
    ctx.writer.queueAck(room.code, member.id, msg.seq); // nothing to store: the sender can forget it
  }
  return OK_NULL;
}
