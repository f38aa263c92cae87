/**
 * The room's fencing token in the store (server/ownership.ts), on SQLite and (with
 * TEST_DATABASE_URL) PostgreSQL: each claim gets a larger token; a save carries its owner's
 * token and is refused once a later claim fenced that owner out — the guard that keeps a
 * paused or partitioned old owner from overwriting the room's new owner.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../server/storage";
import type { RoomStateRecord, Store } from "../../server/store";
import { freshPostgresSchema, tempSqliteUrl } from "./helpers";

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || undefined;

const backends: { name: string; make: () => { url: string; cleanup: () => Promise<void> | void } }[] = [
  { name: "sqlite", make: tempSqliteUrl },
  ...(TEST_DATABASE_URL ? [{ name: "postgres", make: () => freshPostgresSchema(TEST_DATABASE_URL, "bb_fence") }] : []),
];

const state = (tempoBpm: number, stateJson: string): RoomStateRecord => ({ tempoBpm, beatsPerBar: 3, beatUnit: 8, groove: "rock", mode: "groove", stateJson });

for (const backend of backends) {
  describe(`room fencing (${backend.name})`, () => {
    let store: Store;
    let db: { url: string; cleanup: () => Promise<void> | void };
    beforeAll(async () => {
      db = backend.make();
      store = await openStore(db.url);
    });
    afterAll(async () => {
      await store.close();
      await db.cleanup();
    });

    it("a new room is unclaimed with no saved state; claiming an unknown room gives null", async () => {
      await store.createRoom({ code: "FENCE-NEW", tempoBpm: 120, beatsPerBar: 4 });
      expect(await store.getRoom("FENCE-NEW")).toMatchObject({ fence: 0, stateJson: null });
      expect(await store.claimRoom("FENCE-NOPE")).toBeNull();
      expect(await store.saveRoomState("FENCE-NOPE", state(90, "{}"), 0)).toBe(false);
    });

    it("the owner saves with its token; a later claim fences the earlier owner's saves out", async () => {
      await store.createRoom({ code: "FENCE-1", tempoBpm: 120, beatsPerBar: 4 });
      const first = (await store.claimRoom("FENCE-1"))!;
      expect(first).toBe(1);
      expect(await store.saveRoomState("FENCE-1", state(97.5, '{"by":"first"}'), first)).toBe(true);
      expect(await store.getRoom("FENCE-1")).toMatchObject({ tempoBpm: 97.5, beatsPerBar: 3, beatUnit: 8, groove: "rock", mode: "groove", stateJson: '{"by":"first"}', fence: 1 });

      const second = (await store.claimRoom("FENCE-1"))!;
      expect(second).toBe(2);
      // The first owner has not noticed yet: its save changes nothing and tells it so.
      expect(await store.saveRoomState("FENCE-1", state(60, '{"by":"first, late"}'), first)).toBe(false);
      expect(await store.getRoom("FENCE-1")).toMatchObject({ tempoBpm: 97.5, stateJson: '{"by":"first"}', fence: 2 });
      expect(await store.saveRoomState("FENCE-1", state(140, '{"by":"second"}'), second)).toBe(true);
      expect(await store.getRoom("FENCE-1")).toMatchObject({ tempoBpm: 140, stateJson: '{"by":"second"}', fence: 2 });
    });

    it("claims at the same moment each get a token of their own, and only the last one saves", async () => {
      await store.createRoom({ code: "FENCE-RACE", tempoBpm: 120, beatsPerBar: 4 });
      const tokens = (await Promise.all(Array.from({ length: 8 }, () => store.claimRoom("FENCE-RACE")))) as number[];
      expect([...tokens].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const saved = await Promise.all(tokens.map((t) => store.saveRoomState("FENCE-RACE", state(100 + t, `{"t":${t}}`), t)));
      expect(saved.filter(Boolean)).toHaveLength(1);
      expect(saved[tokens.indexOf(8)]).toBe(true);
      expect(await store.getRoom("FENCE-RACE")).toMatchObject({ tempoBpm: 108, fence: 8 });
    });
  });
}
