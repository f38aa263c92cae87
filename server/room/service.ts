/**
 * The room registry of this process: loads a room when someone joins it (taking its lease and
 * fencing token: server/ownership.ts), dispatches commands through the table (commands.ts),
 * saves rooms when they really change, and drops them — idle, lost, handed over, or fenced out
 * by a newer owner. Knows connections only through connection.ts; time only through a Clock.
 */
import { randomBytes } from "node:crypto";
import { PROTOCOL_VERSION, type IceServer, type JoinMsg, type Tempo } from "../../core/protocol";
import { generateRoomCode } from "../../core/room-code";
import { LocalOwnership, type RoomOwnership } from "../ownership";
import { FailedAttemptLimiter, hashPasscode, type AttemptLimit } from "../passcode";
import type { Store } from "../store";
import { scheduleScoring } from "./battle";
import type { Clock, TimerHandle } from "./clock";
import { COMMANDS, type AnswerOf, type Command, type CommandEnv, type DataOf, type MsgOf, type RoomEvent, type Seat } from "./commands";
import { directFanout, type CloseReason, type Connection, type Fanout } from "./connection";
import type { RoomContext } from "./context";
import { mayHost } from "./host";
import { disconnect, joinRoom, mayEvict, type Seats } from "./membership";
import { RoomSaver } from "./persistence";
import { refreshRecordings } from "./recording";
import { fail, type Failure, type Result } from "./result";
import { hashToken, roomView, toRecordingView, type Room } from "./room";
import { restoreRoom, stateRecordOf } from "./snapshot";
import { forgetTelemetry } from "./telemetry";
import { TimelineWriter } from "./transport";
import { RowWriter } from "./writer";

/**
 * A room nobody is connected to leaves memory after this long (its state is in the database; a
 * join loads it again): long enough that a reload or a dropped link comes back to the same room
 * (greyed members, seat keys), short enough that memory stays bounded however many rooms are made
 * and left (docs/benchmarks/idle-rooms.md).
 */
export const DEFAULT_ROOM_IDLE_MS = 60_000;
/** idle rooms are looked for at most this far apart */
const IDLE_SWEEP_MAX_MS = 10_000;

export interface RoomServiceDeps {
  store: Store;
  clock: Clock;
  /** room broadcasts (Socket.IO rooms in server/socket.ts); direct sends to each connection without */
  fanout?: Fanout;
  /** who may hold which room (LocalOwnership: every room is this process's) */
  ownership?: RoomOwnership;
  /** told when recordingsChanged is called here (not by a peer): other worker processes refresh too */
  onRecordingsChanged?: (roomCode: string) => void;
  log?: (msg: string, err?: unknown) => void;
  /** failed passcode joins allowed per room (DEFAULT_PASSCODE_ATTEMPTS: 10 a minute) */
  passcodeAttempts?: AttemptLimit;
  /** ms an idle room stays in memory (DEFAULT_ROOM_IDLE_MS; 0: leaves with its last member) */
  idleRoomMs?: number;
  /** ICE_SERVERS (server/env.ts), handed to players with the join answer for the direct path; none by default */
  iceServers?: IceServer[];
}

interface LiveRoom {
  room: Room;
  saver: RoomSaver;
}

export type Handler<E extends RoomEvent> = (conn: Connection, msg: MsgOf<E>) => AnswerOf<E>;

export class RoomService {
  private readonly rooms = new Map<string, LiveRoom>();
  private readonly seatsByConn = new Map<string, Seat>();
  /** loads under way: concurrent joins of one room share one load */
  private readonly loading = new Map<string, Promise<Result<Room>>>();
  /** rooms leaving memory: their last save and lease release, awaited before a reload */
  private readonly unloading = new Map<string, Promise<void>>();
  private readonly ownership: RoomOwnership;
  private readonly writer: RowWriter;
  private readonly timeline: TimelineWriter;
  private readonly passcodeAttempts: FailedAttemptLimiter;
  private readonly idleRoomMs: number;
  private readonly log: (msg: string, err?: unknown) => void;
  private sweepTimer: TimerHandle | null = null;
  private closed = false;
  readonly ctx: RoomContext;
  private readonly env: CommandEnv;
  private readonly seats: Seats;

