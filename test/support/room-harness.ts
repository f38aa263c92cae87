/**
 * In-memory rooms (after tldraw's TestServer/TestSocketPair): the real RoomService on a
 * FakeClock, in-memory connections that record what they were sent, and a real store (a
 * temporary SQLite file). Tests advance the clock instead of sleeping: bar lines, battles, ack
 * pacing and telemetry intervals are exact and instant.
 */
import { PROTOCOL_VERSION, type JoinMsg, type RoomView, type ServerToClientEvents } from "../../core/protocol";
import { LocalOwnership, type RoomOwnership } from "../../server/ownership";
import { FakeClock } from "../../server/room/clock";
import type { MsgOf, RoomEvent } from "../../server/room/commands";
import type { CloseReason, Connection, Payload, ServerEvent } from "../../server/room/connection";
import { RoomService, type RoomServiceDeps } from "../../server/room/service";
import { openStore } from "../../server/storage";
import type { Store } from "../../server/store";
import { tempSqliteUrl } from "../integration/helpers";

export interface Sent<E extends ServerEvent = ServerEvent> {
  event: E;
  payload: Payload<E>;
}

/** A client's end: what the room sent it, and a way to send commands as it. */
export class TestConnection implements Connection {
  readonly sent: Sent[] = [];
  closedWith: CloseReason | null = null;
  constructor(
    readonly id: string,
    private readonly harness: RoomHarness,
  ) {}

  send<E extends ServerEvent>(event: E, payload: Payload<E>): void {
    if (this.closedWith) return;
    this.sent.push({ event, payload } as Sent);
  }
  close(reason: CloseReason): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    this.harness.rooms.leave(this); // the transport's disconnect, as socket.ts does
  }
  isOpen(): boolean {
    return this.closedWith === null;
  }

  /** the payloads of one event sent here, oldest first */
  received<E extends ServerEvent>(event: E): Payload<E>[] {
    return this.sent.filter((s) => s.event === event).map((s) => s.payload as Payload<E>);
  }
  last<E extends ServerEvent>(event: E): Payload<E> | undefined {
    return this.received(event).at(-1);
  }
  /** forgets what was sent so far */
  clear(): void {
    this.sent.length = 0;
  }

  async do<E extends RoomEvent>(event: E, msg: MsgOf<E>) {
    return await this.harness.rooms.dispatch(event, this, msg);
  }

  async join(code: string, participantId: string, name: string, extra: Partial<JoinMsg> = {}): Promise<RoomView> {
    const res = await this.do("join", { protocolVersion: PROTOCOL_VERSION, roomCode: code, participantId, name, ...extra });
    if (!res.ok) throw new Error(`join failed: ${res.error.code} ${res.error.message}`);
    return res.data.room;
  }
}

export class RoomHarness {
  readonly clock: FakeClock;
  private nextId = 0;
  private constructor(
    readonly store: Store,
    readonly rooms: RoomService,
    clock: FakeClock,
    /** closes the store (null: the caller's store, left open) */
    private readonly cleanup: (() => Promise<void>) | null,
  ) {
    this.clock = clock;
  }

  static async start(opts: { ownership?: RoomOwnership; idleRoomMs?: number; store?: Store; deps?: Partial<RoomServiceDeps> } = {}): Promise<RoomHarness> {
    const tmp = opts.store ? null : tempSqliteUrl();
    const store = opts.store ?? (await openStore(tmp!.url));
    const clock = new FakeClock();
    const log = () => undefined;
    const rooms = new RoomService({ store, clock, log, ownership: opts.ownership ?? new LocalOwnership(), idleRoomMs: opts.idleRoomMs, ...opts.deps });
    const cleanup = tmp
      ? async () => {
          await store.close();
          tmp.cleanup();
        }
      : null;
    return new RoomHarness(store, rooms, clock, cleanup);
  }

  connect(): TestConnection {
    return new TestConnection(`conn-${++this.nextId}`, this);
  }

  /** a room made as POST /api/rooms makes it */
  createRoom(opts?: { passcode?: string; tempoBpm?: number; beatsPerBar?: number }): Promise<{ code: string; hostToken: string }> {
    return this.rooms.createRoom(opts);
  }

  /** every queued hit and hearing written (and acks then due sent once the clock allows) */
  async flush(): Promise<void> {
    await this.rooms.flush();
  }

  async stop(): Promise<void> {
    await this.rooms.close();
    await this.cleanup?.();
  }
}

export type ServerEventName = keyof ServerToClientEvents;
