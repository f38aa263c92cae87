/**
 * Room leases on a real Redis (server/ownership-redis.ts): two RedisOwnership instances in
 * this process play two servers. A lease is exclusive; its holder keeps it by renewing; a
 * holder that stops renewing (a dead server) loses it after the TTL and another takes it;
 * a handover request reaches the holder; only the holder renews or releases.
 * Short leases (600 ms) and a key prefix of this run's own.
 */
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import { RedisOwnership } from "../../server/ownership-redis";
import { sleep, until } from "./faults/support";

const TEST_REDIS_URL = process.env.TEST_REDIS_URL?.trim() || undefined;
const SKIP = !TEST_REDIS_URL ? "skipped: needs TEST_REDIS_URL (CI sets it)" : false;
const LEASE_MS = 600;

type Client = ReturnType<typeof createClient>;
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()?.catch?.(() => undefined);
});

async function connected(): Promise<Client> {
  const c = createClient({ url: TEST_REDIS_URL });
  c.on("error", () => undefined);
  await c.connect();
  cleanups.push(() => c.quit());
  return c;
}

/** A "server": its own clients; `start: false` = a holder that never renews (as if its process hung or died). */
async function server(prefix: string, id: string, opts: { start?: boolean } = {}) {
  const client = await connected();
  const sub = await connected();
  const ownership = new RedisOwnership(id, client, sub, { leaseMs: LEASE_MS, prefix });
  const lost: string[] = [];
  const handovers: string[] = [];
  ownership.onLost((code) => lost.push(code));
  ownership.onHandoverRequested((code) => handovers.push(code));
  if (opts.start !== false) await ownership.start();
  cleanups.push(() => ownership.close());
  return { ownership, lost, handovers };
}

describe.skipIf(SKIP)(`room leases in Redis${SKIP ? ` — ${SKIP}` : ""}`, () => {
  const prefix = `test-lease-${randomBytes(4).toString("hex")}`;

  it("is exclusive: a second server is refused, asks the holder to hand over, and gets the room once it is released", async () => {
    const a = await server(prefix, "srv-a");
    const b = await server(prefix, "srv-b");
    expect(await a.ownership.acquire("ROOM-X")).toEqual({ ok: true });
    expect(await a.ownership.acquire("ROOM-X")).toEqual({ ok: true }); // the holder confirming its own lease
    expect([a.ownership.holds("ROOM-X"), b.ownership.holds("ROOM-X")]).toEqual([true, false]);
    const refused = await b.ownership.acquire("ROOM-X");
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.retryAfterMs).toBeGreaterThanOrEqual(200);
    expect(!refused.ok && refused.retryAfterMs).toBeLessThanOrEqual(LEASE_MS);
    await until("the holder hears the handover request", () => a.handovers.includes("ROOM-X"), 2_000, 10);
    // Every retrying client asks again; the holder is told once.
    await b.ownership.acquire("ROOM-X");
    await sleep(100);
    expect(a.handovers).toEqual(["ROOM-X"]);

    // Only the holder releases: b's release of a room it does not hold changes nothing.
    await b.ownership.release("ROOM-X");
    expect((await b.ownership.acquire("ROOM-X")).ok).toBe(false);
    await a.ownership.release("ROOM-X");
    expect(await b.ownership.acquire("ROOM-X")).toEqual({ ok: true });
    expect(b.ownership.heldRooms()).toEqual(["ROOM-X"]);
    expect(a.ownership.heldRooms()).toEqual([]);
    expect(a.lost).toEqual([]);
  });

  it("is kept by renewal for many TTLs, and lost by a holder that stops renewing: another server takes it after the TTL", async () => {
    const a = await server(prefix, "srv-a");
    const b = await server(prefix, "srv-b");
    expect((await a.ownership.acquire("ROOM-R")).ok).toBe(true);
    await sleep(LEASE_MS * 3);
    expect((await b.ownership.acquire("ROOM-R")).ok).toBe(false);
    expect(a.lost).toEqual([]);

    // A holder that never renews (hung or dead; its timer never runs).
    const hung = await server(prefix, "srv-hung", { start: false });
    expect((await hung.ownership.acquire("ROOM-D")).ok).toBe(true);
    const takenAt = Date.now();
    await until("the other server takes the expired lease", async () => (await b.ownership.acquire("ROOM-D")).ok, 5_000, 25);
    const waited = Date.now() - takenAt;
    expect(waited).toBeGreaterThanOrEqual(LEASE_MS - 50);
    expect(waited).toBeLessThan(LEASE_MS * 4);
    // When the hung holder wakes up, its next renewal round tells it the room is gone.
    await hung.ownership.renewAll();
    expect(hung.lost).toEqual(["ROOM-D"]);
    expect(hung.ownership.holds("ROOM-D")).toBe(false);
    expect(hung.ownership.heldRooms()).toEqual([]);
    // and its late release does not delete the new holder's lease
    await hung.ownership.release("ROOM-D");
    expect((await hung.ownership.acquire("ROOM-D")).ok).toBe(false);
  });

  it("a renewal that finds the key someone else's reports the room lost", async () => {
    const a = await server(prefix, "srv-a");
    const raw = await connected();
    expect((await a.ownership.acquire("ROOM-S")).ok).toBe(true);
    await raw.set(`${prefix}:room:ROOM-S:owner`, "srv-intruder", { PX: 10_000 });
    await until("the holder notices on its next renewal", () => a.lost.includes("ROOM-S"), LEASE_MS * 2, 10);
    expect(a.ownership.heldRooms()).toEqual([]);
  });

  it("close releases every lease held, so the next server does not wait for the TTL", async () => {
    const a = await server(prefix, "srv-a");
    const b = await server(prefix, "srv-b");
    await a.ownership.acquire("ROOM-C1");
    await a.ownership.acquire("ROOM-C2");
    await a.ownership.close();
    expect(await b.ownership.acquire("ROOM-C1")).toEqual({ ok: true });
    expect(await b.ownership.acquire("ROOM-C2")).toEqual({ ok: true });
  });
});
