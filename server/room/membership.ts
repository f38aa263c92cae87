/**
 * Who is in a room: joining (passcodes and their attempt limit, seat keys, roles, capacity,
 * colours, the host token), leaving (greyed: a reconnect keeps name and colour), the Leave
 * button, the host removing someone (a 10-minute ban), and when an empty room may leave memory.
 */
import type { JoinMsg, RoomView } from "../../core/protocol";
import type { FailedAttemptLimiter } from "../passcode";
import { verifyPasscode } from "../passcode";
import type { Connection } from "./connection";
import { retryUntilStored, type RoomContext } from "./context";
import { fail, OK_NULL, ok, type Failure, type Result } from "./result";
import { checkHost, claimHost, forgetCoHost } from "./host";
import { graceOver } from "./recording";
import { hashToken, MAX_MEMBERS, MEMBER_COLORS, newMember, roomView, ROOM_CAPACITY, SPECTATOR_CAPACITY, tokenMatches, type Member, type Room } from "./room";
import { forgetTelemetry } from "./telemetry";

/** a kicked participant id may not come back to the room for this long */
export const KICK_BAN_MS = 10 * 60_000;

/** The service's map of which connection holds which seat. */
export interface Seats {
  of(conn: Connection): { room: Room; member: Member } | undefined;
  bind(conn: Connection, room: Room, member: Member): void;
  unbind(conn: Connection): void;
}

export function recentlyKicked(room: Room, id: string, nowMs: number): boolean {
  const kickedAt = room.kicked.get(id);
  return kickedAt !== undefined && nowMs - kickedAt < KICK_BAN_MS;
}

const kickedError = () => fail("kicked", "The host removed you from this room.", "join");

/** Failure when the passcode is missing, wrong, or guessed wrong too often lately; null when right. */
export async function checkPasscode(attempts: FailedAttemptLimiter, code: string, hash: string, passcode: string | undefined, nowMs: number): Promise<Failure | null> {
  // No passcode is no guess: it does not count against the room's attempts.
  if (!passcode) return fail("passcode_required", "This room is private: enter its passcode to join.", "join");
  const attempt = attempts.begin(code, nowMs);
  if (!attempt.ok) {
    const s = Math.ceil(attempt.retryAfterMs / 1000);
    return fail("rate_limited", `Too many wrong passcodes for this room: try again in ${s} s.`, "join", { retryAfterMs: attempt.retryAfterMs });
  }
  if (!(await verifyPasscode(passcode, hash))) return fail("wrong_passcode", "Wrong passcode for this room.", "join");
  attempt.release();
  return null;
}

export interface JoinDeps {
  ctx: RoomContext;
  seats: Seats;
  passcodeAttempts: FailedAttemptLimiter;
  /** the connection leaves the seat it holds (a join of another room or as someone else) */
  leave(conn: Connection): void;
}

/** Seats `conn` in a loaded room (service.ts loads it; this decides who may sit and where). */
export async function joinRoom(d: JoinDeps, room: Room, conn: Connection, msg: JoinMsg): Promise<Result<{ room: RoomView; serverNowMs: number }>> {
  const { ctx, seats } = d;
  const prev = seats.of(conn);
  if (prev && (prev.room !== room || prev.member.id !== msg.participantId)) d.leave(conn);
  if (recentlyKicked(room, msg.participantId, ctx.clock.now())) return kickedError();
  const isHost = tokenMatches(msg.hostToken, room.hostTokenHash);
  if (room.passcodeHash !== null && !isHost) {
    // A member already let in proves it with this tab's seat key: a reconnect needs no passcode,
    // not even while wrong guesses have locked the room's passcode attempts.
    const seated = room.members.get(msg.participantId);
    if (!seated?.seatKeyHash || !tokenMatches(msg.seatKey, seated.seatKeyHash)) {
      const refused = await checkPasscode(d.passcodeAttempts, room.code, room.passcodeHash, msg.passcode, ctx.clock.now());
      if (refused) return refused;
    }
  }
  // Awaited above: the connection may have closed, the room moved, or the host removed this participant meanwhile.
  if (conn.isOpen?.() === false) return fail("not_joined", "The connection closed while joining.", "join");
  if (!ctx.isLive(room)) return fail("room_moving", "The room moved to another server: connect again.", "join", { retryAfterMs: 0 });
  if (recentlyKicked(room, msg.participantId, ctx.clock.now())) return kickedError();
  const role = msg.role ?? "player";
  let member = room.members.get(msg.participantId);
  if (member?.seatKeyHash && !tokenMatches(msg.seatKey, member.seatKeyHash)) {
    return fail("seat_taken", "Someone else is using this seat. Reload the page to join as yourself.", "join");
  }
  if (member && !member.seatKeyHash && msg.seatKey) member.seatKeyHash = hashToken(msg.seatKey);
  if (!member || member.role !== role) {
    let online = 0;
    for (const m of room.members.values()) if (m.conn && m.role === role && m.id !== msg.participantId) online++;
    const cap = role === "player" ? ROOM_CAPACITY : SPECTATOR_CAPACITY;
    if (online >= cap) return fail("room_full", `Room is full (${cap} ${role}s).`, "join");
  }
  if (!member) {
    const used = new Set([...room.members.values()].map((m) => m.color));
    const color = MEMBER_COLORS.find((c) => !used.has(c)) ?? MEMBER_COLORS[room.members.size % MEMBER_COLORS.length]!;
    // Rooms must not grow without bound: forget the longest-gone members first.
    if (room.members.size >= MAX_MEMBERS) {
      const gone = [...room.members.values()].find((m) => !m.conn);
      if (!gone) return fail("room_full", "Room is full.", "join");
      room.members.delete(gone.id);
      forgetTelemetry(ctx, gone);
    }
    member = newMember({ id: msg.participantId, name: msg.name, color, role, isHost: false, seatKeyHash: msg.seatKey ? hashToken(msg.seatKey) : null });
    room.members.set(member.id, member);
  }
  member.role = role;
  member.name = msg.name;
  if (isHost) claimHost(room, member);
  // A reload or second tab of the same participant takes over the seat.
  if (member.conn && member.conn.id !== conn.id) {
    const old = member.conn;
    seats.unbind(old);
    ctx.fanout.remove(room.code, old);
    old.close("replaced");
  }
  member.conn = conn;
  room.idleSinceMs = null;
  ctx.fanout.add(room.code, conn);
  seats.bind(conn, room, member);
  checkHost(ctx, room); // the host is back, or the role was due to someone (changed below says so)
  // A (re)join must work while the database is away (its outbox is waiting to be re-sent):
  // these writes retry in the background instead of failing the join.
  const m = member;
  const participant = () => ctx.store.upsertParticipant({ id: m.id, roomCode: room.code, name: m.name, color: m.color });
  await retryUntilStored(ctx, participant, "store participant");
  const rec = room.recording;
  if (rec && rec.endedAtMs === null && m.role === "player") {
    await retryUntilStored(ctx, () => participant().then(() => ctx.store.addRecordingParticipant(rec.id, m.id)), "add recording participant");
  }
  void ctx.changed(room);
  return ok({ room: roomView(room), serverNowMs: ctx.clock.now() });
}

