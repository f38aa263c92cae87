/**
 * A hit struck before the page's clock has synced with the room's (issue 14: a phone's pads play
 * as soon as the room shows, while the socket is still connecting). Until the first sync the
 * page's shared clock is its own (performance.now(), far from the server's epoch clock), a time
 * the server refuses (LIMITS.strikeSkewMaxMs): the connection retimes such hits at the first sync,
 * so the room acknowledges them — with the time they were struck at.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { JamConnection } from "../../app/lib/connection/jam-connection";
import type { HitMsg } from "../../core/protocol";
import { drained, mapStorage, nodeConnection } from "../support/jam-node";
import { createRoom, startTestServer, type TestServer } from "./helpers";

let t: TestServer | null = null;
let conn: JamConnection | null = null;
afterEach(async () => {
  conn?.close();
  await t?.stop();
  t = conn = null;
});

describe("a hit struck before clock sync", () => {
  it("is acknowledged by the room once the clock syncs, at the time it was struck", async () => {
    t = await startTestServer();
    const code = await createRoom(t.server.url);
    // A page's local clock: milliseconds since it opened, not the server's epoch milliseconds.
    const opened = performance.now();
    const pageNow = () => performance.now() - opened;
    // every outbox the connection saves (app/lib/outbox.ts), to see the retimed hit before its ack removes it
    const storage = mapStorage();
    const saved: HitMsg[][] = [];
    const setItem = storage.setItem;
    storage.setItem = (k, v) => {
      if (k.startsWith("backbeat:outbox:")) saved.push(JSON.parse(v) as HitMsg[]);
      setItem(k, v);
    };
    conn = nodeConnection({ url: t.server.url, roomCode: code, participantId: "early-hit-001", name: "Early", now: pageNow, storage });
    expect(conn.clock.sync.synced).toBe(false);
    const beforePageMs = pageNow();
    const struckAtEpochMs = performance.timeOrigin + performance.now();
    const hit = conn.strike("kick", 0.8);
    // on the page's own clock so far (between the readings around the strike: a loaded machine may pause between them)
    expect(hit.strikeAtMs).toBeGreaterThanOrEqual(beforePageMs);
    expect(hit.strikeAtMs).toBeLessThanOrEqual(pageNow());
    expect(conn.unackedHits).toBe(1);

    await drained(conn, 10_000); // refused as "strikeAtMs is … ms from the server clock" without the retiming
    expect(conn.snapshot.error).toBeNull();
    // Retimed onto the room's clock: the epoch time it was struck at, give or take the first sync's
    // error (half a round trip on loopback; 1 s is loose — unretimed, it was ~1.7e12 ms off).
    const retimed = saved.flat().filter((h) => h.seq === hit.seq).map((h) => h.strikeAtMs);
    expect(retimed[0]).toBe(hit.strikeAtMs);
    expect(retimed.length).toBeGreaterThan(1);
    expect(Math.abs(retimed.at(-1)! - struckAtEpochMs)).toBeLessThan(1_000);
  });
});