  constructor(private readonly deps: RoomServiceDeps) {
    this.idleRoomMs = deps.idleRoomMs ?? DEFAULT_ROOM_IDLE_MS;
    if (!(this.idleRoomMs >= 0) || !Number.isFinite(this.idleRoomMs)) throw new RangeError(`idleRoomMs must be ≥ 0 (finite), got: ${this.idleRoomMs}`);
    this.log = deps.log ?? (() => undefined);
    this.ownership = deps.ownership ?? new LocalOwnership();
    this.passcodeAttempts = new FailedAttemptLimiter(deps.passcodeAttempts);
    this.writer = new RowWriter({ store: deps.store, clock: deps.clock, log: this.log, connectionOf: (code, id) => this.rooms.get(code)?.room.members.get(id)?.conn ?? null });
    const fanout = deps.fanout ?? directFanout();
    this.ctx = {
      store: deps.store,
      clock: deps.clock,
      fanout,
      writer: this.writer,
      log: this.log,
      changed: (room) => this.changed(room),
      isLive: (room) => this.rooms.get(room.code)?.room === room,
    };
    this.timeline = new TimelineWriter(this.ctx);
    this.seats = {
      of: (conn) => this.seatsByConn.get(conn.id),
      bind: (conn, room, member) => void this.seatsByConn.set(conn.id, { room, member }),
      unbind: (conn) => void this.seatsByConn.delete(conn.id),
    };
    this.env = { ctx: this.ctx, seats: this.seats, timeline: this.timeline, join: (conn, msg) => this.join(conn, msg), left: (room) => this.noteIdle(room) };
    this.ownership.onLost((code) => this.drop(code, "moved"));
    this.ownership.onHandoverRequested((code) => void this.handOver(code).catch((err: unknown) => this.log(`handing over room ${code} failed`, err)));
    this.armSweep();
  }

  // ---------- commands ----------
  /**
   * The handler of one event, resolved once (server/socket.ts asks at registration): per message
   * it is a map lookup for the seat and the command's own work — nothing else on the hit path.
   */
  handler<E extends RoomEvent>(event: E): Handler<E> {
    const cmd = COMMANDS[event] as Command<RoomEvent>;
    const env = this.env;
    if (!cmd.seated) return ((conn: Connection, msg: MsgOf<"join">) => cmd.run(env, conn, msg as never)) as unknown as Handler<E>;
    const notJoined = Object.freeze(fail("not_joined", "Join a room first.", event));
    const notHost = Object.freeze(fail("not_host", "Only the host or co-host can do that.", event));
    const host = cmd.host === true;
    return ((conn: Connection, msg: never) => {
      const seat = this.seatsByConn.get(conn.id);
      if (!seat) return notJoined;
      if (host && !mayHost(seat.room, seat.member)) return notHost;
      return cmd.run(env, seat, msg, conn);
    }) as unknown as Handler<E>;
  }

  dispatch<E extends RoomEvent>(event: E, conn: Connection, msg: MsgOf<E>): AnswerOf<E> {
    return this.handler(event)(conn, msg);
  }

  // ---------- rooms ----------
  /** Creates a room; the host token is shown once and kept by the creator's browser. A passcode makes it private (only its hash is stored). */
  async createRoom(opts?: Partial<Tempo> & { passcode?: string }): Promise<{ code: string; hostToken: string }> {
    const hostToken = randomBytes(24).toString("base64url");
    const passcodeHash = opts?.passcode ? await hashPasscode(opts.passcode) : null;
    for (let attempt = 0; attempt < 20; attempt++) {
      const code = generateRoomCode(); // crypto randomness, 50 bits (core/room-code.ts)
      const created = await this.deps.store.createRoom({ code, tempoBpm: opts?.tempoBpm ?? 100, beatsPerBar: opts?.beatsPerBar ?? 4, hostTokenHash: hashToken(hostToken), passcodeHash });
      if (created) return { code, hostToken };
    }
    throw new Error("Could not find a free room code after 20 attempts");
  }

  private async join(conn: Connection, msg: JoinMsg): Promise<Result<DataOf<"join">>> {
    if (msg.protocolVersion !== PROTOCOL_VERSION) {
      return fail("protocol_mismatch", `This page speaks protocol ${msg.protocolVersion}, the server ${PROTOCOL_VERSION}: reload the page.`, "join");
    }
    const loaded = await this.load(msg.roomCode);
    if (!loaded.ok) return loaded;
    const room = loaded.data;
    room.joinsInFlight++;
    try {
      const res = await joinRoom({ ctx: this.ctx, seats: this.seats, passcodeAttempts: this.passcodeAttempts, leave: (c) => this.leave(c) }, room, conn, msg);
      // players get the ICE servers for the direct path (issue 15); spectators stay on the relay
      return res.ok && (msg.role ?? "player") === "player" ? { ok: true, data: { ...res.data, iceServers: this.deps.iceServers ?? [] } } : res;
    } finally {
      room.joinsInFlight--;
      // a refused join (wrong passcode, room full…) leaves the room as idle as it was
      this.noteIdle(room);
    }
  }

