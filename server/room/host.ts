/**
 * Who runs the room (issue 14, "Host leaves → room locked"): the host role is handed on when the
 * host leaves or stays away, the host can pass it or name a co-host, and a co-host has the host's
 * powers except handing them on.
 *
 * Rules:
 * - The host token (POST /api/rooms) makes its holder host only while the role has never left the
 *   creator: any handover retires it (`hostTokenHash = null`, saved in the snapshot), so the
 *   creator coming back with it (a reload, a second tab, after a restart) never makes two hosts;
 *   they rejoin as a player. While it is valid, presenting it moves the role to that seat.
 * - The host leaves (Leave, removed from the list) → the role goes at once to the co-host if
 *   connected, else to the longest-present connected player (the earliest joined: the members
 *   map keeps join order, and so does the snapshot). Spectators never get it.
 * - The host's connection drops → the role stays theirs for HOST_GRACE_MS, then is handed on the
 *   same way. No connected player: the room waits; the next player to join takes it.
 */
import type { RoomContext } from "./context";
import { fail, OK_NULL, type Result } from "./result";
import type { Member, Room } from "./room";

/**
 * How long a disconnected host keeps the role. A reload is back in 1–3 s; a dropped link reconnects
 * on the client's back-off (1 s doubling to a 5 s cap, ±50 % jitter: app/lib/connection/status.ts),
 * so ~15 s covers four attempts and a Wi-Fi ↔ mobile switch. 20 s: a room is never locked for long,
 * and a host who only blinked does not lose it.
 */
export const HOST_GRACE_MS = 20_000;

/** May this member use the host's powers (tempo, meter, groove, mode, battles, removing people)? */
export function mayHost(room: Room, member: Member): boolean {
  return member.isHost || room.coHostId === member.id;
}

function hostOf(room: Room): Member | undefined {
  for (const m of room.members.values()) if (m.isHost) return m;
  return undefined;
}

/** The co-host if connected, else the longest-present connected player; never a spectator. */
function successor(room: Room, except: Member | undefined): Member | undefined {
  const co = room.coHostId === null ? undefined : room.members.get(room.coHostId);
  if (co && co !== except && co.conn && co.role === "player") return co;
  for (const m of room.members.values()) if (m !== except && m.conn && m.role === "player") return m;
  return undefined;
}

function clearTimer(ctx: RoomContext, room: Room): void {
  ctx.clock.clearTimeout(room.hostTimer);
  room.hostTimer = null;
}

/** Gives `to` the role: one host, the token retired, a co-host who became host is no longer co-host. */
function giveHost(ctx: RoomContext, room: Room, to: Member): void {
  for (const m of room.members.values()) m.isHost = false;
  to.isHost = true;
  if (room.coHostId === to.id) room.coHostId = null;
  room.hostTokenHash = null;
  room.hostAwaySinceMs = null;
  clearTimer(ctx, room);
}

/**
 * After anything that changes who is connected (join, disconnect, Leave, removal): hands the role
 * on when it is due, or arms the grace timer. Returns whether the role moved (the caller then
 * reports the change, as it does for its own).
 */
export function checkHost(ctx: RoomContext, room: Room): boolean {
  const host = hostOf(room);
  if (host?.conn) {
    room.hostAwaySinceMs = null;
    clearTimer(ctx, room);
    return false;
  }
  // No host yet and a valid token: the creator has not joined yet, the role is theirs to take.
  if (!host && room.hostTokenHash !== null) return false;
  if (host) {
    const nowMs = ctx.clock.now();
    room.hostAwaySinceMs ??= nowMs;
    const dueMs = room.hostAwaySinceMs + HOST_GRACE_MS;
    if (nowMs < dueMs) {
      room.hostTimer ??= ctx.clock.setTimeout(() => {
        room.hostTimer = null;
        if (ctx.isLive(room) && checkHost(ctx, room)) void ctx.changed(room);
      }, dueMs - nowMs);
      return false;
    }
  }
  const next = successor(room, host);
  clearTimer(ctx, room);
  if (!next) return false; // nobody to give it to: the next player to join takes it
  giveHost(ctx, room, next);
  return true;
}

/** A seat presented the (still valid) host token: the role moves to it, so there is one host. */
export function claimHost(room: Room, member: Member): void {
  for (const m of room.members.values()) m.isHost = m === member;
  if (room.coHostId === member.id) room.coHostId = null;
}

/** The host (not a co-host) hands the role to another player in the room. */
export function passHost(ctx: RoomContext, room: Room, from: Member, id: string): Result<null> {
  if (!from.isHost) return fail("not_host", "Only the host can pass the host role.", "host:pass");
  const to = room.members.get(id);
  if (!to || to === from) return fail("invalid_message", "No such other member in this room.", "host:pass");
  if (to.role !== "player") return fail("invalid_message", "Only a player can be the host.", "host:pass");
  giveHost(ctx, room, to);
  void ctx.changed(room);
  return OK_NULL;
}

/** The host (not a co-host) names a co-host, or none. */
export function setCoHost(ctx: RoomContext, room: Room, from: Member, id: string | null): Result<null> {
  if (!from.isHost) return fail("not_host", "Only the host can name a co-host.", "cohost:set");
  if (id !== null) {
    const to = room.members.get(id);
    if (!to || to === from) return fail("invalid_message", "No such other member in this room.", "cohost:set");
    if (to.role !== "player") return fail("invalid_message", "Only a player can be co-host.", "cohost:set");
  }
  if (room.coHostId === id) return OK_NULL;
  room.coHostId = id;
  void ctx.changed(room);
  return OK_NULL;
}

/** A member left the list (Leave, removed): they are no longer co-host. */
export function forgetCoHost(room: Room, member: Member): void {
  if (room.coHostId === member.id) room.coHostId = null;
}
