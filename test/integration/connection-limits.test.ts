/**
 * Per-address connection limits and the WebSocket-only transport, against real
 * servers on free ports with real socket.io-client clients
 * (server/connection-limits.ts): the (burst+1)th rapid connection from one
 * address is refused with a reason the page can show, then refused before the
 * upgrade; open connections are capped; an address whose socket was cut off
 * for abuse is paused; X-Forwarded-For counts only with TRUST_PROXY; polling
 * handshakes are refused; with the default limits, reloads and a room of
 * players reconnecting together are never refused.
 *
 * Most servers here trust one proxy, so each test plays its own client address
 * through X-Forwarded-For and the tests do not spend each other's budgets.
 */
import { request as httpRequest } from "node:http";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { connectRefusalOf, type ConnectRefusal } from "../../core/connect-refusal";
import { seededRng } from "../../core/rng";
import { startBackbeatServer, type BackbeatServer } from "../../server/app";
import type { TrustProxy } from "../../server/client-address";
import type { RateLimitOptions } from "../../server/rate-limit";
import { openStore } from "../../server/storage";
import { joined, nodeConnection } from "../support/jam-node";
import { createRoom, sleep, tempSqliteUrl, type Client } from "./helpers";

const stops: (() => Promise<void>)[] = [];
const sockets: Client[] = [];
afterAll(async () => {
  for (const s of sockets) s.close();
  for (const stop of stops.reverse()) await stop();
});

async function start(opts: { trustProxy?: TrustProxy; rateLimits?: RateLimitOptions } = {}): Promise<BackbeatServer> {
  const tmp = tempSqliteUrl();
  const store = await openStore(tmp.url);
  const server = await startBackbeatServer({ store, port: 0, host: "127.0.0.1", rng: seededRng(11), log: () => undefined, ...opts });
  stops.push(async () => {
    await server.close();
    await store.close();
    tmp.cleanup();
  });
  return server;
}

type Attempt = { connected: true; socket: Client } | { connected: false; error: Error & { data?: unknown }; refusal: ConnectRefusal | null };

/** One connection attempt as the page makes it (WebSocket only), from `forwardedFor` when given. */
function attempt(url: string, forwardedFor?: string, opts: { reconnection?: boolean; transports?: string[] } = {}): Promise<Attempt> {
  return new Promise((resolve) => {
    const s: Client = io(url, {
      transports: opts.transports ?? ["websocket"],
      forceNew: true,
      reconnection: opts.reconnection ?? false,
      reconnectionDelay: 100,
      extraHeaders: forwardedFor ? { "x-forwarded-for": forwardedFor } : {},
    });
    s.once("connect", () => {
      sockets.push(s);
      resolve({ connected: true, socket: s });
    });
    s.once("connect_error", (error: Error & { data?: unknown }) => {
      s.close();
      resolve({ connected: false, error, refusal: connectRefusalOf(error) });
    });
  });
}

function refused(a: Attempt): Extract<Attempt, { connected: false }> {
  if (a.connected) throw new Error("expected the connection to be refused");
  return a;
}

