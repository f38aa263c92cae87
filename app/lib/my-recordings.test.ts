import { describe, expect, it } from "vitest";
import { MY_RECORDINGS_MAX, fromView, mergeRecordings, type MyRecording } from "./my-recordings";

const rec = (id: string, createdAt: string, title = id): MyRecording => ({ id, roomCode: "calm-owl-7k3m9q2x", title, createdAt, startedAtMs: 0, endedAtMs: 1_000, hitCount: 3, players: ["Ada"] });

describe("mergeRecordings", () => {
  it("keeps the newest first, replaces an entry by id (a rename), keeps the rest", () => {
    const list = [rec("a", "2026-12-06T10:00:00.000Z"), rec("b", "2026-12-06T11:00:00.000Z")];
    const merged = mergeRecordings(list, [rec("a", "2026-12-06T10:00:00.000Z", "Renamed"), rec("c", "2026-12-06T12:00:00.000Z")]);
    expect(merged.map((r) => r.id)).toEqual(["c", "b", "a"]);
    expect(merged.find((r) => r.id === "a")!.title).toBe("Renamed");
  });

  it(`keeps at most ${MY_RECORDINGS_MAX}, dropping the oldest`, () => {
    const many = Array.from({ length: MY_RECORDINGS_MAX + 5 }, (_, i) => rec(`r${i}`, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()));
    const merged = mergeRecordings([], many);
    expect(merged).toHaveLength(MY_RECORDINGS_MAX);
    expect(merged.at(-1)!.id).toBe("r5");
  });
});

describe("fromView", () => {
  it("keeps the room, the players' names and the times", () => {
    const r = fromView("calm-owl-7k3m9q2x", {
      id: "x",
      title: "Jam",
      createdAt: "2026-12-06T10:00:00.000Z",
      startedAtMs: 5,
      endedAtMs: 65_005,
      hitCount: 12,
      participants: [{ id: "p1", name: "Ada", color: "#f97316" }, { id: "p2", name: "Bo", color: "#22d3ee" }],
    });
    expect(r).toEqual({ id: "x", roomCode: "calm-owl-7k3m9q2x", title: "Jam", createdAt: "2026-12-06T10:00:00.000Z", startedAtMs: 5, endedAtMs: 65_005, hitCount: 12, players: ["Ada", "Bo"] });
  });
});
