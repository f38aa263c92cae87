/** A server restart during a count-in keeps where bar 1 is (issue 14, defect 8): barOneAtMs is in the room's saved state. */
import { describe, expect, it } from "vitest";
import type { RoomRecord } from "../store";
import { restoreRoom, stateRecordOf } from "./snapshot";

const stored = (stateJson: string | null = null): RoomRecord => ({
  code: "brave-otter-7k3m9q2x",
  createdAt: new Date(0),
  tempoBpm: 120,
  beatsPerBar: 4,
  beatUnit: 4,
  groove: "none",
  mode: "live",
  hostTokenHash: null,
  passcodeHash: null,
  stateJson,
  fence: 1,
});
const open = {
  recording: { id: "rec", roomCode: "x", title: "t", createdAt: new Date(0), startedAtMs: 2_000, barOneAtMs: null, endedAtMs: null, tempoBpm: 120, beatsPerBar: 4, beatUnit: 4, hitCount: 0, participants: [] },
  timeline: [{ epochMs: 0, tempoBpm: 120, beatsPerBar: 4, beatUnit: 4, groove: "none" }],
};

describe("count-in across a restart", () => {
  it("restores barOneAtMs from the snapshot; a snapshot without it (older, or another recording's) has bar 1 at the start", () => {
    const room = restoreRoom({ stored: stored(), recordings: [], open: null, nowMs: 0 });
    room.recording = { id: "rec", startedAtMs: 2_000, barOneAtMs: 4_000, startedBy: "ada-0000001", endedAtMs: null };
    const json = stateRecordOf(room).stateJson;
    expect(restoreRoom({ stored: stored(json), recordings: [], open, nowMs: 2_500 }).recording).toMatchObject({ startedAtMs: 2_000, barOneAtMs: 4_000, startedBy: "ada-0000001" });
    const older = JSON.stringify({ ...JSON.parse(json!), recording: { id: "rec", startedBy: "ada-0000001" } });
    expect(restoreRoom({ stored: stored(older), recordings: [], open, nowMs: 2_500 }).recording).toMatchObject({ startedAtMs: 2_000, barOneAtMs: 2_000 });
    expect(restoreRoom({ stored: stored(null), recordings: [], open, nowMs: 2_500 }).recording).toMatchObject({ barOneAtMs: 2_000, startedBy: "" });
    // no saved state, but the database's open recording knows bar 1 (stored with it since the marker exists)
    const openWithBarOne = { ...open, recording: { ...open.recording, barOneAtMs: 4_000 } };
    expect(restoreRoom({ stored: stored(null), recordings: [], open: openWithBarOne, nowMs: 2_500 }).recording).toMatchObject({ startedAtMs: 2_000, barOneAtMs: 4_000 });
  });
});
