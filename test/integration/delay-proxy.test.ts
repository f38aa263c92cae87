/**
 * The delaying proxy (bench/delay-proxy.ts) with real sockets: a TCP echo
 * server for order and per-chunk delay bounds, and the real Backbeat server
 * for HTTP (/api/health) and the Socket.IO WebSocket upgrade.
 */
import { createServer, connect as tcpConnect, type AddressInfo, type Server, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDelayProxy, type DelayProxy } from "../../bench/delay-proxy";
import { connect, sleep, startTestServer, type TestServer } from "./helpers";

/**
 * Upper bounds only catch gross errors (a delay applied twice, a stuck queue):
 * on a loaded 2-core box timers fire tens of ms late, so exact timing is left
 * to the benchmark (docs/benchmarks/timing-e2e.md). Lower bounds stay exact.
 */
const SLOP_MS = 250;

let echo: Server;
let echoPort = 0;
const proxies: DelayProxy[] = [];

async function proxyTo(port: number, up: [number, number], down: [number, number], seed = 1): Promise<DelayProxy> {
  const p = await startDelayProxy({
    listenPort: 0,
    targetHost: "127.0.0.1",
    targetPort: port,
    upstream: { baseMs: up[0], jitterMs: up[1] },
    downstream: { baseMs: down[0], jitterMs: down[1] },
    seed,
  });
  proxies.push(p);
  return p;
}

function openTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect({ host: "127.0.0.1", port, noDelay: true }, () => resolve(s));
    s.once("error", reject);
  });
}

beforeAll(async () => {
  echo = createServer({ noDelay: true }, (s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", () => r()));
  echoPort = (echo.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const p of proxies) await p.close();
  await new Promise<void>((r) => echo.close(() => r()));
});

describe("delay proxy over TCP", () => {
  it("adds the upstream plus downstream delay to a round trip", async () => {
    const proxy = await proxyTo(echoPort, [20, 0], [40, 0]);
    const s = await openTcp(proxy.port);
    const t0 = performance.now();
    s.write("ping");
    await new Promise((r) => s.once("data", r));
    const rttMs = performance.now() - t0;
    s.destroy();
    expect(rttMs).toBeGreaterThanOrEqual(60);
    expect(rttMs).toBeLessThan(60 + SLOP_MS);
    const st = proxy.stats;
    expect(st.upstream.delayMinMs).toBeGreaterThanOrEqual(20);
    expect(st.downstream.delayMinMs).toBeGreaterThanOrEqual(40);
  });

  it("keeps order and the jitter bounds when chunks would overtake each other", async () => {
    const proxy = await proxyTo(echoPort, [30, 10], [30, 10], 7);
    const s = await openTcp(proxy.port);
    const sentAt = new Map<number, number>();
    const rtts: number[] = [];
    let received = "";
    s.setEncoding("utf8");
    s.on("data", (d: string) => {
      const now = performance.now();
      received += d;
      // each message is "<n>;" — note the round trip of every complete one
      for (const m of d.matchAll(/(\d+);/g)) {
        const at = sentAt.get(Number(m[1]));
        if (at !== undefined) rtts.push(now - at);
      }
    });
    // 3 ms apart, much closer than the ±10 ms jitter: without order holding they would reorder
    let sent = "";
    for (let i = 0; i < 40; i++) {
      sentAt.set(i, performance.now());
      s.write(`${i};`);
      sent += `${i};`;
      await sleep(3);
    }
    const deadline = performance.now() + 1000;
    while (received.length < sent.length && performance.now() < deadline) await sleep(5);
    s.destroy();
    expect(received).toBe(sent);
    // Two hops of 30 ± 10 ms each (a chunk may be held back by its predecessor: that is the "+ order" part)
    for (const r of rtts) {
      expect(r).toBeGreaterThanOrEqual(40);
      expect(r).toBeLessThan(80 + SLOP_MS);
    }
    const st = proxy.stats;
    for (const d of [st.upstream, st.downstream]) {
      expect(d.delayMinMs).toBeGreaterThanOrEqual(20);
      expect(d.delayMaxMs).toBeLessThan(40 + SLOP_MS);
      expect(d.delayMeanMs).toBeGreaterThan(25);
    }
  });

  it("delivers the last chunk and the FIN after a half-close", async () => {
    const proxy = await proxyTo(echoPort, [10, 5], [25, 5], 3);
    const s = await openTcp(proxy.port);
    let received = "";
    s.setEncoding("utf8");
    s.on("data", (d: string) => (received += d));
    const ended = new Promise((r) => s.once("end", r));
    s.end("bye"); // FIN right behind the data: the echo's answer must still come back
    await ended;
    expect(received).toBe("bye");
    await sleep(20);
    expect(proxy.stats.open).toBe(0);
  });
});

describe("delay proxy in front of the real server", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("passes HTTP and the Socket.IO WebSocket upgrade, delayed", async () => {
    const port = Number(new URL(t.server.url).port);
    const proxy = await proxyTo(port, [25, 0], [25, 0]);
    const url = `http://127.0.0.1:${proxy.port}`;

    const t0 = performance.now();
    const res = await fetch(`${url}/api/health`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe("ok");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);

    const socket = await connect(url);
    try {
      // a clock-sync exchange over the upgraded connection: one round trip through both delay lines
      const s0 = performance.now();
      const pong = await socket.timeout(2000).emitWithAck("sync:ping", { t0Ms: s0 });
      const rttMs = performance.now() - s0;
      expect(pong.t0Ms).toBe(s0);
      expect(rttMs).toBeGreaterThanOrEqual(50);
      expect(rttMs).toBeLessThan(50 + SLOP_MS);
    } finally {
      socket.close();
    }
    expect(proxy.stats.connections).toBeGreaterThanOrEqual(2);
  });
});