  private load(code: string): Promise<Result<Room>> {
    const live = this.rooms.get(code);
    if (live) return Promise.resolve({ ok: true, data: live.room });
    let p = this.loading.get(code);
    if (!p) {
      p = this.loadNow(code).finally(() => this.loading.delete(code));
      this.loading.set(code, p);
    }
    return p;
  }

  private async loadNow(code: string): Promise<Result<Room>> {
    await this.unloading.get(code);
    const notFound = (): Failure => fail("room_not_found", `Room "${code}" does not exist.`, "join");
    const lease = await this.ownership.acquire(code);
    if (!lease.ok) {
      const s = Math.ceil(lease.retryAfterMs / 1000);
      return fail("room_moving", `The room is moving to this server: try again in ${s} s.`, "join", { retryAfterMs: lease.retryAfterMs });
    }
    try {
      const fence = await this.deps.store.claimRoom(code);
      const stored = fence === null ? null : await this.deps.store.getRoom(code);
      if (fence === null || !stored) {
        await this.ownership.release(code);
        return notFound();
      }
      const recordings = (await this.deps.store.listRecordings(code)).map(toRecordingView);
      // A recording still open in the database was running when its last owner stopped (crash,
      // kill -9, redeploy, handover): carry on with it, so re-sent hits find their home.
      const running = (await this.deps.store.listOpenRecordings(code))[0];
      const open = running ? { recording: running, timeline: await this.deps.store.getTimeline(running.id) } : null;
      // The lease can run out while the loads above await (a stalled process): onLost then found
      // no room to drop, so check before serving a room this process no longer owns.
      if (this.ownership.holds?.(code) === false) {
        await this.ownership.release(code).catch(() => undefined);
        return fail("room_moving", "The room moved to another server: try again in 1 s.", "join", { retryAfterMs: 1_000 });
      }
      const room = restoreRoom({ stored, recordings, open, nowMs: this.deps.clock.now() });
      const saved = stored.stateJson === null ? null : { tempoBpm: stored.tempoBpm, beatsPerBar: stored.beatsPerBar, beatUnit: stored.beatUnit, groove: stored.groove, mode: stored.mode, stateJson: stored.stateJson };
      const saver = new RoomSaver({
        store: this.deps.store,
        clock: this.deps.clock,
        code,
        fence,
        saved,
        current: () => stateRecordOf(room),
        onFenced: () => {
          this.log(`room ${code} was claimed by another process: leaving it`);
          if (this.rooms.get(code)?.room === room) this.drop(code, "moved");
        },
        log: this.log,
      });
      this.rooms.set(code, { room, saver });
      if (room.battle && !room.battle.result) scheduleScoring(this.ctx, room, room.battle);
      return { ok: true, data: room };
    } catch (err) {
      await this.ownership.release(code).catch(() => undefined);
      throw err;
    }
  }

  private changed(room: Room): Promise<void> {
    const live = this.rooms.get(room.code);
    if (live?.room !== room) return Promise.resolve();
    this.ctx.fanout.toRoom(room.code, null, "room:state", roomView(room));
    return live.saver.request();
  }

  /** The connection closed: its member is greyed. */
  leave(conn: Connection): void {
    const room = disconnect(this.ctx, this.seats, conn);
    if (room) this.noteIdle(room);
  }

  /** Someone left: a room nobody is connected to starts its idle time (and leaves at once with an idle time of 0). */
  private noteIdle(room: Room): void {
    const live = this.rooms.get(room.code);
    if (live?.room !== room) return;
    for (const m of room.members.values()) if (m.conn) return;
    room.idleSinceMs ??= this.deps.clock.now();
    if (this.idleRoomMs === 0 && mayEvict(room, this.deps.clock.now(), 0)) this.unload(live);
  }

  /** Forgets the rooms idle for idleRoomMs (a clock timer calls it; tests may too). Returns how many left memory. */
  evictIdleRooms(): number {
    const nowMs = this.deps.clock.now();
    let evicted = 0;
    for (const live of [...this.rooms.values()]) {
      if (!mayEvict(live.room, nowMs, this.idleRoomMs)) continue;
      this.unload(live);
      evicted++;
    }
    return evicted;
  }

