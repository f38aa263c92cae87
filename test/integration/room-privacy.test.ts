/**
 * Rooms a stranger cannot find (issue 12): one address asking
 * `GET /api/rooms/<code>` for code after code found every room in 28 s. Now
 * codes have 50 bits and every address has budgets (server/address-limits.ts):
 * a scan is refused with 429 + Retry-After, so are joins past the budget (with
 * a clear error code and retryAfterMs), room creation and the recordings API;
 * links of the old format still work. Real server, real sockets, SQLite.
 *
 * The server trusts one proxy, so each test plays its own client address through
 * X-Forwarded-For and the tests do not spend each other's budgets.
 */
import { afterAll, describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import { PROTOCOL_VERSION, type JoinMsg } from "../../core/protocol";
import { generateRoomCode } from "../../core/room-code";
import { seededRng } from "../../core/rng";
import { DEFAULT_ADDRESS_LIMITS } from "../../server/address-limits";
import { startBackbeatServer, type BackbeatServer } from "../../server/app";
import type { RateLimitOptions } from "../../server/rate-limit";
import { openStore } from "../../server/storage";
import type { Store } from "../../server/store";
import { tempSqliteUrl, type Client } from "./helpers";

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

const INTERNAL_TOKEN = "the-pages-own-secret-0123456789";

async function start(rateLimits?: RateLimitOptions): Promise<{ server: BackbeatServer; store: Store }> {
  const tmp = tempSqliteUrl();
  const store = await openStore(tmp.url);
  const server = await startBackbeatServer({ store, port: 0, host: "127.0.0.1", rng: seededRng(12), log: () => undefined, trustProxy: 1, rateLimits, internalToken: INTERNAL_TOKEN });
  stops.push(async () => {
    await server.close();
    await store.close();
    tmp.cleanup();
  });
  return { server, store };
}

const from = (address: string) => ({ "x-forwarded-for": address });

async function lookup(url: string, code: string, address: string): Promise<{ status: number; retryAfter: string | null; body: { error?: string; message?: string; retryAfterMs?: number } }> {
  const res = await fetch(`${url}/api/rooms/${code}`, { headers: from(address) });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as never };
}

function connectFrom(url: string, address: string): Promise<Client> {
  const socket: Client = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, extraHeaders: from(address) });
  stops.push(async () => void socket.close());
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

const joinMsg = (roomCode: string, participantId: string): JoinMsg => ({ protocolVersion: PROTOCOL_VERSION, roomCode, participantId, name: "Ada" });

describe("a scan of the room codes is refused (sqlite)", () => {
  it("one address trying codes gets 429 with Retry-After once its misses are spent, even for a room that exists", async () => {
    const { server } = await start();
    const created = await fetch(`${server.url}/api/rooms`, { method: "POST", headers: { "content-type": "application/json", ...from("192.0.2.1") }, body: "{}" });
    const { code } = (await created.json()) as { code: string };

    const scanner = "198.51.100.66";
    const answers: number[] = [];
    let refused: Awaited<ReturnType<typeof lookup>> | null = null;
    for (let i = 0; i < 100; i++) {
      const r = await lookup(server.url, generateRoomCode(), scanner);
      answers.push(r.status);
      if (r.status === 429) refused ??= r;
    }
    const misses = DEFAULT_ADDRESS_LIMITS.miss.points;
    expect(answers.slice(0, misses).every((s) => s === 404)).toBe(true);
    expect(answers.slice(misses).every((s) => s === 429)).toBe(true);
    expect(refused!.body).toMatchObject({ error: "rate_limited" });
    expect(refused!.body.message).toMatch(/^Too many look-ups of rooms that do not exist from your network: try again in \d+ min\.$/);
    const retryAfterS = Number(refused!.retryAfter);
    expect(retryAfterS).toBeGreaterThan(50 * 60); // the rest of the hour's window
    expect(retryAfterS).toBeLessThanOrEqual(60 * 60);
    expect(Math.abs(retryAfterS * 1000 - refused!.body.retryAfterMs!)).toBeLessThan(1000);
    // the scanner learns nothing more, not even about a room that exists...
    expect((await lookup(server.url, code, scanner)).status).toBe(429);
    // ...and cannot ask through a join instead
    const socket = await connectFrom(server.url, scanner);
    const joined = await socket.emitWithAck("join", joinMsg(code, "scanner-0001"));
    expect(joined).toMatchObject({ ok: false, error: { code: "rate_limited", event: "join", details: { reason: "miss" } } });
    // while everyone else finds the room as before
    expect((await lookup(server.url, code, "203.0.113.7")).status).toBe(200);
  });

  it("look-ups of existing rooms are counted too (the lookup budget), with Retry-After", async () => {
    const { server } = await start({ connections: { lookup: { points: 5, windowMs: 60_000 } } });
    const res = await fetch(`${server.url}/api/rooms`, { method: "POST", headers: from("192.0.2.2") });
    const { code } = (await res.json()) as { code: string };
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await lookup(server.url, code, "198.51.100.70")).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const r = await lookup(server.url, code, "198.51.100.70");
    expect(Number(r.retryAfter)).toBeGreaterThan(0);
    expect(Number(r.retryAfter)).toBeLessThanOrEqual(60);
    expect(r.body.message).toMatch(/^Too many room look-ups from your network: try again in \d+ s\.$/);
  });
});

