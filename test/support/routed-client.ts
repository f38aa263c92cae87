/**
 * A Node player for the several-servers tests, connecting as the browser does (WebSocket,
 * `?room=<code>` so the balancer routes by room) and following the room when it moves:
 *
 * - a join answered `room_moving` (this server does not own the room yet: its owner is handing
 *   it over, or a dead owner's lease has not run out) → disconnect, connect again after
 *   `details.retryAfterMs`;
 * - the server closing the connection (the room was handed over or lost: reason "moved", or a
 *   graceful stop) → connect again soon; Socket.IO reconnects by itself only after network
 *   failures, not after a server-side disconnect;
 * - every struck hit stays in the REAL HitOutbox (app/lib/outbox.ts) until `hits:ack`, and is
 *   re-sent after each successful join.
 *
 * Stand-in until the DOM-free client connection (issue 13 part 4, app/lib/connection) can be
 * used here; the retry rules above are what that client must do too.
 */
import { randomBytes } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import type { PadId } from "../../core/kit";
import { PROTOCOL_VERSION, type ClientToServerEvents, type ErrorMsg, type HitMsg, type RoomView, type ServerToClientEvents } from "../../core/protocol";
import { HitOutbox } from "../../app/lib/outbox";
import { mapStorage } from "./reliable-client";

export type RoutedSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
const epochNow = (): number => performance.timeOrigin + performance.now();

export interface RoutedClientOptions {
  /** the balancer */
  url: string;
  roomCode: string;
  participantId: string;
  name: string;
  hostToken?: string;
  role?: "player" | "spectator";
  passcode?: string;
}

export class RoutedClient {
  readonly socket: RoutedSocket;
  readonly outbox: HitOutbox;
  readonly seatKey = randomBytes(18).toString("base64url");
  room: RoomView | null = null;
  joined = false;
  /** successful joins (1 + rejoins after moves and reconnects) */
  joins = 0;
  /** joins answered room_moving */
  movingAnswers = 0;
  /** server-side closes (the room moved away, or the server stopped) */
  movedAway = 0;
  relayedIn = 0;
  resent = 0;
  lastError: ErrorMsg | null = null;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: RoutedClientOptions) {
    this.outbox = new HitOutbox(opts.roomCode, opts.participantId, mapStorage());
    this.socket = io(opts.url, {
      transports: ["websocket"],
      query: { room: opts.roomCode },
      forceNew: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 400,
    });
    this.socket.on("connect", () => this.join());
    this.socket.on("disconnect", (reason) => {
      this.joined = false;
      if (reason === "io server disconnect" && !this.closed && this.lastError?.code !== "kicked") {
        this.movedAway++;
        this.reconnectIn(50 + Math.random() * 100);
      }
    });
    this.socket.on("room:state", (room) => (this.room = room));
    this.socket.on("hit", () => this.relayedIn++);
    this.socket.on("hits:ack", ({ seqs }) => this.outbox.ack(seqs));
    this.socket.on("error", (err) => (this.lastError = err));
  }

  private join(): void {
    const { roomCode, participantId, name, hostToken, role, passcode } = this.opts;
    this.socket.emit("join", { protocolVersion: PROTOCOL_VERSION, roomCode, participantId, name, hostToken, role, passcode, seatKey: this.seatKey }, (res) => {
      if (!res.ok) {
        this.lastError = res.error;
        if (res.error.code === "room_moving") {
          this.movingAnswers++;
          const after = Number((res.error.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs ?? 250);
          this.socket.disconnect();
          this.reconnectIn(Math.max(50, after) + Math.random() * 100);
        }
        return;
      }
      this.room = res.data.room;
      this.joined = true;
      this.joins++;
      for (const hit of this.outbox.pending()) {
        this.resent++;
        this.socket.emit("hit", { ...hit, resend: true });
      }
    });
  }

  private reconnectIn(ms: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed && !this.socket.connected) this.socket.connect();
    }, ms);
  }

  /** A hit now (Drummer's Striker): kept until acknowledged, sent at once while joined. */
  strike(pad: PadId, velocity: number, strikeAtMs = epochNow()): HitMsg {
    const msg: HitMsg = { seq: this.outbox.nextSeq(), pad, velocity, strikeAtMs };
    this.outbox.add(msg);
    if (this.joined && this.socket.connected) this.socket.emit("hit", msg);
    return msg;
  }

  /** A request that needs the room's owner (tempo, mode, recording…): its data, or it throws. */
  async request(event: "tempo:set" | "mode:set" | "recording:start" | "recording:stop", msg: object): Promise<unknown> {
    const socket = this.socket.timeout(10_000) as unknown as { emitWithAck(e: string, m: object): Promise<{ ok: boolean; data?: unknown; error?: ErrorMsg }> };
    const res = await socket.emitWithAck(event, msg);
    if (!res.ok) throw new Error(`${this.opts.participantId} ${event}: ${res.error?.code} ${res.error?.message}`);
    return res.data;
  }

  /** Resolves at a successful join after `after` joins. */
  async joinedAfter(after: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(this.joined && this.joins > after)) {
      if (Date.now() > deadline) throw new Error(`${this.opts.participantId}: no join within ${timeoutMs} ms (joins ${this.joins}, last error ${JSON.stringify(this.lastError)})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Resolves once every struck hit is acknowledged. */
  async drained(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.outbox.size > 0 || !this.joined) {
      if (Date.now() > deadline) throw new Error(`${this.opts.participantId}: ${this.outbox.size} hits unacknowledged after ${timeoutMs} ms (joined ${this.joined})`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket.close();
  }
}