  private armSweep(): void {
    if (this.closed) return;
    const everyMs = Math.min(Math.max(this.idleRoomMs, 1_000), IDLE_SWEEP_MAX_MS);
    this.sweepTimer = this.deps.clock.setTimeout(() => {
      this.evictIdleRooms();
      this.armSweep();
    }, everyMs);
  }

  /** An idle room leaves memory: its last save lands, then the lease is given up. */
  private unload(live: LiveRoom): void {
    const { room, saver } = live;
    this.rooms.delete(room.code);
    this.stopTimers(room);
    const done = saver
      .drain()
      .catch((err: unknown) => this.log(`last save of room ${room.code} failed`, err))
      .then(() => saver.stop())
      .then(() => this.ownership.release(room.code))
      .catch((err: unknown) => this.log(`releasing room ${room.code} failed`, err))
      .finally(() => {
        if (this.unloading.get(room.code) === done) this.unloading.delete(room.code);
      });
    this.unloading.set(room.code, done);
  }

  /** The room is not ours any more (lease lost, fenced, handed over): out of memory now, its connections closed so they reconnect to the owner. */
  private drop(code: string, reason: CloseReason): void {
    const live = this.rooms.get(code);
    if (!live) return;
    this.rooms.delete(code);
    live.saver.stop();
    this.stopTimers(live.room);
    for (const m of live.room.members.values()) {
      const conn = m.conn;
      if (!conn) continue;
      m.conn = null;
      this.seats.unbind(conn);
      this.ctx.fanout.remove(code, conn);
      conn.close(reason);
    }
  }

  /** Another process asks for the room: store what must be stored, then let it go. */
  private async handOver(code: string): Promise<void> {
    const live = this.rooms.get(code);
    if (live) {
      await this.writer.flush().catch((err: unknown) => this.log("flush before handover failed (kept for retry)", err));
      await live.saver.drain();
      await this.timeline.drain();
      this.drop(code, "moved");
    }
    await this.ownership.release(code);
  }

  private stopTimers(room: Room): void {
    this.deps.clock.clearTimeout(room.battle?.timer);
    this.deps.clock.clearTimeout(room.hostTimer);
    room.hostTimer = null;
    for (const m of room.members.values()) forgetTelemetry(this.ctx, m);
  }

  // ---------- queries and upkeep ----------
  /** Rooms in memory here (each is in the database too). */
  get roomCount(): number {
    return this.rooms.size;
  }

  /** Connections seated in a room here. */
  get connectionCount(): number {
    return this.seatsByConn.size;
  }

  /** Pending hit and hearing writes (for health and tests). */
  get pendingCount(): number {
    return this.writer.pendingCount;
  }

  /** The live room (tests and diagnostics). */
  roomOf(code: string): Room | undefined {
    return this.rooms.get(code)?.room;
  }

  /** Writes every queued hit and hearing now (rejects while the database is away; kept rows are retried). */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /**
   * A recording was renamed or deleted over HTTP: refresh the room's list if it is live here, and
   * tell the other workers (server/workers.ts) unless they told us.
   */
  async recordingsChanged(roomCode: string, opts: { fromPeer?: boolean } = {}): Promise<void> {
    if (!opts.fromPeer) this.deps.onRecordingsChanged?.(roomCode);
    const live = this.rooms.get(roomCode);
    if (!live) return;
    await refreshRecordings(this.ctx, live.room);
    void this.changed(live.room);
  }

  /** Graceful stop: every pending write and save lands, everything stored is acknowledged, leases are given up. */
  async close(): Promise<void> {
    this.closed = true;
    this.deps.clock.clearTimeout(this.sweepTimer);
    for (const live of this.rooms.values()) this.stopTimers(live.room);
    await Promise.all([...this.rooms.values()].map((l) => l.saver.drain().catch((err: unknown) => this.log("final save failed", err))));
    await this.writer.flush().catch((err: unknown) => this.log("final flush failed", err));
    await this.timeline.drain();
    this.writer.sendAllAcks();
    this.writer.close();
    for (const live of this.rooms.values()) live.saver.stop();
    await Promise.all([...this.rooms.keys()].map((code) => this.ownership.release(code).catch(() => undefined)));
    await Promise.all(this.unloading.values());
  }
}
