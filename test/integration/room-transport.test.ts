/**
 * Tempo, meter and groove changes in memory: they land on the next bar line of the grid sounding
 * now (never sooner than 250 ms ahead), a change not yet in force is replaced at its own start,
 * and a running recording's timeline gets each. The fake clock replaces the real-time waits for
 * bar lines these tests used to sleep through.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RoomHarness } from "../support/room-harness";

let h: RoomHarness;
afterEach(async () => {
  await h.stop();
});

describe("the transport in memory", () => {
  it("changes tempo, meter and groove on the next bar line; only the host may; the change is saved", async () => {
    h = await RoomHarness.start();
    const { code, hostToken } = await h.createRoom();
    const host = h.connect();
    const guest = h.connect();
    const before = await host.join(code, "host-000001", "Host", { hostToken });
    await guest.join(code, "guest-00001", "Guest");
    expect(await guest.do("tempo:set", { tempoBpm: 90, beatsPerBar: 4 })).toMatchObject({ ok: false, error: { code: "not_host" } });
    expect(await guest.do("mode:set", { mode: "groove" })).toMatchObject({ ok: false, error: { code: "not_host" } });

    const bar100 = (4 * 60_000) / 100;
    // 100 ms before a bar line: too close (< 250 ms) — the change waits for the one after.
    await h.clock.advanceTo(before.epochMs + 3 * bar100 - 100);
    guest.clear();
    expect((await host.do("tempo:set", { tempoBpm: 150, beatsPerBar: 6, beatUnit: 8, groove: "funk" })).ok).toBe(true);
    const seen = guest.last("room:state")!;
    expect(seen).toMatchObject({ tempoBpm: 150, beatsPerBar: 6, beatUnit: 8, groove: "funk", epochMs: before.epochMs + 4 * bar100 });
    expect(await h.store.getRoom(code)).toMatchObject({ tempoBpm: 150, beatsPerBar: 6, beatUnit: 8, groove: "funk" });

    // A second change before the first is in force replaces it at the same bar line.
    await h.clock.advance(50);
    expect((await host.do("tempo:set", { tempoBpm: 90, beatsPerBar: 3 })).ok).toBe(true);
    expect(guest.last("room:state")).toMatchObject({ tempoBpm: 90, beatsPerBar: 3, epochMs: before.epochMs + 4 * bar100 });

    expect((await host.do("mode:set", { mode: "groove" })).ok).toBe(true);
    expect(guest.last("room:state")!.mode).toBe("groove");
    expect((await h.store.getRoom(code))!.mode).toBe("groove");
  });

  it("a recording started while a change is pending keeps the grid before it; a second change replaces the pending one at its bar line", async () => {
    h = await RoomHarness.start();
    const { code, hostToken } = await h.createRoom();
    const host = h.connect();
    const room = await host.join(code, "tl-host-0002", "Host", { hostToken });
    const bar100 = (4 * 60_000) / room.tempoBpm;
    // just after a bar line: the change takes effect a whole bar later
    await h.clock.advanceTo(room.epochMs + 2 * bar100 + 20);
    expect((await host.do("tempo:set", { tempoBpm: 120, beatsPerBar: 6, beatUnit: 8 })).ok).toBe(true);
    const changeAtMs = host.last("room:state")!.epochMs;
    expect(changeAtMs).toBe(room.epochMs + 3 * bar100);
    const started = await host.do("recording:start", {});
    if (!started.ok) throw new Error(started.error.message);
    expect((await host.do("tempo:set", { tempoBpm: 90, beatsPerBar: 6, beatUnit: 8, groove: "rock" })).ok).toBe(true);
    expect(host.last("room:state")!.epochMs).toBe(changeAtMs);
    // Past the bar line: a new change lands on a bar line of the new grid.
    await h.clock.advanceTo(changeAtMs + 10);
    expect((await host.do("tempo:set", { tempoBpm: 60, beatsPerBar: 6, beatUnit: 8 })).ok).toBe(true);
    const bar90 = (6 * 60_000) / 90;
    expect(host.last("room:state")!.epochMs).toBe(changeAtMs + bar90);
    expect((await host.do("recording:stop", {})).ok).toBe(true);
    await h.rooms.close(); // the timeline writes land
    const rec = await h.store.getRecording(started.data.id);
    expect(rec!.timeline).toEqual([
      { epochMs: room.epochMs, tempoBpm: 100, beatsPerBar: 4, beatUnit: 4, groove: "none" },
      { epochMs: changeAtMs, tempoBpm: 90, beatsPerBar: 6, beatUnit: 8, groove: "rock" },
      { epochMs: changeAtMs + bar90, tempoBpm: 60, beatsPerBar: 6, beatUnit: 8, groove: "rock" },
    ]);
  });
});
