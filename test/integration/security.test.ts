/**
 * Hostile input and abuse, against a real server: security headers (API and
 * pages), same-origin checks for the HTTP API and the WebSocket handshake,
 * message size cap, per-socket rate limits (`rate_limited`, then `abuse` and a
 * disconnect), room capacity, host-only actions, and display names kept as
 * plain text.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS, PROTOCOL_VERSION, type ErrorMsg } from "../../core/protocol";
import { type RecordingJson } from "../../core/http-api";
import { seededRng } from "../../core/rng";
import { startBackbeatServer, type BackbeatServer } from "../../server/app";
import { LIFTED_CONNECTION_LIMITS } from "../../server/connection-limits";
import { ROOM_CAPACITY, SPECTATOR_CAPACITY } from "../../server/room/room";
import { contentSecurityPolicy } from "../../server/security";
import { openStore } from "../../server/storage";
import type { Store } from "../../server/store";
import { connect, createRoomAsHost, join, nextEvent, sleep, tempSqliteUrl, type Client } from "./helpers";

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** node:http, so the test controls every header (Origin included). */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method ?? "GET", headers: opts.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

function expectSecurityHeaders(h: IncomingHttpHeaders): void {
  const csp = String(h["content-security-policy"]);
  for (const d of [
    "default-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ]) {
    expect(csp).toContain(d);
  }
  expect(csp).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:\/\/127\.0\.0\.1:\d+/);
  expect(csp).not.toContain("unsafe-eval"); // NODE_ENV is not development here
  expect(h["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["permissions-policy"]).toContain("midi=(self)");
  expect(h["permissions-policy"]).toContain("camera=()");
  expect(h["cross-origin-opener-policy"]).toBe("same-origin");
  expect(h["x-frame-options"]).toBe("DENY");
  expect(h["access-control-allow-origin"]).toBeUndefined();
}

/** Collects every `error` event a socket receives. */
function collectErrors(s: Client): ErrorMsg[] {
  const errors: ErrorMsg[] = [];
  s.on("error", (e) => errors.push(e));
  return errors;
}

function closed(s: Client, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    if (s.disconnected) return resolve("already");
    const timer = setTimeout(() => reject(new Error("socket was not disconnected")), timeoutMs);
    s.once("disconnect", (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

const joinMsg = (roomCode: string, participantId: string, name: string, extra: object = {}) => ({
  protocolVersion: PROTOCOL_VERSION,
  roomCode,
  participantId,
  name,
  ...extra,
});

describe("security and abuse (sqlite)", () => {
  let server: BackbeatServer;
  let store: Store;
  let cleanup: () => void;
  const sockets: Client[] = [];
  const open = async () => {
    const s = await connect(server.url);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    const tmp = tempSqliteUrl();
    cleanup = tmp.cleanup;
    store = await openStore(tmp.url);
    server = await startBackbeatServer({
      store,
      port: 0,
      host: "127.0.0.1",
      rng: seededRng(7),
      log: () => undefined,
      // a stand-in for Next: every non-API path is "a page"
      pages: (_req, res) => {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<!doctype html><title>page</title>");
      },
      // tight budgets so a flood trips them quickly; the defaults are tested below too.
      // ~60 sockets from 127.0.0.1 and two `abuse` disconnects: the per-address connection
      // limits are lifted here (test/integration/connection-limits.test.ts tests them).
      rateLimits: { hit: { burst: 10, perSecond: 5 }, abuse: { maxDropped: 50, windowMs: 10_000 }, connections: LIFTED_CONNECTION_LIMITS },
    });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.close();
    await store.close();
    cleanup();
  });

  it("sends the security headers on API responses and pages", async () => {
    const api = await raw(`${server.url.replace("localhost", "127.0.0.1")}/api/health`);
    expect(api.status).toBe(200);
    expectSecurityHeaders(api.headers);
    const page = await raw(`${server.url.replace("localhost", "127.0.0.1")}/room/brisk-otter-42`);
    expect(page.status).toBe(200);
    expect(page.body).toContain("<title>page</title>");
    expectSecurityHeaders(page.headers);
    const notFound = await raw(`${server.url.replace("localhost", "127.0.0.1")}/api/nope`);
    expectSecurityHeaders(notFound.headers);
  });

  it("allows 'unsafe-eval' only in dev, and never echoes a malformed Host into the policy", () => {
    expect(contentSecurityPolicy({ dev: true, host: "localhost:3000" })).toContain("'unsafe-eval'");
    expect(contentSecurityPolicy({ dev: false, host: "localhost:3000" })).not.toContain("'unsafe-eval'");
    const evil = contentSecurityPolicy({ host: "evil.example; script-src *" });
    expect(evil).not.toContain("evil");
    expect(evil).toContain("connect-src 'self';");
  });

  it("refuses cross-origin state-changing API requests and sends no CORS headers", async () => {
    const base = server.url.replace("localhost", "127.0.0.1");
    const post = (headers: Record<string, string>) =>
      raw(`${base}/api/rooms`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });

    const foreign = await post({ origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ error: "forbidden_origin" });
    expect(foreign.headers["access-control-allow-origin"]).toBeUndefined();
    expect((await post({ origin: "null" })).status).toBe(403); // sandboxed iframes, data: pages
    expect((await post({ origin: `http://127.0.0.1:${server.port + 1}` })).status).toBe(403); // another port is another origin

    const same = await post({ origin: base });
    expect(same.status).toBe(201);
    expect(same.headers["access-control-allow-origin"]).toBeUndefined();
    expect((await post({})).status).toBe(201); // no Origin: curl, server-to-server

    // a preflight gets no CORS answer, so the browser never sends the real request
    const preflight = await raw(`${base}/api/rooms`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    expect(preflight.headers["access-control-allow-methods"]).toBeUndefined();

    // deleting a recording from another site is refused before the owner token is even looked at
    const del = await raw(`${base}/api/recordings/abcdefgh`, { method: "DELETE", headers: { origin: "https://evil.example", authorization: "Bearer x" } });
    expect(del.status).toBe(403);
    // reading stays possible (links are shared), but without CORS another site cannot read the answer
    const get = await raw(`${base}/api/health`, { headers: { origin: "https://evil.example" } });
    expect(get.status).toBe(200);
    expect(get.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("refuses a WebSocket handshake from a foreign Origin, accepts its own and none", async () => {
    const base = server.url.replace("localhost", "127.0.0.1");
    const attempt = (origin?: string) =>
      new Promise<"connected" | "refused">((resolve) => {
        const s = io(base, {
          transports: ["websocket"],
          forceNew: true,
          reconnection: false,
          extraHeaders: origin ? { origin } : {},
        });
        const done = (r: "connected" | "refused") => {
          s.close();
          resolve(r);
        };
        s.once("connect", () => done("connected"));
        s.once("connect_error", () => done("refused"));
      });
    expect(await attempt("https://evil.example")).toBe("refused");
    expect(await attempt("null")).toBe("refused");
    expect(await attempt(base)).toBe("connected");
    expect(await attempt()).toBe("connected");
  });

  it("closes a connection that sends a message over the size cap, and stays up", async () => {
    const { code } = await createRoomAsHost(server.url);
    const s = await open();
    await join(s, code, "big-0000001", "Big");
    const gone = closed(s);
    s.emit("quality", { rttMs: 1, junk: "x".repeat(LIMITS.maxMessageBytes + 1) } as never);
    expect(await gone).toBe("transport close");
    // a binary attachment over the cap, too
    const b = await open();
    const goneB = closed(b);
    b.emit("hit", Buffer.alloc(LIMITS.maxMessageBytes + 1) as never);
    expect(await goneB).toBe("transport close");
    // just under the cap is parsed (and rejected by its schema), not a disconnect
    const c = await open();
    const err = nextEvent(c, "error");
    c.emit("quality", { rttMs: "x".repeat(LIMITS.maxMessageBytes - 200) } as never);
    expect((await err).code).toBe("invalid_message");
    expect(c.connected).toBe(true);
    expect((await raw(`${server.url}/api/health`)).status).toBe(200);
  });

  it("rate-limits a hit flood: `rate_limited` (once a second at most), then `abuse` and a disconnect", async () => {
    const { code, hostToken } = await createRoomAsHost(server.url);
    const flooder = await open();
    const partner = await open();
    await join(flooder, code, "flood-00001", "Flood", hostToken);
    await join(partner, code, "partner-001", "Partner");
    let relayed = 0;
    partner.on("hit", () => relayed++);
    const errors = collectErrors(flooder);
    const gone = closed(flooder);
    const now = Date.now();
    // 40 over a budget of 10: dropped, told once, not yet abuse (50 drops allowed)
    for (let seq = 1; seq <= 50; seq++) flooder.emit("hit", { seq, pad: "snare", velocity: 0.5, strikeAtMs: now });
    await sleep(300);
    expect(flooder.connected).toBe(true);
    expect(errors.map((e) => e.code)).toEqual(["rate_limited"]);
    expect(errors[0]).toMatchObject({ event: "hit", details: { retryAfterMs: expect.any(Number) } });
    expect(relayed).toBeGreaterThanOrEqual(10);
    expect(relayed).toBeLessThanOrEqual(12); // the burst (plus what refilled meanwhile)
    // an acknowledged event over its budget is answered at once, not left hanging
    // (the `other` budget is the default 20 at once)
    const acks = await Promise.all(Array.from({ length: 25 }, () => flooder.emitWithAck("mode:set", { mode: "live" })));
    expect(acks.filter((a) => !a.ok && a.error.code === "rate_limited").length).toBeGreaterThanOrEqual(4);
    // keep flooding: the abuse meter runs out and the server hangs up
    for (let seq = 51; seq <= 200; seq++) flooder.emit("hit", { seq, pad: "snare", velocity: 0.5, strikeAtMs: now });
    expect(await gone).toBe("io server disconnect");
    const codes = errors.map((e) => e.code);
    expect(codes.at(-1)).toBe("abuse");
    expect(codes.filter((c) => c === "rate_limited").length).toBeLessThanOrEqual(2);
    // the partner and the server are fine
    expect(partner.connected).toBe(true);
    expect((await raw(`${server.url}/api/health`)).status).toBe(200);
  });

  it("counts invalid and unknown messages towards abuse too", async () => {
    // Each kind on its own socket: either alone gets the sender cut off (one interleaved stream
    // once showed only unknown_event replies in CI, so it could not tell the two apart).
    const kinds: [string, (i: number) => [string, unknown]][] = [
      ["invalid_message", (i) => ["hit", { bad: i }]],
      ["unknown_event", (i) => ["no-such-event", { bad: i }]],
    ];
    for (const [code, message] of kinds) {
      const s = await open();
      const errors = collectErrors(s);
      const gone = closed(s);
      for (let i = 0; i < 120; i++) (s as unknown as { emit(e: string, p: unknown): void }).emit(...message(i));
      expect(await gone, code).toBe("io server disconnect");
      const codes = errors.map((e) => e.code).join(" ");
      expect(errors.at(-1)?.code, codes).toBe("abuse");
      expect(errors.some((e) => e.code === code), codes).toBe(true);
    }
  });

  it("does not limit honest play with the default budgets (a 30 hits/s roll, re-sent backlog, pings)", async () => {
    const tmp = tempSqliteUrl();
    const st = await openStore(tmp.url);
    const srv = await startBackbeatServer({ store: st, port: 0, host: "127.0.0.1", rng: seededRng(8), log: () => undefined });
    const clients: Client[] = [];
    try {
      const { code, hostToken } = await createRoomAsHost(srv.url);
      const a = await connect(srv.url);
      const b = await connect(srv.url);
      clients.push(a, b);
      await join(a, code, "roll-000001", "Roller", hostToken);
      await join(b, code, "listen-0001", "Listener");
      const errors = collectErrors(a);
      let received = 0;
      b.on("hit", () => received++);
      // a backlog of 1000 un-acked hits re-sent at once after a join
      const t0 = Date.now();
      for (let seq = 1; seq <= 1000; seq++) a.emit("hit", { seq, pad: "kick", velocity: 0.7, strikeAtMs: t0 - 30_000 + seq, resend: true });
      // a burst of sync pings on (re)connect
      await Promise.all(Array.from({ length: 10 }, () => a.timeout(2000).emitWithAck("sync:ping", { t0Ms: performance.now() })));
      // then a 3-second roll at 30 hits/s
      for (let i = 0; i < 90; i++) {
        a.emit("hit", { seq: 1001 + i, pad: "snare", velocity: 0.6, strikeAtMs: Date.now() });
        await sleep(1000 / 30);
      }
      await sleep(200);
      expect(errors).toEqual([]);
      expect(received).toBe(90); // re-sent hits are not relayed; every live one is
      expect(a.connected).toBe(true);
    } finally {
      for (const c of clients) c.close();
      await srv.close();
      await st.close();
      tmp.cleanup();
    }
  });

  it("enforces room capacity for players and spectators", async () => {
    const { code } = await createRoomAsHost(server.url);
    for (let i = 0; i < ROOM_CAPACITY; i++) await join(await open(), code, `player-${String(i).padStart(4, "0")}`, `P${i}`);
    const extra = await open();
    const full = await extra.emitWithAck("join", joinMsg(code, "player-extra", "Extra"));
    expect(!full.ok && full.error.code).toBe("room_full");
    for (let i = 0; i < SPECTATOR_CAPACITY; i++) {
      const r = await (await open()).emitWithAck("join", joinMsg(code, `watch-${String(i).padStart(4, "0")}`, `W${i}`, { role: "spectator" }));
      expect(r.ok).toBe(true);
    }
    const fullSpectators = await extra.emitWithAck("join", joinMsg(code, "watch-extra", "Extra", { role: "spectator" }));
    expect(!fullSpectators.ok && fullSpectators.error.code).toBe("room_full");
  });

  it("only the host changes tempo and mode, starts or stops a battle, removes someone; a wrong token is no host", async () => {
    const { code, hostToken } = await createRoomAsHost(server.url);
    const host = await open();
    const guest = await open();
    await join(host, code, "host-000009", "Host", hostToken);
    await join(guest, code, "guest-00009", "Guest", "A".repeat(32)); // a well-formed but wrong token
    const refusals = [
      await guest.emitWithAck("mode:set", { mode: "groove" }),
      await guest.emitWithAck("tempo:set", { tempoBpm: 120, beatsPerBar: 4 }),
      await guest.emitWithAck("battle:start", { barsPerTurn: 2, rounds: 1, subdivision: 8 }),
      await guest.emitWithAck("battle:stop", {}),
      await guest.emitWithAck("member:kick", { id: "host-000009" }),
    ];
    for (const r of refusals) expect(!r.ok && r.error.code).toBe("not_host");
    expect((await host.emitWithAck("tempo:set", { tempoBpm: 120, beatsPerBar: 4 })).ok).toBe(true);
  });

  it("keeps display names as plain text: HTML is stored and returned verbatim, length is limited", async () => {
    const { code, hostToken } = await createRoomAsHost(server.url);
    const s = await open();
    const html = `<img src=x onerror=alert(1)>&lt;`; // exactly the 32-character limit
    const room = await join(s, code, "html-000001", html, hostToken);
    expect(room.members.find((m) => m.id === "html-000001")?.name).toBe(html);
    const rec = await s.emitWithAck("recording:start", { title: `<script>alert("t")</script>` });
    if (!rec.ok) throw new Error(rec.error.message);
    await s.emitWithAck("recording:stop", {});
    const json = (await (await fetch(`${server.url}/api/recordings/${rec.data.id}`)).json()) as RecordingJson;
    expect(json.participants.find((p) => p.id === "html-000001")?.name).toBe(html);
    expect(json.title).toBe(`<script>alert("t")</script>`);

    const t = await open();
    const max = "é".repeat(LIMITS.nameMaxChars);
    expect((await t.emitWithAck("join", joinMsg(code, "long-000001", max))).ok).toBe(true);
    const tooLong = await t.emitWithAck("join", joinMsg(code, "long-000002", max + "x"));
    expect(!tooLong.ok && tooLong.error.code).toBe("invalid_message");
    const blank = await t.emitWithAck("join", joinMsg(code, "long-000003", " \t\n "));
    expect(!blank.ok && blank.error.code).toBe("invalid_message");
  });

  // Member ids are public (every room:state lists them); a seat is bound to the per-tab
  // seat key the browser joins with, so knowing an id is not enough to take the seat.
  it("does not let someone who read a member id from room:state take over that member's seat", async () => {
    const { code, hostToken } = await createRoomAsHost(server.url);
    const victim = await open();
    const seatKey = "victim-seat-key-0123456789";
    const joined = await victim.emitWithAck("join", joinMsg(code, "victim-0001", "Victim", { hostToken, seatKey }));
    if (!joined.ok) throw new Error(joined.error.message);
    const attacker = await open();
    const watched = await attacker.emitWithAck("join", joinMsg(code, "attack-0001", "Watcher", { role: "spectator" }));
    expect(watched.ok).toBe(true);
    const victimId = joined.data.room.members[0]!.id;
    const takeover = await attacker.emitWithAck("join", joinMsg(code, victimId, "Victim"));
    expect(!takeover.ok && takeover.error.code).toBe("seat_taken");
    const guessed = await attacker.emitWithAck("join", joinMsg(code, victimId, "Victim", { seatKey: "a-guessed-key-0123456789" }));
    expect(!guessed.ok && guessed.error.code).toBe("seat_taken");
    // The rightful tab (a reload) gets its seat back.
    const again = await open();
    expect((await again.emitWithAck("join", joinMsg(code, victimId, "Victim", { seatKey }))).ok).toBe(true);
  });

  // Recording control belongs to the players: a spectator (anyone with the link) cannot stop it.
  it("does not let a spectator stop the players' recording", async () => {
    const { code, hostToken } = await createRoomAsHost(server.url);
    const host = await open();
    await join(host, code, "rechost-001", "Host", hostToken);
    const rec = await host.emitWithAck("recording:start", {});
    expect(rec.ok).toBe(true);
    const fan = await open();
    expect((await fan.emitWithAck("join", joinMsg(code, "recfan-0001", "Fan", { role: "spectator" }))).ok).toBe(true);
    const stop = await fan.emitWithAck("recording:stop", {});
    expect(!stop.ok && stop.error.code).toBe("spectator");
    expect(!(await fan.emitWithAck("recording:start", {})).ok).toBe(true);
  });
});
