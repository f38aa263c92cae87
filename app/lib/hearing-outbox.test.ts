import { describe, expect, it } from "vitest";
import { HearingOutbox, HEARINGS_PER_MESSAGE } from "./hearing-outbox";
import type { KeyValueStorage } from "./outbox";

function memoryStorage(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}
const hearing = (seq: number) => ({ from: "sam", seq, strikeAtMs: 1_000 + seq, soundedAtMs: 1_050 + seq, late: false, skipped: false });

describe("HearingOutbox", () => {
  it("keeps hearings until acked, sends each once per connection, and re-sends the unacked after a rejoin", () => {
    const box = new HearingOutbox("room", "bo", memoryStorage());
    for (let seq = 1; seq <= HEARINGS_PER_MESSAGE + 4; seq++) box.add(hearing(seq));
    box.add(hearing(3)); // the same hit heard twice is one hearing
    const sent = box.takeUnsent();
    expect(sent.map((b) => b.length)).toEqual([HEARINGS_PER_MESSAGE, 4]);
    expect(box.takeUnsent()).toEqual([]);
    box.ack(sent[0]!.map((h) => ({ from: h.from, seq: h.seq })));
    expect(box.size).toBe(4);
    box.resendAll();
    expect(box.takeUnsent().flat().map((h) => h.seq)).toEqual([257, 258, 259, 260]);
  });

  it("survives a reload through storage", () => {
    const storage = memoryStorage();
    const box = new HearingOutbox("room", "bo", storage);
    box.add(hearing(7));
    box.saveNow();
    const reloaded = new HearingOutbox("room", "bo", storage);
    reloaded.resendAll();
    expect(reloaded.takeUnsent()).toEqual([[hearing(7)]]);
    reloaded.ack([{ from: "sam", seq: 7 }]);
    reloaded.saveNow();
    expect(storage.map.size).toBe(0);
  });
});