/** A raw WebSocket upgrade of the Socket.IO endpoint: the HTTP answer when it is refused. */
function rawUpgrade(url: string, forwardedFor: string): Promise<{ status: number; body: string } | "upgraded"> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/socket.io/?EIO=4&transport=websocket`, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "x-forwarded-for": forwardedFor,
      },
    });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve("upgraded");
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function rawGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on("error", reject)
      .end();
  });
}

/** Connects from `forwardedFor`, retrying until admitted (the server sees a close a moment after the client). */
async function connectWithin(url: string, forwardedFor: string, timeoutMs: number): Promise<Client> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const a = await attempt(url, forwardedFor);
    if (a.connected) return a.socket;
    if (Date.now() > deadline) throw new Error(`still refused after ${timeoutMs} ms: ${a.error.message}`);
    await sleep(50);
  }
}

describe("per-address connection limits (sqlite)", () => {
  it("refuses the (burst+1)th rapid connection from one address with a reason, then before the upgrade", async () => {
    const server = await start({
      trustProxy: 1,
      rateLimits: { connections: { connect: { points: 3, windowMs: 100_000 }, explain: { points: 2, windowMs: 3_600_000 } } },
    });
    const me = "198.51.100.1";
    for (let i = 0; i < 3; i++) expect((await attempt(server.url, me)).connected).toBe(true);

    // refusals 1 and 2: let through the upgrade and told why, in a connect_error the page can show
    for (let i = 0; i < 2; i++) {
      const r = refused(await attempt(server.url, me));
      expect(r.refusal).toMatchObject({ code: "rate_limited", details: { reason: "new" } });
      expect(r.error.message).toMatch(/^Too many new connections from your network: try again in \d+ s\.$/);
      expect(r.refusal!.details.retryAfterMs).toBeGreaterThan(90_000); // until the 100 s window ends
      expect(r.refusal!.details.retryAfterMs).toBeLessThanOrEqual(100_000);
    }
    // past the explanation budget: refused before the WebSocket upgrade (a browser sees only an error)
    const hard = refused(await attempt(server.url, me));
    expect(hard.refusal).toBeNull();
    expect(hard.error.message).toBe("websocket error");
    // ...but a non-browser client reading the HTTP answer still gets the reason
    const answer = await rawUpgrade(server.url, me);
    if (answer === "upgraded") throw new Error("expected a refusal");
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "rate_limited", details: { reason: "new" } });

    // other addresses are not affected
    expect((await attempt(server.url, "198.51.100.2")).connected).toBe(true);
  });

  it("believes X-Forwarded-For only when TRUST_PROXY says so", async () => {
    const server = await start({ rateLimits: { connections: { connect: { points: 2, windowMs: 1_000_000 } } } });
    expect((await attempt(server.url, "203.0.113.1")).connected).toBe(true);
    expect((await attempt(server.url, "203.0.113.2")).connected).toBe(true);
    // a made-up address does not buy a fresh budget: all three came from 127.0.0.1
    expect(refused(await attempt(server.url, "203.0.113.3")).refusal?.details.reason).toBe("new");
  });

  describe("open connections and abuse", () => {
    let server: BackbeatServer;
    beforeAll(async () => {
      server = await start({
        trustProxy: 1,
        rateLimits: {
          connections: { maxOpen: 3, abuseCooldownMs: 2_000, explain: { points: 100, windowMs: 60_000 } },
          abuse: { maxDropped: 5, windowMs: 10_000 },
        },
      });
    });

    it("caps the connections one address has open; closing one frees a slot", async () => {
      const me = "198.51.100.20";
      const open = await Promise.all([attempt(server.url, me), attempt(server.url, me), attempt(server.url, me)]);
      expect(open.map((a) => a.connected)).toEqual([true, true, true]);
      const r = refused(await attempt(server.url, me));
      expect(r.refusal).toMatchObject({ code: "rate_limited", details: { reason: "open", retryAfterMs: 5000 } });
      expect(r.error.message).toContain("Too many open connections from your network (at most 3)");
      // the refusals took no slot: closing one of the three is enough
      expect(refused(await attempt(server.url, me)).refusal?.details.reason).toBe("open");
      (open[0] as { socket: Client }).socket.close();
      (await connectWithin(server.url, me, 3_000)).close();
    });

    it("pauses an address whose socket was disconnected for abuse, then lets it back", async () => {
      const me = "198.51.100.30";
      const bystander = refusedOrSocket(await attempt(server.url, me)); // opened before the abuse
      const abuser = refusedOrSocket(await attempt(server.url, me));
      const gone = new Promise<string>((resolve) => abuser.once("disconnect", resolve));
      for (let i = 0; i < 20; i++) (abuser as unknown as { emit(e: string, p: unknown): void }).emit("no-such-event", { i });
      expect(await gone).toBe("io server disconnect");
      const pausedAt = Date.now();

      const r = refused(await attempt(server.url, me));
      expect(r.refusal).toMatchObject({ code: "abuse", details: { reason: "abuse" } });
      expect(r.refusal!.details.retryAfterMs).toBeLessThanOrEqual(2_000);
      expect(r.error.message).toMatch(/cut off for abuse, so new ones are refused for \d s\.$/);
      expect(bystander.connected).toBe(true); // open connections are not cut
      expect((await attempt(server.url, "198.51.100.31")).connected).toBe(true); // nor other addresses

      await sleep(Math.max(0, pausedAt + 2_100 - Date.now()));
      expect((await attempt(server.url, me)).connected).toBe(true);
    });

    it("closes a refused connection that never asks why (no idle sockets outside the count)", async () => {
      const me = "198.51.100.40";
      const open = await Promise.all([attempt(server.url, me), attempt(server.url, me), attempt(server.url, me)]);
      expect(open.every((a) => a.connected)).toBe(true);
      // a bare WebSocket that gets through the upgrade (to be told why) but never sends the Socket.IO CONNECT
      const ws = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`, { headers: { "x-forwarded-for": me } });
      const openedAt = await new Promise<number>((resolve, reject) => {
        ws.once("open", () => resolve(Date.now()));
        ws.once("error", reject);
      });
      const closedAfterMs = await new Promise<number>((resolve) => ws.once("close", () => resolve(Date.now() - openedAt)));
      expect(closedAfterMs).toBeGreaterThan(2_000);
      expect(closedAfterMs).toBeLessThan(6_000);
    }, 15_000);
  });
});

