/**
 * Members' telemetry (round trip, clock error, what each measures of the others, clock-sync
 * legs) as deltas (issue 13): a report updates the member and, when the figures moved, the
 * others in the room get a small volatile `member:quality` — at most once per
 * MEMBER_QUALITY_INTERVAL_MS per member, the latest figures when the interval allows. It never
 * sends `room:state` (in a steady room of 8 that was 3.3 room:state/s, 32.7 kB/s per client);
 * views still carry the latest figures, so a join ack or `room:state` is complete.
 */
import { MEMBER_QUALITY_INTERVAL_MS, type LegReport, type ListeningReport, type QualityReportMsg } from "../../core/protocol";
import type { RoomContext } from "./context";
import { OK_NULL, type Result } from "./result";
import { memberQuality, type Member, type Room } from "./room";

/** Legs are re-sent every report; a move of ≥ 2 ms in a leg is worth telling the room. */
export function legsMoved(a: LegReport | null, b: LegReport | null): boolean {
  if (a === null || b === null) return a !== b;
  return (["upP50Ms", "upP99Ms", "downP50Ms", "downP99Ms"] as const).some((k) => Math.abs(a[k] - b[k]) >= 2);
}

type Figures = Pick<Member, "rttMs" | "clockErrorMs" | "listening" | "legs">;

/** Whether a report is worth sending to the others. Pure. */
export function qualityChanged(before: Figures, after: Figures): boolean {
  return (
    before.rttMs === null ||
    after.rttMs === null ||
    Math.abs(before.rttMs - after.rttMs) >= 1 ||
    JSON.stringify(after.listening) !== JSON.stringify(before.listening) ||
    after.clockErrorMs !== before.clockErrorMs ||
    legsMoved(before.legs, after.legs)
  );
}

/** What a report says, keeping only measurements of members of this room (not of oneself). */
export function figuresOf(room: Room, member: Member, msg: QualityReportMsg): Figures {
  const listening: ListeningReport[] = (msg.listening ?? []).filter((l) => l.from !== member.id && room.members.has(l.from));
  return { rttMs: msg.rttMs, clockErrorMs: msg.clockErrorMs ?? null, listening, legs: msg.legs ?? null };
}

export function quality(ctx: RoomContext, room: Room, member: Member, msg: QualityReportMsg): Result<null> {
  const next = figuresOf(room, member, msg);
  const changed = qualityChanged(member, next);
  member.rttMs = next.rttMs;
  member.clockErrorMs = next.clockErrorMs;
  member.listening = next.listening;
  member.legs = next.legs;
  if (changed && !member.qualityTimer) {
    const dueInMs = member.qualitySentAtMs + MEMBER_QUALITY_INTERVAL_MS - ctx.clock.now();
    if (dueInMs <= 0) sendQuality(ctx, room, member);
    // coalesced: the figures of when the timer fires (the latest) go out then
    else member.qualityTimer = ctx.clock.setTimeout(() => sendQuality(ctx, room, member), dueInMs);
  }
  return OK_NULL;
}

function sendQuality(ctx: RoomContext, room: Room, member: Member): void {
  member.qualityTimer = null;
  if (!member.conn || room.members.get(member.id) !== member || !ctx.isLive(room)) return;
  member.qualitySentAtMs = ctx.clock.now();
  ctx.fanout.toRoomVolatile(room.code, member.conn.id, "member:quality", memberQuality(member));
}

/** The member left or went: no update of theirs is pending any more. */
export function forgetTelemetry(ctx: Pick<RoomContext, "clock">, member: Member): void {
  ctx.clock.clearTimeout(member.qualityTimer);
  member.qualityTimer = null;
}
