/**
 * One owner per room (server/ownership.ts), in memory with a real store: a room's live state
 * survives leaving memory and a restart (saved with its fencing token), a process fenced out by a
 * newer owner drops the room and closes its connections, a lost lease drops it at once, a
 * handover stores pending hits first, and a refused lease is `room_moving`.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AcquireResult, RoomOwnership } from "../../server/ownership";
import { RoomHarness } from "../support/room-harness";

/** An ownership the test drives: refuse leases, lose them, ask for handovers. */
class ScriptedOwnership implements RoomOwnership {
  readonly serverId = "scripted";
  refuse: AcquireResult | null = null;
  /** false: the lease ran out (after acquire said ok), as a stalled process finds */
  held = true;
  released: string[] = [];
  private lost: ((code: string) => void)[] = [];
  private handover: ((code: string) => void)[] = [];
  acquire(): Promise<AcquireResult> {
    return Promise.resolve(this.refuse ?? { ok: true });
  }
  holds(): boolean {
    return this.held;
  }
  release(code: string): Promise<void> {
    this.released.push(code);
    return Promise.resolve();
  }
  onLost(cb: (code: string) => void): void {
    this.lost.push(cb);
  }
  onHandoverRequested(cb: (code: string) => void): void {
    this.handover.push(cb);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  lose(code: string): void {
    for (const cb of this.lost) cb(code);
  }
  requestHandover(code: string): void {
    for (const cb of this.handover) cb(code);
  }
}

const harnesses: RoomHarness[] = [];
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.stop();
});
async function start(opts: Parameters<typeof RoomHarness.start>[0] = {}): Promise<RoomHarness> {
  const h = await RoomHarness.start(opts);
  harnesses.push(h);
  return h;
}

describe("one owner per room, in memory", () => {
  it("keeps epoch, colours, seats, host and kick bans when the room leaves memory and comes back in another process", async () => {
    const h = await start({ idleRoomMs: 0 });
    const { code, hostToken } = await h.createRoom();
    const host = h.connect();
    const guest = h.connect();
    const pest = h.connect();
    await host.join(code, "host-000001", "Host", { hostToken, seatKey: "k".repeat(16) });
    await guest.join(code, "guest-00001", "Guest", { seatKey: "g".repeat(16) });
    await pest.join(code, "pest-000001", "Pest");
    expect((await host.do("member:kick", { id: "pest-000001" })).ok).toBe(true);
    expect(pest.closedWith).toBe("kicked");
    expect((await host.do("tempo:set", { tempoBpm: 133, beatsPerBar: 7 })).ok).toBe(true);
    const before = host.last("room:state")!;
    host.close("shutdown");
    guest.close("shutdown");
    expect(h.rooms.roomCount).toBe(1); // the kick ban keeps it (10 min)
    await h.clock.advance(10 * 60_000 + 1);
    expect(h.rooms.roomCount).toBe(0);

    // another process, same database: it claims the room and restores it
    const other = await start({ store: h.store });
    await other.clock.advanceTo(h.clock.now());
    const back = other.connect();
    const view = await back.join(code, "guest-00001", "Guest", { seatKey: "g".repeat(16) });
    expect(view).toMatchObject({ tempoBpm: 133, beatsPerBar: 7, epochMs: before.epochMs });
    expect(view.members.map((m) => [m.id, m.color, m.isHost, m.connected])).toEqual(
      before.members.map((m) => [m.id, m.color, m.isHost, m.id === "guest-00001"]),
    );
    // the seat is still bound to its key
    const thief = other.connect();
    expect(await thief.do("join", { protocolVersion: 1, roomCode: code, participantId: "host-000001", name: "Thief", seatKey: "x".repeat(16) })).toMatchObject({ ok: false, error: { code: "seat_taken" } });
  });

  it("a process fenced out by a newer owner drops the room and closes its connections (moved)", async () => {
    const h1 = await start();
    const { code } = await h1.createRoom();
    const a = h1.connect();
    await a.join(code, "ada-0000001", "Ada");
    // a second process claims the room (its lease was given to it)
    const h2 = await start({ store: h1.store });
    await h2.connect().join(code, "bo-00000002", "Bo");
    // h1's next save is refused: the room leaves h1, its connection is told to reconnect
    await a.do("quality", { rttMs: 5 }); // (telemetry is not a change: nothing saved)
    expect(h1.rooms.roomCount).toBe(1);
    await a.do("mode:set", { mode: "groove" }); // not the host: refused, nothing saved
    const b2 = h1.connect();
    await b2.join(code, "cy-00000003", "Cy"); // a real change: saved with h1's old fence
    await h1.clock.advance(0);
    expect(h1.rooms.roomCount).toBe(0);
    expect(a.closedWith).toBe("moved");
    expect(b2.closedWith).toBe("moved");
    expect(h2.rooms.roomCount).toBe(1);
  });

  it("a refused lease is room_moving; a lost lease drops the room at once; a handover stores pending hits first", async () => {
    const ownership = new ScriptedOwnership();
    const h = await start({ ownership });
    const { code } = await h.createRoom();
    ownership.refuse = { ok: false, retryAfterMs: 1_500 };
    const res = await h.connect().do("join", { protocolVersion: 1, roomCode: code, participantId: "ada-0000001", name: "Ada" });
    expect(res).toMatchObject({ ok: false, error: { code: "room_moving", details: { retryAfterMs: 1_500 } } });
    ownership.refuse = null;

    // acquired, then lost while the room was being loaded: not served, released, room_moving
    ownership.held = false;
    const stale = await h.connect().do("join", { protocolVersion: 1, roomCode: code, participantId: "ada-0000001", name: "Ada" });
    expect(stale).toMatchObject({ ok: false, error: { code: "room_moving" } });
    expect(h.rooms.roomCount).toBe(0);
    expect(ownership.released).toContain(code);
    ownership.held = true;
    ownership.released = [];

    const a = h.connect();
    await a.join(code, "ada-0000001", "Ada");
    ownership.lose(code);
    expect(h.rooms.roomCount).toBe(0);
    expect(a.closedWith).toBe("moved");

    const b = h.connect();
    await b.join(code, "ada-0000001", "Ada");
    const rec = await b.do("recording:start", {});
    if (!rec.ok) throw new Error(rec.error.message);
    b.do("hit", { seq: 1, pad: "kick", velocity: 1, strikeAtMs: h.clock.now() });
    expect(h.rooms.pendingCount).toBe(1);
    ownership.requestHandover(code);
    await h.clock.advance(0);
    for (let i = 0; i < 100 && !ownership.released.includes(code); i++) await new Promise((r) => setTimeout(r, 10));
    expect(ownership.released).toContain(code);
    expect(h.rooms.pendingCount).toBe(0);
    expect(b.closedWith).toBe("moved");
    expect((await h.store.getRecording(rec.data.id))!.hits).toHaveLength(1);
    // the recording is still open: the next owner carries on with it
    const c = h.connect();
    expect((await c.join(code, "ada-0000001", "Ada")).recording?.id).toBe(rec.data.id);
  });
});
