/**
 * The command table: every client event the room handles → its handler. Each entry says what
 * it needs (a seat in a room; the host), and every handler answers with one Result shape, which
 * server/socket.ts turns into the ack and, on failure, an `error` event. Validation (zod,
 * parseHitFast) and rate limits happen before, in the socket adapter.
 */
import type { z } from "zod";
import type { Ack, CLIENT_EVENTS, ClientEventName, ClientToServerEvents } from "../../core/protocol";
import { react, startBattle, stopBattle } from "./battle";
import type { Connection } from "./connection";
import type { RoomContext } from "./context";
import { forwardDirectSignal } from "./direct";
import { kick, leaveForGood, type Seats } from "./membership";
import { passHost, setCoHost } from "./host";
import { renameRoom } from "./naming";
import { heard, startRecording, stopRecording } from "./recording";
import { relayHit } from "./relay";
import type { Result } from "./result";
import type { Member, Room } from "./room";
import { quality } from "./telemetry";
import { setMode, setTempo, type TimelineWriter } from "./transport";

/** client events handled by rooms (sync:ping is answered by the adapter itself: it is on the timing path) */
export type RoomEvent = Exclude<ClientEventName, "sync:ping">;
export type MsgOf<E extends ClientEventName> = z.infer<(typeof CLIENT_EVENTS)[E]>;
type AckOf<E extends ClientEventName> = NonNullable<Parameters<ClientToServerEvents[E]>[1]>;
/** what the ack carries on success (null for events without one) */
export type DataOf<E extends ClientEventName> = [AckOf<E>] extends [never] ? null : AckOf<E> extends Ack<infer T> ? T : null;
export type Answer<E extends RoomEvent> = Result<DataOf<E>> | Promise<Result<DataOf<E>>>;

/** What handlers reach: the room context and the service's seats, timeline writer and join. */
export interface CommandEnv {
  ctx: RoomContext;
  seats: Seats;
  timeline: TimelineWriter;
  join(conn: Connection, msg: MsgOf<"join">): Promise<Result<DataOf<"join">>>;
  /** someone left the room for good: it may now be idle */
  left(room: Room): void;
}

export interface Seat {
  room: Room;
  member: Member;
}

export type Command<E extends RoomEvent> =
  /** needs no seat (joining takes one) */
  | { seated: false; host?: undefined; run(env: CommandEnv, conn: Connection, msg: MsgOf<E>): Answer<E> }
  /** needs the connection's seat; `host`: only the room's host may */
  | { seated: true; host?: true; run(env: CommandEnv, seat: Seat, msg: MsgOf<E>, conn: Connection): Answer<E> };

export const COMMANDS = {
  join: { seated: false, run: (env, conn, msg) => env.join(conn, msg) },
  hit: { seated: true, run: (env, s, msg) => relayHit(env.ctx, s.room, s.member, msg) },
  heard: { seated: true, run: (env, s, msg) => heard(env.ctx, s.room, s.member, msg) },
  quality: { seated: true, run: (env, s, msg) => quality(env.ctx, s.room, s.member, msg) },
  react: { seated: true, run: (env, s, msg) => react(env.ctx, s.room, s.member, msg.emoji) },
  leave: {
    seated: true,
    run: (env, s, _msg, conn) => {
      const res = leaveForGood(env.ctx, env.seats, s.room, s.member, conn);
      env.left(s.room);
      return res;
    },
  },
  "recording:start": { seated: true, run: (env, s, msg) => startRecording(env.ctx, s.room, s.member, msg) },
  "recording:stop": { seated: true, run: (env, s) => stopRecording(env.ctx, s.room, s.member) },
  "tempo:set": { seated: true, host: true, run: (env, s, msg) => setTempo(env.ctx, env.timeline, s.room, msg) },
  "mode:set": { seated: true, host: true, run: (env, s, msg) => setMode(env.ctx, s.room, msg.mode) },
  "member:kick": { seated: true, host: true, run: (env, s, msg) => kick(env.ctx, env.seats, s.room, s.member, msg.id) },
  "battle:start": { seated: true, host: true, run: (env, s, msg) => startBattle(env.ctx, s.room, s.member, msg) },
  "battle:stop": { seated: true, host: true, run: (env, s) => stopBattle(env.ctx, s.room) },
  // host: true lets a co-host through; passing the role and naming a co-host check for the host itself
  "host:pass": { seated: true, host: true, run: (env, s, msg) => passHost(env.ctx, s.room, s.member, msg.id) },
  "cohost:set": { seated: true, host: true, run: (env, s, msg) => setCoHost(env.ctx, s.room, s.member, msg.id) },
  "room:rename": { seated: true, host: true, run: (env, s, msg) => renameRoom(env.ctx, s.room, msg.name) },
  "direct:signal": { seated: true, run: (_env, s, msg) => forwardDirectSignal(s.room, s.member, msg) },
} satisfies { [E in RoomEvent]: Command<E> };

/** What an event's handler returns: a Result, or a promise of one for the commands that await the store (never for `hit`). */
export type AnswerOf<E extends RoomEvent> = ReturnType<(typeof COMMANDS)[E]["run"]>;
