/**
 * Who runs the room (issue 14, "Host leaves → room locked"), in memory on a FakeClock: the host
 * role is handed to the longest-present connected player when the host leaves, or after
 * HOST_GRACE_MS when their link dropped; the host can pass it or name a co-host with the host's
 * powers; the creator's token never makes a second host; all of it survives a reload from the
 * database. The room's name is set by the host and kept too.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseClientMessage, type RoomView } from "../../core/protocol";
import { HOST_GRACE_MS } from "../../server/room/host";
import { RoomHarness, type TestConnection } from "../support/room-harness";
import { connect, createRoomAsHost, join, startTestServer } from "./helpers";

const harnesses: RoomHarness[] = [];
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.stop();
});
async function start(opts: Parameters<typeof RoomHarness.start>[0] = {}): Promise<RoomHarness> {
  const h = await RoomHarness.start(opts);
  harnesses.push(h);
  return h;
}

const hosts = (v: RoomView | undefined) => v!.members.filter((m) => m.isHost).map((m) => m.name);
const coHosts = (v: RoomView | undefined) => v!.members.filter((m) => m.isCoHost).map((m) => m.name);
const tempo = (c: TestConnection, tempoBpm: number) => c.do("tempo:set", { tempoBpm, beatsPerBar: 4 });

/** Ada (host), then a spectator, then Bo, then Cy: Bo is the longest-present player after Ada. */
async function room(h: RoomHarness) {
  const { code, hostToken } = await h.createRoom();
  const ada = h.connect();
  const fan = h.connect();
  const bo = h.connect();
  const cy = h.connect();
  await ada.join(code, "host-ada-01", "Ada", { hostToken, seatKey: "a".repeat(16) });
  await fan.join(code, "host-fan-02", "Fan", { role: "spectator" });
  await bo.join(code, "host-bo--03", "Bo", { seatKey: "b".repeat(16) });
  await cy.join(code, "host-cy--04", "Cy");
  return { code, hostToken, ada, fan, bo, cy };
}

