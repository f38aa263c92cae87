import { describe, expect, it } from "vitest";
import type { RoomRecord } from "../store";
import { newMember, type Room } from "./room";
import { parseSnapshot, restoreRoom, sameStateRecord, stateRecordOf } from "./snapshot";

const stored = (over: Partial<RoomRecord> = {}): RoomRecord => ({
  code: "brave-otter-7k3m9q2x",
  createdAt: new Date(0),
  tempoBpm: 100,
  beatsPerBar: 4,
  beatUnit: 4,
  groove: "none",
  mode: "live",
  hostTokenHash: null,
  passcodeHash: null,
  stateJson: null,
  fence: 1,
  ...over,
});

describe("room snapshots", () => {
  it("a fresh room starts its grid now, with nobody in it", () => {
    const room = restoreRoom({ stored: stored(), recordings: [], open: null, nowMs: 5_000 });
    expect(room).toMatchObject({ epochMs: 5_000, tempoBpm: 100, previousGrid: null, battle: null, recording: null });
    expect(room.members.size).toBe(0);
  });

  it("round-trips what the owner keeps: epoch, pending grid, bans, battle, members (greyed); not telemetry", () => {
    const room = restoreRoom({ stored: stored(), recordings: [], open: null, nowMs: 1_000 });
    room.epochMs = 9_000;
    room.previousGrid = { epochMs: 1_000, tempoBpm: 100, beatsPerBar: 4, beatUnit: 4, groove: "none" };
    room.kicked.set("pest-000001", 2_000);
    const m = newMember({ id: "ada-0000001", name: "Ada", color: "#f97316", role: "player", isHost: true, seatKeyHash: "ab" });
    m.rttMs = 12;
    room.members.set(m.id, m);
    const rec = stateRecordOf(room);
    const back = restoreRoom({ stored: stored({ stateJson: rec.stateJson }), recordings: [], open: null, nowMs: 3_000 });
    expect(back.epochMs).toBe(9_000);
    expect(back.previousGrid).toEqual(room.previousGrid); // still pending at 3 000
    expect([...back.kicked]).toEqual([["pest-000001", 2_000]]);
    expect(back.members.get("ada-0000001")).toMatchObject({ name: "Ada", color: "#f97316", isHost: true, seatKeyHash: "ab", conn: null, rttMs: null });
    expect(sameStateRecord(rec, stateRecordOf(back))).toBe(true);
    // once in force, the grid before it is not kept
    expect(restoreRoom({ stored: stored({ stateJson: rec.stateJson }), recordings: [], open: null, nowMs: 10_000 }).previousGrid).toBeNull();
  });

  it("a running recording's grid wins over the snapshot's (its timeline is written with every change)", () => {
    const room: Room = restoreRoom({ stored: stored(), recordings: [], open: null, nowMs: 0 });
    room.epochMs = 1_234;
    const json = stateRecordOf(room).stateJson;
    const open = {
      recording: { id: "rec", roomCode: "x", title: "t", createdAt: new Date(0), startedAtMs: 2_000, barOneAtMs: null, endedAtMs: null, tempoBpm: 90, beatsPerBar: 3, beatUnit: 4, hitCount: 0, participants: [] },
      timeline: [{ epochMs: 2_000, tempoBpm: 90, beatsPerBar: 3, beatUnit: 4, groove: "rock" }],
    };
    const back = restoreRoom({ stored: stored({ stateJson: json }), recordings: [], open, nowMs: 5_000 });
    expect(back).toMatchObject({ epochMs: 2_000, tempoBpm: 90, beatsPerBar: 3, groove: "rock", recording: { id: "rec", startedAtMs: 2_000, endedAtMs: null } });
  });

  it("ignores a snapshot it cannot read (the room starts fresh instead of failing)", () => {
    expect(parseSnapshot("{not json")).toBeNull();
    expect(parseSnapshot(JSON.stringify({ v: 99 }))).toBeNull();
    expect(restoreRoom({ stored: stored({ stateJson: "{}" }), recordings: [], open: null, nowMs: 7 }).epochMs).toBe(7);
  });
});