/** The connection went (closed tab, dropped link): its member stays listed, greyed, so a reconnect keeps name and colour. */
export function disconnect(ctx: RoomContext, seats: Seats, conn: Connection): Room | null {
  const seat = seats.of(conn);
  if (!seat) return null;
  seats.unbind(conn);
  const { room, member } = seat;
  ctx.fanout.remove(room.code, conn);
  if (member.conn === conn) {
    member.conn = null;
    member.rttMs = null;
    forgetTelemetry(ctx, member);
    checkHost(ctx, room); // the grace time starts when the host's link drops
    void ctx.changed(room);
  }
  return room;
}

/** The Leave button: removed from the list, not just greyed. */
export function leaveForGood(ctx: RoomContext, seats: Seats, room: Room, member: Member, conn: Connection): Result<null> {
  seats.unbind(conn);
  ctx.fanout.remove(room.code, conn);
  room.members.delete(member.id);
  forgetTelemetry(ctx, member);
  forgetCoHost(room, member);
  // A host who leaves gives the role up for good: their token makes nobody host any more.
  if (member.isHost) room.hostTokenHash = null;
  checkHost(ctx, room);
  void ctx.changed(room);
  return OK_NULL;
}

export function kick(ctx: RoomContext, seats: Seats, room: Room, host: Member, id: string): Result<null> {
  if (id === host.id) return fail("invalid_message", "You cannot remove yourself; use Leave.", "member:kick");
  const target = room.members.get(id);
  if (!target) return fail("invalid_message", "No such member in this room.", "member:kick");
  if (target.isHost) return fail("not_host", "A co-host cannot remove the host.", "member:kick");
  room.kicked.set(id, ctx.clock.now());
  room.members.delete(id);
  forgetTelemetry(ctx, target);
  forgetCoHost(room, target);
  if (target.conn) {
    const c = target.conn;
    seats.unbind(c);
    ctx.fanout.remove(room.code, c);
    c.send("error", { code: "kicked", message: "The host removed you from this room." });
    c.close("kicked");
  }
  void ctx.changed(room);
  return OK_NULL;
}

/**
 * Whether an empty room may leave memory now. Everything it holds is saved or may be forgotten
 * (greyed members, telemetry), except while a join is under way, a battle is unscored, a kick
 * ban or a stopped recording's grace period is running: those rooms wait. Updates idleSinceMs.
 */
export function mayEvict(room: Room, nowMs: number, idleRoomMs: number): boolean {
  for (const m of room.members.values()) {
    if (m.conn) {
      room.idleSinceMs = null;
      return false;
    }
  }
  room.idleSinceMs ??= nowMs;
  if (nowMs - room.idleSinceMs < idleRoomMs || room.joinsInFlight > 0) return false;
  if (room.battle && !room.battle.result) return false;
  for (const atMs of room.kicked.values()) if (nowMs - atMs < KICK_BAN_MS) return false;
  return graceOver(room, nowMs);
}
