/**
 * A battle in memory (test/support/room-harness.ts): turns on the fake clock, hits scored per
 * turn, reactions as votes, the result shown and saved with the recording — without sleeping
 * through the battle (it used to take ~8 s of real time in people-and-battles.test.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { battleEndMs } from "../../core/battle";
import { RoomHarness } from "../support/room-harness";

let h: RoomHarness;
afterEach(async () => {
  await h.stop();
});

describe("battles in memory", () => {
  it("turns on the shared clock, hits scored per turn, reactions as votes, result saved with the recording", async () => {
    h = await RoomHarness.start();
    const { code, hostToken } = await h.createRoom();
    const a = h.connect();
    const b = h.connect();
    const fan = h.connect();
    await a.join(code, "battle-ada01", "Ada", { hostToken });
    await b.join(code, "battle-bo002", "Bo");
    await fan.join(code, "battle-fan03", "Fan", { role: "spectator" });
    // 240 BPM in 4/4: a bar is 1 s.
    expect((await a.do("tempo:set", { tempoBpm: 240, beatsPerBar: 4 })).ok).toBe(true);
    await h.clock.advanceTo(h.rooms.roomOf(code)!.epochMs);
    const rec = await a.do("recording:start", {});
    if (!rec.ok) throw new Error(rec.error.message);
    expect((await h.connect().do("battle:start", { barsPerTurn: 2, rounds: 1, subdivision: 16 })).ok).toBe(false);
    expect(await b.do("battle:start", { barsPerTurn: 2, rounds: 1, subdivision: 16 })).toMatchObject({ ok: false, error: { code: "not_host" } });
    const started = await a.do("battle:start", { barsPerTurn: 2, rounds: 1, subdivision: 16 });
    if (!started.ok) throw new Error(started.error.message);
    const startAtMs = started.data.startAtMs;
    expect(await a.do("tempo:set", { tempoBpm: 100, beatsPerBar: 4 })).toMatchObject({ ok: false, error: { code: "battle_running" } });
    const stepMs = 62.5; // 16ths at 240 BPM

    // Ada's turn (first 2 s): tight 8ths. Bo plays during Ada's turn too: not scored for him.
    await h.clock.advanceTo(startAtMs + 50);
    for (let i = 0; i < 8; i++) a.do("hit", { seq: 10 + i, pad: "snare", velocity: 0.6, strikeAtMs: startAtMs + i * 2 * stepMs + 3 });
    b.do("hit", { seq: 50, pad: "kick", velocity: 1, strikeAtMs: startAtMs + 100 });
    await fan.do("react", { emoji: "👏" });
    await fan.do("react", { emoji: "🔥" }); // a second reaction in the same turn is not a second vote
    expect(h.rooms.roomOf(code)!.battle!.votes).toEqual({ "battle-ada01": 1 });
    // Bo's turn: looser.
    await h.clock.advanceTo(startAtMs + 2000 + 50);
    for (let i = 0; i < 8; i++) b.do("hit", { seq: 60 + i, pad: "tomLow", velocity: 0.9, strikeAtMs: startAtMs + 2000 + i * 2 * stepMs + (i % 2 ? 25 : 2) });
    await fan.do("react", { emoji: "🔥" });
    await a.do("react", { emoji: "😮" });
    expect(a.received("reaction")).toHaveLength(4);

    // Scored SCORING_DELAY_MS (1.5 s) after the end, not before.
    const endMs = battleEndMs(h.rooms.roomOf(code)!.battle!.config);
    await h.clock.advanceTo(endMs + 1_499);
    expect(h.rooms.roomOf(code)!.battle!.result).toBeNull();
    await h.clock.advance(1);
    const result = a.last("room:state")!.battle!.result!;
    expect(result).not.toBeNull();
    const ada = result.turns.find((x) => x.player === "battle-ada01")!;
    const bo = result.turns.find((x) => x.player === "battle-bo002")!;
    expect(ada.hits).toBe(8);
    expect(ada.medianOffsetMs).toBeCloseTo(3, 6);
    expect(ada.spreadMs).toBeCloseTo(0, 6);
    expect(bo.hits).toBe(8);
    expect(bo.spreadMs!).toBeGreaterThan(20);
    expect(result.players.find((p) => p.player === "battle-ada01")!.votes).toBe(1);
    expect(result.players.find((p) => p.player === "battle-bo002")!.votes).toBe(2);
    expect(result.winner).toBe("battle-bo002");

    expect((await a.do("recording:stop", {})).ok).toBe(true);
    const stored = await h.store.getRecording(rec.data.id);
    expect(stored!.battles).toHaveLength(1);
    expect((stored!.battles[0] as { result: { winner: string } }).result.winner).toBe("battle-bo002");
  });

  it("a stopped battle is never scored; an unscored battle keeps its room in memory until it is scored", async () => {
    h = await RoomHarness.start({ idleRoomMs: 0 });
    const { code, hostToken } = await h.createRoom();
    const a = h.connect();
    const b = h.connect();
    await a.join(code, "battle-ada01", "Ada", { hostToken });
    await b.join(code, "battle-bo002", "Bo");
    const first = await a.do("battle:start", { barsPerTurn: 2, rounds: 1, subdivision: 16 });
    expect(first.ok).toBe(true);
    expect((await a.do("battle:stop", {})).ok).toBe(true);
    await h.clock.advance(60_000);
    expect(a.last("room:state")!.battle).toBeNull();

    const second = await a.do("battle:start", { barsPerTurn: 2, rounds: 1, subdivision: 16 });
    if (!second.ok) throw new Error(second.error.message);
    a.close("shutdown");
    b.close("shutdown");
    expect(h.rooms.roomCount).toBe(1); // an unscored battle keeps the room in memory
    await h.clock.advance(30_000);
    expect(h.rooms.roomCount).toBe(0); // scored, then gone at the next idle sweep
  });
});
