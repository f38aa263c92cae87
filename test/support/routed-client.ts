/**
 * A player for the several-servers tests: the real client (app/lib/connection/jam-connection.ts,
 * through test/support/jam-node.ts) connecting through the balancer as the browser does —
 * WebSocket, `?room=<code>`, a seat key — and following the room when it moves (it reconnects
 * after `room_moving` and after a server close, by its own status machine). This wrapper only
 * counts what the tests check: joins refused with `room_moving`, and closes by the server (the
 * room was handed over or lost: reason "moved").
 */
import { randomBytes } from "node:crypto";
import type { JamConnection } from "../../app/lib/connection/jam-connection";
import type { JamConnectionOptions } from "../../app/lib/connection/types";
import type { PadId } from "../../core/kit";
import type { ErrorMsg, HitMsg, RoomView } from "../../core/protocol";
import { drained, joined, nodeConnection } from "./jam-node";

/** `url` is the balancer's */
export type RoutedClientOptions = Pick<JamConnectionOptions, "url" | "roomCode" | "participantId" | "name" | "hostToken" | "role" | "passcode">;

export class RoutedClient {
  readonly conn: JamConnection;
  /** joins answered room_moving (this server did not own the room yet) */
  movingAnswers = 0;
  /** connections closed by the server (the room moved away, or the server stopped) */
  movedAway = 0;

  constructor(opts: RoutedClientOptions) {
    this.conn = nodeConnection({
      ...opts,
      seatKey: randomBytes(18).toString("base64url"),
      // a lost link (its server killed) is retried quickly, so tests do not wait out the browser's 1–5 s
      backoff: { baseMs: 100, maxMs: 400 },
    });
    this.conn.socket.on("disconnect", (reason) => {
      if (reason === "io server disconnect") this.movedAway++;
    });
    let last = this.conn.status;
    this.conn.subscribe((s) => {
      if (s.status === last) return;
      last = s.status;
      if (s.status.kind === "reconnecting" && s.status.error?.code === "room_moving") this.movingAnswers++;
    });
  }

  get room(): RoomView | null {
    return this.conn.room;
  }
  get joins(): number {
    return this.conn.stats.joins;
  }
  get relayedIn(): number {
    return this.conn.stats.relayedIn;
  }
  get resent(): number {
    return this.conn.stats.resent;
  }
  get lastError(): ErrorMsg | null {
    return this.conn.snapshot.error;
  }

  /** A hit now (Drummer's Striker): kept until acknowledged. */
  strike(pad: PadId, velocity: number): HitMsg {
    return this.conn.strike(pad, velocity);
  }

  /** A request that needs the room's owner: its data, or it throws. */
  async request(event: "tempo:set", msg: { tempoBpm: number; beatsPerBar: number; beatUnit?: 4 | 8; groove?: "none" | "rock" | "funk" | "shuffle" }): Promise<null>;
  async request(event: "mode:set", msg: { mode: "live" | "groove" }): Promise<null>;
  async request(event: "recording:start" | "recording:stop", msg: object): Promise<{ id: string }>;
  async request(event: string, msg: Record<string, unknown>): Promise<unknown> {
    const fail = (e: ErrorMsg) => new Error(`${this.conn.participantId} ${event}: ${e.code} ${e.message}`);
    if (event === "tempo:set") {
      const err = await this.conn.setTempo(msg.tempoBpm as number, msg.beatsPerBar as number, msg.beatUnit as 4 | 8 | undefined, msg.groove as never);
      if (err) throw fail(err);
      return null;
    }
    if (event === "mode:set") {
      const err = await this.conn.setMode(msg.mode as "live" | "groove");
      if (err) throw fail(err);
      return null;
    }
    const res = event === "recording:start" ? await this.conn.startRecording() : await this.conn.stopRecording();
    if (!res.ok) throw fail(res.error);
    return res.data;
  }

  /** Resolves at a successful join after `after` joins. */
  joinedAfter(after: number, timeoutMs = 20_000): Promise<void> {
    return joined(this.conn, after, timeoutMs);
  }

  /** Resolves once every struck hit is acknowledged. */
  drained(timeoutMs = 20_000): Promise<void> {
    return drained(this.conn, timeoutMs);
  }

  close(): void {
    this.conn.close();
  }
}
