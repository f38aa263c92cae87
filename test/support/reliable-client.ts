/**
 * A Node client that keeps the browser session's storage contract
 * (app/lib/session.ts), for fault tests and benchmarks:
 *
 * - every struck hit gets a sequence number from the REAL `HitOutbox`
 *   (app/lib/outbox.ts) and stays in it until `hits:ack`;
 * - a hit is sent at once only while connected and joined; otherwise it just waits;
 * - on every (re)connect it joins with PROTOCOL_VERSION and, after a
 *   successful join, re-sends everything pending with `resend: true`;
 * - Socket.IO's own reconnection brings it back (websocket transport only).
 *
 * The outbox's storage is injected (a Map-backed stand-in for localStorage):
 * constructing a new client over the same storage is a page reload.
 *
 * Differences from the browser session, on purpose: no audio, no clock sync
 * (strike times come from `now`, by default this machine's monotonic epoch
 * clock — the server's clock too when both run here), and the reconnection
 * back-off can be shortened so tests do not wait seconds for it.
 */
import { io, type Socket } from "socket.io-client";
import { PROTOCOL_VERSION, type ClientToServerEvents, type ErrorMsg, type HitMsg, type RoomView, type ServerToClientEvents } from "../../core/protocol";
import type { PadId } from "../../core/kit";
import { HitOutbox, type KeyValueStorage } from "../../app/lib/outbox";
import { connectRefusalOf, reconnectAfterRefusalMs } from "../../core/connect-refusal";

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** localStorage stand-in; `map` is exposed for assertions. */
export function mapStorage(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k),
  };
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

export interface ReliableClientOptions {
  url: string;
  roomCode: string;
  participantId: string;
  name: string;
  hostToken?: string;
  storage: KeyValueStorage;
  /** strike-time clock on the shared timeline (default: this machine's monotonic epoch clock) */
  now?: () => number;
  /** Socket.IO back-off; the browser uses the defaults (1 s, max 5 s) */
  reconnectionDelay?: number;
  reconnectionDelayMax?: number;
  /** called for every hit the server acknowledged, with the time it was sent (latency measurements) */
  onAck?: (seq: number, sentAtMs: number | undefined, ackAtMs: number) => void;
}

export type ClientStatus = "connecting" | "joined" | "reconnecting" | "error" | "closed";

export class ReliableClient {
  readonly socket: ClientSocket;
  readonly outbox: HitOutbox;
  status: ClientStatus = "connecting";
  room: RoomView | null = null;
  lastError: ErrorMsg | null = null;
  /** successful joins (1 + reconnects) */
  joins = 0;
  /** hits sent live (not re-sent) */
  sentLive = 0;
  /** hits struck while not joined: kept for later */
  heldBack = 0;
  /** hits re-sent after a join */
  resent = 0;
  /** seqs acknowledged */
  acked = 0;
  /** partners' hits relayed to this client */
  relayedIn = 0;
  private readonly now: () => number;
  private readonly sentAt = new Map<number, number>();
  private joinWaiters: (() => void)[] = [];

  constructor(private readonly opts: ReliableClientOptions) {
    this.now = opts.now ?? epochNow;
    this.outbox = new HitOutbox(opts.roomCode, opts.participantId, opts.storage);
    this.socket = io(opts.url, {
      transports: ["websocket"],
      // as the browser does: routes the connection to the worker that owns the room (server/workers.ts)
      query: { room: opts.roomCode },
      forceNew: true,
      reconnectionDelay: opts.reconnectionDelay ?? 1000,
      reconnectionDelayMax: opts.reconnectionDelayMax ?? 5000,
    });
    this.socket.on("connect", () => this.onConnect());
    this.socket.on("disconnect", () => {
      if (this.status !== "closed") this.status = "reconnecting";
    });
    this.socket.on("hits:ack", ({ seqs }) => {
      const at = this.now();
      this.outbox.ack(seqs);
      this.acked += seqs.length;
      if (this.opts.onAck) for (const s of seqs) this.opts.onAck(s, this.sentAt.get(s), at);
      for (const s of seqs) this.sentAt.delete(s);
    });
    this.socket.on("room:state", (room) => (this.room = room));
    this.socket.on("hit", () => this.relayedIn++);
    this.socket.on("error", (err) => (this.lastError = err));
    // As the browser session does: after a refusal at connect, try again when the server says.
    this.socket.on("connect_error", (err) => {
      const refusal = connectRefusalOf(err);
      if (!refusal) return;
      this.lastError = refusal;
      if (!this.socket.active) setTimeout(() => this.status !== "closed" && this.socket.connect(), reconnectAfterRefusalMs(refusal, Math.random));
    });
  }

  private onConnect(): void {
    this.socket.emit(
      "join",
      {
        protocolVersion: PROTOCOL_VERSION,
        roomCode: this.opts.roomCode,
        participantId: this.opts.participantId,
        name: this.opts.name,
        hostToken: this.opts.hostToken,
      },
      (res) => {
        if (!res.ok) {
          // As the browser session does: show the error, wait for the next (re)connect.
          this.status = "error";
          this.lastError = res.error;
          return;
        }
        this.room = res.data.room;
        this.status = "joined";
        this.joins++;
        // Whatever the server never confirmed storing goes again.
        for (const hit of this.outbox.pending()) {
          this.resent++;
          this.socket.emit("hit", { ...hit, resend: true });
        }
        const waiters = this.joinWaiters;
        this.joinWaiters = [];
        for (const w of waiters) w();
      },
    );
  }

  /** Resolves at the next successful join (at once if `joins` already exceeds `after`). */
  joined(after = 0, timeoutMs = 20_000): Promise<void> {
    if (this.joins > after && this.status === "joined") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.opts.participantId}: no join within ${timeoutMs} ms (status ${this.status}, last error ${JSON.stringify(this.lastError)})`)),
        timeoutMs,
      );
      this.joinWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** A local strike, as JamSession.strike does it (minus the sound). Returns the hit. */
  strike(pad: PadId, velocity: number, strikeAtMs = this.now()): HitMsg {
    const seq = this.outbox.nextSeq();
    const msg: HitMsg = { seq, pad, velocity, strikeAtMs };
    this.outbox.add(msg);
    if (this.socket.connected && this.status === "joined") {
      this.sentAt.set(seq, this.now());
      this.sentLive++;
      this.socket.emit("hit", msg);
    } else {
      this.heldBack++;
    }
    return msg;
  }

  get unacked(): number {
    return this.outbox.size;
  }

  /** Resolves once every struck hit is acknowledged (rejects after `timeoutMs`). */
  async drained(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.outbox.size > 0 || this.status !== "joined") {
      if (Date.now() > deadline) {
        throw new Error(`${this.opts.participantId}: ${this.outbox.size} hits still unacknowledged after ${timeoutMs} ms (status ${this.status})`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Closes like a page going away: the outbox is saved (pagehide) and the socket closed. */
  close(): void {
    this.status = "closed";
    this.outbox.saveNow();
    this.socket.close();
  }
}