describe("per-address budgets of room creation, joins and the recordings API (sqlite)", () => {
  it("room creation: 429 with Retry-After past the budget", async () => {
    const { server } = await start({ connections: { create: { points: 3, windowMs: 600_000 } } });
    const create = () => fetch(`${server.url}/api/rooms`, { method: "POST", headers: { "content-type": "application/json", ...from("198.51.100.80") }, body: "{}" });
    for (let i = 0; i < 3; i++) expect((await create()).status).toBe(201);
    const refused = await create();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(590);
    expect(((await refused.json()) as { message: string }).message).toMatch(/^Too many new rooms from your network: try again in 10 min\.$/);
    expect((await fetch(`${server.url}/api/rooms`, { method: "POST", headers: from("198.51.100.81") })).status).toBe(201);
  });

  it("joins: a clear error code with retryAfterMs past the budget", async () => {
    const { server } = await start({ connections: { join: { points: 3, windowMs: 60_000 } } });
    const { code } = (await (await fetch(`${server.url}/api/rooms`, { method: "POST", headers: from("192.0.2.3") })).json()) as { code: string };
    const socket = await connectFrom(server.url, "198.51.100.90");
    for (let i = 0; i < 3; i++) expect((await socket.emitWithAck("join", joinMsg(code, "joiner-00001"))).ok).toBe(true);
    const refused = await socket.emitWithAck("join", joinMsg(code, "joiner-00001"));
    expect(refused).toMatchObject({ ok: false, error: { code: "rate_limited", event: "join", details: { reason: "join" } } });
    if (refused.ok) throw new Error("expected a refusal");
    const { retryAfterMs } = refused.error.details as { retryAfterMs: number };
    expect(retryAfterMs).toBeGreaterThan(50_000);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(refused.error.message).toMatch(/^Too many joins from your network: try again in \d+ s\.$/);
    // another address joins the same room
    const other = await connectFrom(server.url, "198.51.100.91");
    expect((await other.emitWithAck("join", joinMsg(code, "joiner-00002"))).ok).toBe(true);
  });

  it("the recordings API: 429 with Retry-After past the budget", async () => {
    const { server } = await start({ connections: { recordings: { points: 4, windowMs: 60_000 } } });
    const get = () => fetch(`${server.url}/api/recordings/no-such-recording`, { headers: from("198.51.100.100") });
    for (let i = 0; i < 4; i++) expect((await get()).status).toBe(404);
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(50);
    expect(((await refused.json()) as { error: string }).error).toBe("rate_limited");
    // the server's own replay page asks for every link preview from 127.0.0.1: not counted (with its secret only)
    const internal = (token: string) => fetch(`${server.url}/api/recordings/no-such-recording`, { headers: { "x-backbeat-internal": token } });
    for (let i = 0; i < 10; i++) expect((await internal(INTERNAL_TOKEN)).status).toBe(404);
    for (let i = 0; i < 4; i++) await internal("a-guess");
    expect((await internal("a-guess")).status).toBe(429);
  });
});

describe("links of the old format keep working (sqlite)", () => {
  it("a room with an old code (brisk-otter-42) is found and joined", async () => {
    const { server, store } = await start();
    expect(await store.createRoom({ code: "brisk-otter-42", tempoBpm: 97, beatsPerBar: 3 })).toBe(true);
    const found = await lookup(server.url, "brisk-otter-42", "198.51.100.110");
    expect(found).toMatchObject({ status: 200, body: { code: "brisk-otter-42", tempoBpm: 97 } });
    const socket = await connectFrom(server.url, "198.51.100.110");
    const joined = await socket.emitWithAck("join", joinMsg("brisk-otter-42", "oldlink-0001"));
    expect(joined.ok && joined.data.room.code).toBe("brisk-otter-42");
    // new rooms get new codes
    const res = await fetch(`${server.url}/api/rooms`, { method: "POST", headers: from("198.51.100.110") });
    expect(((await res.json()) as { code: string }).code).toMatch(/^[a-z]+-[a-z]+-[0-9a-hjkmnp-tv-z]{8}$/);
  });
});
