/**
 * The room view this page holds, kept current from two channels (issue 13, "Telemetry as
 * deltas"): `room:state` replaces it when the room really changes; `member:quality` merges one
 * member's telemetry into it. Pure: returns a new view (React compares by reference) and leaves
 * the old one untouched.
 */
import type { MemberQuality, RoomView } from "../../../core/protocol";

/** The view with member `q.id`'s telemetry replaced; the same view when that member is not in it. */
export function mergeMemberQuality(room: RoomView, q: MemberQuality): RoomView {
  const i = room.members.findIndex((m) => m.id === q.id);
  if (i < 0) return room; // a delta that overtook the room:state adding its member: the next full view has it
  const members = room.members.slice();
  members[i] = { ...members[i]!, rttMs: q.rttMs, clockErrorMs: q.clockErrorMs, listening: q.listening, legs: q.legs };
  return { ...room, members };
}

/**
 * The delay your partners apply to your hits (the largest over connected partners), so with
 * fair monitoring you hear yourself as the furthest one hears you; 0 before anyone reported.
 */
export function fairMonitoringDelayMs(room: RoomView | null, selfId: string): number {
  if (!room) return 0;
  let ms = 0;
  for (const m of room.members) {
    if (m.id === selfId || !m.connected) continue;
    const l = m.listening.find((x) => x.from === selfId);
    if (l) ms = Math.max(ms, l.delayMs);
  }
  return ms;
}