describe("the host role", () => {
  it("Leave hands it at once to the longest-present connected player, never a spectator; the old token makes no second host", async () => {
    const h = await start();
    const { code, hostToken, ada, bo, cy } = await room(h);
    expect(await bo.do("tempo:set", { tempoBpm: 90, beatsPerBar: 4 })).toMatchObject({ ok: false, error: { code: "not_host" } });
    expect((await ada.do("leave", {})).ok).toBe(true);
    expect(hosts(bo.last("room:state"))).toEqual(["Bo"]);
    expect((await tempo(bo, 90)).ok).toBe(true);
    expect(await cy.do("tempo:set", { tempoBpm: 91, beatsPerBar: 4 })).toMatchObject({ ok: false, error: { code: "not_host" } });
    // Ada comes back with her token (Rejoin, a reload): a player, not a second host.
    const back = h.connect();
    const view = await back.join(code, "host-ada-01", "Ada", { hostToken, seatKey: "a".repeat(16) });
    expect(hosts(view)).toEqual(["Bo"]);
    expect(await back.do("mode:set", { mode: "groove" })).toMatchObject({ ok: false, error: { code: "not_host" } });
  });

  it("a dropped host keeps the role for the grace time, then it passes; back in time, nothing changes", async () => {
    const h = await start();
    const { code, hostToken, ada, bo } = await room(h);
    // back within the grace time (a reload): still host, nobody else ever was
    ada.close("shutdown");
    await h.clock.advance(HOST_GRACE_MS - 1);
    const again = h.connect();
    expect(hosts(await again.join(code, "host-ada-01", "Ada", { hostToken, seatKey: "a".repeat(16) }))).toEqual(["Ada"]);
    await h.clock.advance(HOST_GRACE_MS * 2);
    expect(hosts(bo.last("room:state"))).toEqual(["Ada"]);
    expect((await tempo(again, 120)).ok).toBe(true);

    // gone for good this time
    again.close("shutdown");
    await h.clock.advance(HOST_GRACE_MS - 1);
    expect(hosts(bo.last("room:state"))).toEqual(["Ada"]);
    expect(await bo.do("tempo:set", { tempoBpm: 90, beatsPerBar: 4 })).toMatchObject({ ok: false, error: { code: "not_host" } });
    await h.clock.advance(1);
    expect(hosts(bo.last("room:state"))).toEqual(["Bo"]);
    expect((await tempo(bo, 90)).ok).toBe(true);
    // Ada's page reconnects later, token and all: she is a player now.
    const late = h.connect();
    expect(hosts(await late.join(code, "host-ada-01", "Ada", { hostToken, seatKey: "a".repeat(16) }))).toEqual(["Bo"]);
  });

  it("with no player connected the room waits; the next player to join takes the role", async () => {
    const h = await start();
    const { code, hostToken } = await h.createRoom();
    const ada = h.connect();
    const fan = h.connect();
    await ada.join(code, "host-ada-01", "Ada", { hostToken });
    await fan.join(code, "host-fan-02", "Fan", { role: "spectator" });
    await ada.do("leave", {});
    expect(hosts(fan.last("room:state"))).toEqual([]); // a spectator never gets it
    const bo = h.connect();
    expect(hosts(await bo.join(code, "host-bo--03", "Bo"))).toEqual(["Bo"]);
  });

  it("the host passes the role or names a co-host with the host's powers; a co-host cannot hand them on or remove the host", async () => {
    const h = await start();
    const { code, ada, fan, bo, cy } = await room(h);
    expect(await bo.do("cohost:set", { id: "host-cy--04" })).toMatchObject({ ok: false, error: { code: "not_host" } });
    expect(await ada.do("cohost:set", { id: "host-fan-02" })).toMatchObject({ ok: false, error: { code: "invalid_message" } });
    expect((await ada.do("cohost:set", { id: "host-bo--03" })).ok).toBe(true);
    expect(coHosts(cy.last("room:state"))).toEqual(["Bo"]);
    // tempo, meter, groove, mode, battles, removing someone
    expect((await bo.do("tempo:set", { tempoBpm: 130, beatsPerBar: 3, beatUnit: 4, groove: "rock" })).ok).toBe(true);
    expect((await bo.do("mode:set", { mode: "groove" })).ok).toBe(true);
    expect((await bo.do("room:rename", { name: "Friday jam" })).ok).toBe(true);
    await h.clock.advanceTo(h.rooms.roomOf(code)!.epochMs);
    expect((await bo.do("battle:start", { barsPerTurn: 2, rounds: 1, subdivision: 16 })).ok).toBe(true);
    expect((await bo.do("battle:stop", {})).ok).toBe(true);
    expect(await bo.do("member:kick", { id: "host-ada-01" })).toMatchObject({ ok: false, error: { code: "not_host" } });
    expect(await bo.do("host:pass", { id: "host-cy--04" })).toMatchObject({ ok: false, error: { code: "not_host" } });
    expect(await bo.do("cohost:set", { id: "host-cy--04" })).toMatchObject({ ok: false, error: { code: "not_host" } });
    expect((await bo.do("member:kick", { id: "host-fan-02" })).ok).toBe(true);
    expect(fan.closedWith).toBe("kicked");
    expect(await cy.do("mode:set", { mode: "live" })).toMatchObject({ ok: false, error: { code: "not_host" } });

    // passing: one host, and the old host has no powers left
    expect(await ada.do("host:pass", { id: "host-ada-01" })).toMatchObject({ ok: false, error: { code: "invalid_message" } });
    expect((await ada.do("host:pass", { id: "host-cy--04" })).ok).toBe(true);
    const v = ada.last("room:state");
    expect(hosts(v)).toEqual(["Cy"]);
    expect(coHosts(v)).toEqual(["Bo"]);
    expect(await ada.do("mode:set", { mode: "live" })).toMatchObject({ ok: false, error: { code: "not_host" } });
    expect((await cy.do("cohost:set", { id: null })).ok).toBe(true);
    expect(coHosts(cy.last("room:state"))).toEqual([]);
    expect(await bo.do("mode:set", { mode: "live" })).toMatchObject({ ok: false, error: { code: "not_host" } });
  });

  it("a connected co-host takes over before the longest-present player when the host leaves", async () => {
    const h = await start();
    const { ada, cy } = await room(h);
    expect((await ada.do("cohost:set", { id: "host-cy--04" })).ok).toBe(true);
    await ada.do("leave", {});
    const v = cy.last("room:state");
    expect(hosts(v)).toEqual(["Cy"]);
    expect(coHosts(v)).toEqual([]);
  });

  it("the creator's token in a second tab moves the role there instead of making two hosts", async () => {
    const h = await start();
    const { code, hostToken, bo } = await room(h);
    const tab2 = h.connect();
    expect(hosts(await tab2.join(code, "host-ada-2x", "Ada 2", { hostToken }))).toEqual(["Ada 2"]);
    expect(hosts(bo.last("room:state"))).toEqual(["Ada 2"]);
  });

  it("host, co-host, a retired token and the room's name survive the room reloading from the database", async () => {
    const h = await start({ idleRoomMs: 0 });
    const { code, hostToken, ada, fan, bo, cy } = await room(h);
    // the socket adapter parses every message first (server/socket.ts): trimmed, spaces collapsed, ≤ 40 characters
    const typed = parseClientMessage("room:rename", { name: "  Friday   night  " });
    if (!typed.ok) throw new Error(typed.error.message);
    expect((await ada.do("room:rename", typed.value)).ok).toBe(true);
    expect(bo.last("room:state")!.name).toBe("Friday night");
    expect(parseClientMessage("room:rename", { name: "x".repeat(41) })).toMatchObject({ ok: false, error: { code: "invalid_message" } });
    expect(parseClientMessage("room:rename", { name: "x".repeat(40) }).ok).toBe(true);
    expect(await bo.do("room:rename", { name: "Mine" })).toMatchObject({ ok: false, error: { code: "not_host" } });
    expect((await ada.do("host:pass", { id: "host-bo--03" })).ok).toBe(true);
    expect((await bo.do("cohost:set", { id: "host-cy--04" })).ok).toBe(true);
    for (const c of [ada, fan, bo, cy]) c.close("shutdown");
    await h.clock.advance(0);
    expect(h.rooms.roomCount).toBe(0);

    // another process, same database
    const other = await start({ store: h.store });
    await other.clock.advanceTo(h.clock.now());
    const ada2 = other.connect();
    const view = await ada2.join(code, "host-ada-01", "Ada", { hostToken, seatKey: "a".repeat(16) });
    expect(view.name).toBe("Friday night");
    expect(hosts(view)).toEqual(["Bo"]); // greyed, and Ada's token did not take it back
    expect(coHosts(view)).toEqual(["Cy"]);
    const bo2 = other.connect();
    await bo2.join(code, "host-bo--03", "Bo", { seatKey: "b".repeat(16) });
    expect((await tempo(bo2, 140)).ok).toBe(true);
    expect(await ada2.do("tempo:set", { tempoBpm: 90, beatsPerBar: 4 })).toMatchObject({ ok: false, error: { code: "not_host" } });
    // clearing the name
    expect((await bo2.do("room:rename", { name: "" })).ok).toBe(true);
    expect(ada2.last("room:state")!.name).toBeNull();
  });

  it("after a restart the greyed host has the grace time to come back before the role passes", async () => {
    const h = await start({ idleRoomMs: 0 });
    const { code, hostToken, ada, fan, bo, cy } = await room(h);
    for (const c of [ada, fan, bo, cy]) c.close("shutdown");
    await h.clock.advance(0);
    const other = await start({ store: h.store });
    await other.clock.advanceTo(h.clock.now() + 60_000);
    const bo2 = other.connect();
    await bo2.join(code, "host-bo--03", "Bo", { seatKey: "b".repeat(16) });
    await other.clock.advance(HOST_GRACE_MS - 1);
    expect(hosts(other.rooms.roomOf(code) && bo2.last("room:state"))).toEqual(["Ada"]);
    const ada2 = other.connect();
    expect(hosts(await ada2.join(code, "host-ada-01", "Ada", { hostToken, seatKey: "a".repeat(16) }))).toEqual(["Ada"]);
    await other.clock.advance(HOST_GRACE_MS);
    expect(hosts(bo2.last("room:state"))).toEqual(["Ada"]);
  });
});

