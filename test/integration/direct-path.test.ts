/**
 * The direct path end to end in Node (issue 15): two real clients (JamConnection) in a room on a
 * real server, their direct channel on a fake peer pair (test/support/fake-peers.ts) signalled
 * through the server. Every partner hit is played once, from its first copy; the server still
 * gets (and acks) every hit; a channel torn down mid-jam or one whose packets are all lost costs
 * no hit.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { JamConnection } from "../../app/lib/connection/jam-connection";
import { drained, joined, nodeConnection } from "../support/jam-node";
import { FakeNetwork } from "../support/fake-peers";
import { createRoom, sleep, startTestServer, type TestServer } from "./helpers";

let srv: TestServer | null = null;
const conns: JamConnection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  await srv?.stop();
  srv = null;
});

async function pair(net: FakeNetwork) {
  srv = await startTestServer();
  const code = await createRoom(srv.server.url);
  const make = (participantId: string, name: string, side: number) => {
    const c = nodeConnection({ url: srv!.server.url, roomCode: code, participantId, name, createPeer: net.factory(side) });
    conns.push(c);
    return c;
  };
  const ada = make("direct-it-ada1", "Ada", 0);
  await joined(ada);
  const bo = make("direct-it-bo01", "Bo", 1);
  await joined(bo);
  const heardByBo: number[] = [];
  bo.onRemoteHit((hit) => heardByBo.push(hit.seq));
  return { ada, bo, heardByBo };
}
const pathAt = (c: JamConnection, from: string) => c.pathStats().find((p) => p.from === from);
async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}
async function play(c: JamConnection, n: number, gapMs = 15): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) {
    seqs.push(c.strike(i % 2 ? "snare" : "kick", 0.8).seq);
    await sleep(gapMs);
  }
  return seqs;
}

describe("the direct path between two real clients", () => {
  it("opens through the server's signalling; each hit plays once, first from the channel, and the server still stores and acks every one", async () => {
    const net = new FakeNetwork();
    net.latencyMs = 0;
    const { ada, bo, heardByBo } = await pair(net);
    await until("channel open on both sides", () => pathAt(ada, bo.participantId)?.channel?.state === "open" && pathAt(bo, ada.participantId)?.channel?.state === "open");
    const sent = await play(ada, 20);
    await until("20 hits heard", () => heardByBo.length >= 20);
    await until("the relay's copies too", () => (pathAt(bo, ada.participantId)?.paths.relay.copies ?? 0) >= 20);
    await drained(ada);
    expect([...heardByBo].sort((x, y) => x - y)).toEqual(sent);
    const p = pathAt(bo, ada.participantId)!;
    expect(p.firsts.direct + p.firsts.relay).toBe(20);
    expect(p.firsts.direct).toBeGreaterThan(0);
    expect(bo.stats.duplicates).toBeGreaterThanOrEqual(20); // every relay copy (and repeats) ignored
    expect(ada.stats.acked).toBe(20);
  });

  it("a channel torn down mid-jam, then one losing every packet: no hit is lost or played twice", async () => {
    const net = new FakeNetwork();
    const { ada, bo, heardByBo } = await pair(net);
    await until("channel open", () => pathAt(ada, bo.participantId)?.channel?.state === "open");
    const sent = await play(ada, 10);
    ada.direct!.breakAll();
    sent.push(...(await play(ada, 10)));
    await until("channel open again (back-off)", () => pathAt(ada, bo.participantId)?.channel?.state === "open", 10_000);
    net.dropping = true; // a stall: nothing gets through until the channel is declared dead
    sent.push(...(await play(ada, 10)));
    await until("30 hits heard", () => heardByBo.length >= 30);
    await sleep(200);
    expect([...heardByBo].sort((x, y) => x - y)).toEqual(sent);
    const p = pathAt(bo, ada.participantId)!;
    expect(p.firsts.relay).toBeGreaterThanOrEqual(20); // torn down, then lossy
    expect(p.channel!.downs).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it("a direct copy is timed by the sender's own clock: a step of the sender's clock sync does not move it (core/peer-clock.ts)", async () => {
    const net = new FakeNetwork();
    net.latencyMs = 0;
    const { ada, bo } = await pair(net);
    await until("channel measured", () => pathAt(bo, ada.participantId)?.channel?.clockOffsetMs != null && pathAt(ada, bo.participantId)?.channel?.state === "open");
    const played: { stampTransitMs: number; playedTransitMs: number; path: string }[] = [];
    bo.onRemoteHit((hit, d, receivedAtMs, path) => played.push({ stampTransitMs: receivedAtMs - hit.strikeAtMs, playedTransitMs: receivedAtMs - (d.dueAtMs - d.delayMs), path }));
    // Ada's clock sync steps by +40 ms (as when it learns a new floor): her stamps jump with it
    const applied = ada.clock.appliedOffsetAt.bind(ada.clock);
    ada.clock.appliedOffsetAt = (localMs: number) => applied(localMs) + 40;
    await play(ada, 20, 20);
    await until("20 hits played", () => played.length >= 20);
    // (in one Node process the fake channel's setTimeout sometimes loses the race to the relay's
    // loopback socket: those copies keep the server's frame and play by the stamp)
    const direct = played.filter((p) => p.path === "direct");
    expect(direct.length).toBeGreaterThanOrEqual(1);
    for (const p of played.filter((x) => x.path === "relay")) expect(p.playedTransitMs).toBeCloseTo(p.stampTransitMs, 6);
    // The stamps carry the 40 ms step; what the playout saw does not. Both transits share the
    // arrival time, so their difference is the step alone (± the peer clock's error), whatever the
    // machine's load added to the real transit (a bound on the stamp alone, < -30 ms, failed once
    // at -29.8 with other test files beside this one).
    for (const p of direct) {
      expect(p.stampTransitMs - p.playedTransitMs).toBeLessThan(-30);
      expect(p.stampTransitMs - p.playedTransitMs).toBeGreaterThan(-50);
      expect(Math.abs(p.playedTransitMs)).toBeLessThan(25); // loopback and timers: ~0
    }
  });
});
