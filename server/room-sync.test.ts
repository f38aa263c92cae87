import { describe, expect, it } from "vitest";
import { LocalRoomSync } from "./room-sync";

describe("LocalRoomSync (one process)", () => {
  it("counts a vote once per voter and turn, per battle", async () => {
    const sync = new LocalRoomSync();
    expect(await sync.vote("b1", "0:ann", "bo")).toEqual({ bo: 1 });
    expect(await sync.vote("b1", "0:ann", "bo")).toBeNull();
    expect(await sync.vote("b1", "1:ann", "cy")).toEqual({ bo: 1, cy: 1 });
    expect(await sync.vote("b2", "0:ann", "bo")).toEqual({ bo: 1 });
    expect(await sync.votes("b1")).toEqual({ bo: 1, cy: 1 });
    expect(await sync.votes("nope")).toEqual({});
  });

  it("remembers the hits and votes of the last 256 battles only (memory stays bounded)", async () => {
    const sync = new LocalRoomSync();
    for (let i = 0; i < 300; i++) {
      sync.pushBattleHit(`battle-${i}`, "bo", { strikeAtMs: i, velocity: 0.5 });
      await sync.vote(`battle-${i}`, "0:ann", "bo");
    }
    expect(await sync.battleHits("battle-0", "bo")).toEqual([]);
    expect(await sync.votes("battle-0")).toEqual({});
    expect(await sync.battleHits("battle-299", "bo")).toEqual([{ strikeAtMs: 299, velocity: 0.5 }]);
    expect(await sync.battleHits("battle-44", "bo")).toEqual([{ strikeAtMs: 44, velocity: 0.5 }]);
    expect(await sync.battleHits("battle-43", "bo")).toEqual([]);
  });
});
