import { describe, expect, it } from "vitest";
import type { RoomStateRecord } from "../store";
import { FakeClock } from "./clock";
import { RoomSaver, SAVE_RETRY_MS } from "./persistence";

const rec = (tempoBpm: number): RoomStateRecord => ({ tempoBpm, beatsPerBar: 4, beatUnit: 4, groove: "none", mode: "live", stateJson: "{}" });

function saverWith(answers: (() => Promise<boolean>)[]) {
  const clock = new FakeClock();
  const written: number[] = [];
  let current = rec(100);
  let fenced = 0;
  const saver = new RoomSaver({
    store: {
      saveRoomState: (_code, state) => {
        const next = answers.shift() ?? (() => Promise.resolve(true));
        return next().then((ok) => {
          if (ok) written.push(state.tempoBpm);
          return ok;
        });
      },
    },
    clock,
    code: "c",
    fence: 1,
    saved: rec(100),
    current: () => current,
    onFenced: () => fenced++,
  });
  return { clock, saver, written, set: (t: number) => (current = rec(t)), fenced: () => fenced };
}

describe("RoomSaver", () => {
  it("writes nothing unchanged, coalesces a burst into the latest state, keeps order", async () => {
    const s = saverWith([]);
    await s.saver.request();
    expect(s.written).toEqual([]);
    s.set(110);
    const first = s.saver.request();
    s.set(120);
    void s.saver.request();
    s.set(130);
    void s.saver.request();
    await first;
    await s.saver.drain();
    expect(s.written).toEqual([130]);
  });

  it("retries on the clock after a database error, with the latest state", async () => {
    const s = saverWith([() => Promise.reject(new Error("db away"))]);
    s.set(110);
    await s.saver.request();
    expect(s.written).toEqual([]);
    s.set(115);
    await s.clock.advance(SAVE_RETRY_MS);
    expect(s.written).toEqual([115]);
  });

  it("a refused (fenced) save stops it and says so once", async () => {
    const s = saverWith([() => Promise.resolve(false)]);
    s.set(110);
    await s.saver.request();
    s.set(120);
    await s.saver.request();
    expect(s.fenced()).toBe(1);
    expect(s.written).toEqual([]);
  });
});
