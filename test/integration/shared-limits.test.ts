/**
 * Per-address limits shared by several servers (issue 12: N servers gave an
 * address N times the budget). Real server processes behind no balancer: the
 * test alternates between them itself, as a balancer would.
 * - Two servers with REDIS_URL count in Redis (RateLimiterRedis).
 * - WORKERS=2 on one machine count in the primary (RateLimiterCluster).
 * Each run plays a fresh client address (X-Forwarded-For, TRUST_PROXY=1) in a
 * namespace of its own, so counts a previous run left in Redis do not matter.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_ADDRESS_LIMITS } from "../../server/address-limits";
import { spawnApiServer, type ApiServerProcess } from "../support/server-process";
import { createRoomAsHost, postgresDatabase, sqliteDatabase, TEST_DATABASE_URL } from "./faults/support";

const TEST_REDIS_URL = process.env.TEST_REDIS_URL?.trim() || undefined;
const SKIP_REDIS = !TEST_DATABASE_URL || !TEST_REDIS_URL ? "skipped: needs TEST_DATABASE_URL and TEST_REDIS_URL (CI sets both)" : false;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch {
      /* keep tearing down */
    }
  }
});

/** An address of its own per run: a fresh /64 of the documentation range. */
const freshAddress = () => `2001:db8:${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}::1`;

/** `n` look-ups of `code` from `address`, the i-th sent to urls[i % urls.length]; the statuses. */
async function lookups(urls: string[], code: string, address: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${urls[i % urls.length]}/api/rooms/${code}`, { headers: { "x-forwarded-for": address } });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

const budget = DEFAULT_ADDRESS_LIMITS.lookup.points; // 60 a minute

describe("per-address limits shared by several servers", () => {
  it.skipIf(SKIP_REDIS)(`two servers with REDIS_URL give an address one budget, not two${SKIP_REDIS ? ` — ${SKIP_REDIS}` : ""}`, async () => {
    const db = postgresDatabase(TEST_DATABASE_URL!);
    cleanups.push(() => db.cleanup());
    // one namespace for both (spawnApiServer would give each its own)
    const env = { ...process.env, REDIS_URL: TEST_REDIS_URL!, TRUST_PROXY: "1", RATE_LIMIT_NAMESPACE: `test-shared-${randomBytes(4).toString("hex")}` };
    const s1: ApiServerProcess = await spawnApiServer({ databaseUrl: db.url, env });
    cleanups.push(() => s1.stop());
    const s2: ApiServerProcess = await spawnApiServer({ databaseUrl: db.url, env });
    cleanups.push(() => s2.stop());
    const { code } = await createRoomAsHost(s1.url);

    const statuses = await lookups([s1.url, s2.url], code, freshAddress(), budget + 10);
    expect(statuses.filter((s) => s === 200)).toHaveLength(budget);
    expect(statuses.slice(budget)).toEqual(Array(10).fill(429)); // on both servers
  }, 60_000);

  it("WORKERS=2 on one machine give an address one budget, not two", async () => {
    const db = sqliteDatabase();
    cleanups.push(() => db.cleanup());
    const server = await spawnApiServer({ databaseUrl: db.url, env: { ...process.env, WORKERS: "2", TRUST_PROXY: "1" }, startTimeoutMs: 60_000 });
    cleanups.push(() => server.stop());
    const { code } = await createRoomAsHost(server.url);
    // Requests that name no room go round-robin over the workers (server/workers.ts).
    const statuses = await lookups([server.url], code, freshAddress(), budget + 10);
    expect(statuses.filter((s) => s === 200)).toHaveLength(budget);
    expect(statuses.slice(budget)).toEqual(Array(10).fill(429));
  }, 90_000);
});