function refusedOrSocket(a: Attempt): Client {
  if (!a.connected) throw new Error(`refused: ${a.error.message}`);
  return a.socket;
}

describe("WebSocket transport only (sqlite)", () => {
  it("refuses long-polling handshakes", async () => {
    const server = await start();
    const polling = await rawGet(`${server.url}/socket.io/?EIO=4&transport=polling`);
    expect(polling.status).toBe(400);
    expect(JSON.parse(polling.body)).toEqual({ code: 0, message: "Transport unknown" });
    // Socket.IO's default client (polling first, then upgrade) and a polling-only one are refused
    expect((await attempt(server.url, undefined, { transports: ["polling"] })).connected).toBe(false);
    expect((await attempt(server.url, undefined, { transports: ["polling", "websocket"] })).connected).toBe(false);
    expect((await attempt(server.url)).connected).toBe(true);
  });
});

describe("honest use with the default limits (sqlite)", () => {
  it("never refuses a page reloaded a few times, or a room of 8 connecting and reconnecting together", async () => {
    const server = await start();
    for (let reload = 0; reload < 5; reload++) refusedOrSocket(await attempt(server.url)).close();
    const room = (await Promise.all(Array.from({ length: 8 }, () => attempt(server.url, undefined, { reconnection: true })))).map(refusedOrSocket);
    // the link drops for everyone at once (a restart, a network blip): Socket.IO reconnects each of them
    const back = room.map((s) => new Promise<void>((resolve) => s.once("connect", () => resolve())));
    for (const s of room) s.io.engine.close();
    await Promise.all(back);
    expect(room.every((s) => s.connected)).toBe(true);
  });

  it("a client refused at connect shows why and comes back by itself (the browser session's contract)", async () => {
    const server = await start({ rateLimits: { connections: { connect: { points: 1, windowMs: 1_000 } } } });
    const code = await createRoom(server.url);
    const first = nodeConnection({ url: server.url, roomCode: code, participantId: "refuse-first-01", name: "First" });
    await joined(first);
    const second = nodeConnection({ url: server.url, roomCode: code, participantId: "refuse-again-02", name: "Second" });
    try {
      for (let i = 0; i < 40 && !second.snapshot.error; i++) await sleep(25);
      expect(second.snapshot.error).toMatchObject({ code: "rate_limited", details: { reason: "new" } });
      expect(second.status).toMatchObject({ kind: "reconnecting", error: { code: "rate_limited" } });
      await joined(second, 0, 5_000); // after retryAfterMs (+ up to a second of jitter)
      expect(second.status.kind).toBe("joined");
    } finally {
      first.close();
      second.close();
    }
  });
});