describe("the host's commands over real sockets", () => {
  it("host:pass, cohost:set and room:rename are answered (server/socket.ts registers them)", async () => {
    const t = await startTestServer();
    try {
      const { code, hostToken } = await createRoomAsHost(t.server.url);
      const [a, b] = await Promise.all([connect(t.server.url), connect(t.server.url)]);
      await join(a, code, "sock-ada-01", "Ada", hostToken);
      await join(b, code, "sock-bo--02", "Bo");
      expect(await a.emitWithAck("room:rename", { name: "x".repeat(41) })).toMatchObject({ ok: false, error: { code: "invalid_message" } });
      expect(await a.emitWithAck("room:rename", { name: " Friday  jam " })).toEqual({ ok: true, data: null });
      expect(await a.emitWithAck("cohost:set", { id: "sock-bo--02" })).toEqual({ ok: true, data: null });
      expect(await b.emitWithAck("host:pass", { id: "sock-bo--02" })).toMatchObject({ ok: false, error: { code: "not_host" } });
      expect(await a.emitWithAck("host:pass", { id: "sock-bo--02" })).toEqual({ ok: true, data: null });
      const view = await join(b, code, "sock-bo--02", "Bo");
      expect(view.name).toBe("Friday jam");
      expect(hosts(view)).toEqual(["Bo"]);
      a.close();
      b.close();
    } finally {
      await t.stop();
    }
  });
});
