/**
 * A battle is kept even when nothing records it (issue 14, defect 8: its result used to be saved
 * only inside a recording that happened to run). In memory on the FakeClock
 * (test/support/room-harness.ts): no sleeping through the battle.
 */
import { afterEach, describe, expect, it } from "vitest";
import { battleEndMs } from "../../core/battle";
import { SCORING_DELAY_MS } from "../../server/room/battle";
import { RoomHarness } from "../support/room-harness";

let h: RoomHarness;
afterEach(async () => {
  await h.stop();
});

async function twoPlayers() {
  const { code, hostToken } = await h.createRoom();
  const a = h.connect();
  const b = h.connect();
  await a.join(code, "saved-ada001", "Ada", { hostToken });
  await b.join(code, "saved-bo0002", "Bo");
  // 240 BPM in 4/4: a bar is 1 s
  expect((await a.do("tempo:set", { tempoBpm: 240, beatsPerBar: 4 })).ok).toBe(true);
  await h.clock.advanceTo(h.rooms.roomOf(code)!.epochMs);
  return { code, a, b };
}

describe("a battle with no recording running", () => {
  it("is saved as a recording of its own: listed in the room, its turns' hits and its result replayable", async () => {
    h = await RoomHarness.start();
    const { code, a, b } = await twoPlayers();
    const started = await a.do("battle:start", { barsPerTurn: 2, rounds: 1, subdivision: 16 });
    if (!started.ok) throw new Error(started.error.message);
    const startAtMs = started.data.startAtMs;
    const cfg = h.rooms.roomOf(code)!.battle!.config;

    await h.clock.advanceTo(startAtMs + 50);
    for (let i = 0; i < 4; i++) a.do("hit", { seq: 1 + i, pad: "snare", velocity: 0.7, strikeAtMs: startAtMs + i * 250 });
    b.do("hit", { seq: 1, pad: "kick", velocity: 1, strikeAtMs: startAtMs + 100 }); // not Bo's turn: not part of the battle
    await h.clock.advanceTo(startAtMs + 2_000 + 50);
    for (let i = 0; i < 3; i++) b.do("hit", { seq: 10 + i, pad: "tomLow", velocity: 0.9, strikeAtMs: startAtMs + 2_000 + i * 250 });

    await h.clock.advanceTo(battleEndMs(cfg) + SCORING_DELAY_MS);
    // a few writes in a row on a real SQLite file: they take real time, not clock time
    await expect.poll(() => a.last("room:state")!.recordings.length, { timeout: 10_000 }).toBe(1);

    const listed = a.last("room:state")!.recordings;
    expect(listed[0]).toMatchObject({ id: cfg.id, title: "Battle: Ada vs Bo", startedAtMs: startAtMs, endedAtMs: battleEndMs(cfg), hitCount: 7 });
    expect(b.last("room:state")!.recordings.map((r) => r.id)).toEqual([cfg.id]);

    const stored = (await h.store.getRecording(cfg.id))!;
    expect(stored.participants.map((p) => p.name).sort()).toEqual(["Ada", "Bo"]);
    expect(stored.hits.map((x) => [x.participantId, x.pad, x.strikeAtMs - startAtMs])).toEqual([
      ["saved-ada001", "snare", 0],
      ["saved-ada001", "snare", 250],
      ["saved-ada001", "snare", 500],
      ["saved-ada001", "snare", 750],
      ["saved-bo0002", "tomLow", 2_000],
      ["saved-bo0002", "tomLow", 2_250],
      ["saved-bo0002", "tomLow", 2_500],
    ]);
    expect(stored.timeline).toEqual([expect.objectContaining({ epochMs: cfg.grid.epochMs, tempoBpm: 240, beatsPerBar: 4 })]);
    expect(stored.battles).toHaveLength(1);
    const saved = stored.battles[0] as { config: { id: string }; result: { winner: string | null; turns: { player: string; hits: number }[] } };
    expect(saved.config.id).toBe(cfg.id);
    expect(saved.result.turns.map((t) => [t.player, t.hits])).toEqual([
      ["saved-ada001", 4],
      ["saved-bo0002", 3],
    ]);
    // nobody pressed Start: nobody may rename or delete it
    expect(await h.store.getRecordingOwnerHash(cfg.id)).toBeNull();
  });

  it("is saved once the database is back when it was away at the end", async () => {
    h = await RoomHarness.start();
    const { code, a } = await twoPlayers();
    const started = await a.do("battle:start", { barsPerTurn: 2, rounds: 1, subdivision: 16 });
    if (!started.ok) throw new Error(started.error.message);
    const cfg = h.rooms.roomOf(code)!.battle!.config;
    await h.clock.advanceTo(started.data.startAtMs + 50);
    a.do("hit", { seq: 1, pad: "snare", velocity: 0.7, strikeAtMs: started.data.startAtMs + 10 });

    // the database refuses the first attempts to create the recording
    const create = h.store.createRecording.bind(h.store);
    let refusals = 2;
    h.store.createRecording = async (rec) => {
      if (refusals-- > 0) throw new Error("database away");
      return create(rec);
    };
    await h.clock.advanceTo(battleEndMs(cfg) + SCORING_DELAY_MS);
    expect(await h.store.getRecordingSummary(cfg.id)).toBeNull();
    expect(a.last("room:state")!.battle!.result).not.toBeNull(); // the result is shown meanwhile
    for (let i = 0; i < 3; i++) {
      await h.clock.advance(1_000); // retried each second
      await new Promise((r) => setTimeout(r, 50)); // the writes take real time
    }
    await expect.poll(() => a.last("room:state")!.recordings.length, { timeout: 10_000 }).toBe(1);
    const stored = (await h.store.getRecording(cfg.id))!;
    expect(stored.hits).toHaveLength(1);
    expect(stored.battles).toHaveLength(1);
    expect(a.last("room:state")!.recordings.map((r) => r.id)).toEqual([cfg.id]);
  });

  it("a battle inside a recording is saved with that recording, not as a second one", async () => {
    h = await RoomHarness.start();
    const { code, a } = await twoPlayers();
    const rec = await a.do("recording:start", {});
    if (!rec.ok) throw new Error(rec.error.message);
    const started = await a.do("battle:start", { barsPerTurn: 2, rounds: 1, subdivision: 16 });
    if (!started.ok) throw new Error(started.error.message);
    const cfg = h.rooms.roomOf(code)!.battle!.config;
    await h.clock.advanceTo(battleEndMs(cfg) + SCORING_DELAY_MS);
    await expect.poll(async () => (await h.store.getRecording(rec.data.id))!.battles.length, { timeout: 10_000 }).toBe(1);
    expect((await a.do("recording:stop", {})).ok).toBe(true);
    expect(await h.store.getRecordingSummary(cfg.id)).toBeNull();
    expect((await h.store.getRecording(rec.data.id))!.battles).toHaveLength(1);
    expect((await h.store.listRecordings(code)).map((r) => r.id)).toEqual([rec.data.id]);
  });
});
