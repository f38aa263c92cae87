import { describe, expect, it } from "vitest";
import { batchesOf, checkColumns, columnsOf, HitColumns, type HitColumnBatch, type QueuedHit } from "./hit-columns";
import { HitQueue } from "./hit-queue";

/** rows as "recording/participant#seq" */
const keyOf = (r: QueuedHit): string => `${r.recordingId}/${r.hit.participantId}#${r.hit.seq}`;

/** An in-memory Hit table: refused rows (all or nothing per write), an outage. */
class FakeDb {
  readonly stored: string[] = [];
  down = false;
  columnWrites = 0;
  rowWrites = 0;
  constructor(readonly refuses: (key: string) => boolean = () => false) {}
  private take(rows: QueuedHit[]): void {
    if (this.down) throw new Error("connection refused");
    const bad = rows.find((r) => this.refuses(keyOf(r)));
    if (bad) throw new Error(`refused ${keyOf(bad)}`);
    for (const r of rows) this.stored.push(keyOf(r));
  }
  async writeColumns(batch: HitColumnBatch): Promise<void> {
    this.columnWrites++;
    this.take(batchesOf(batch).flatMap((b) => b.hits.map((hit) => ({ recordingId: b.recordingId, roomCode: "", hit }))));
  }
  async write(batches: { recordingId: string; rows: QueuedHit[] }[]): Promise<void> {
    this.rowWrites++;
    this.take(batches.flatMap((b) => b.rows));
  }
}

function queueOn(db: FakeDb, maxRows?: number) {
  const done: string[] = [];
  const acked: string[] = [];
  const logs: string[] = [];
  const q = new HitQueue({
    what: "hit",
    writeColumns: (b) => db.writeColumns(b),
    write: (b) => db.write(b),
    databaseAnswers: async () => !db.down,
    recordingExists: async () => true,
    doneColumns: (c) => {
      for (let i = 0; i < c.length; i++) {
        const r = c.row(i);
        done.push(keyOf(r));
        acked.push(`${c.roomCodeAt(i)}:${c.participantAt(i)}#${c.seq[i]}`);
      }
    },
    doneRows: (rows) => {
      for (const r of rows) {
        done.push(keyOf(r));
        acked.push(`${r.roomCode}:${r.hit.participantId}#${r.hit.seq}`);
      }
    },
    sender: (r) => r.hit.participantId,
    describe: (r) => `${r.hit.participantId}#${r.hit.seq}`,
    log: (msg) => logs.push(msg),
    maxRows,
  });
  const play = (recordingId: string, from: string, seqs: number[]) => {
    for (const seq of seqs) q.add(recordingId, `room-of-${recordingId}`, from, seq, 1_000 + seq, "kick", 0.8);
  };
  return { q, done, acked, logs, play };
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe("HitColumns", () => {
  it("keeps every field of every row through growth, each string once", () => {
    const c = new HitColumns(16);
    for (let i = 0; i < 100; i++) c.push(`rec${i % 3}`, `room${i % 3}`, i % 2 ? "ada" : "cy", i + 1, 5_000 + i * 0.5, i % 2 ? "snare" : "kick", i / 100);
    expect(c.length).toBe(100);
    expect(c.capacity).toBeGreaterThanOrEqual(100);
    expect([...c.strings].sort()).toEqual(["ada", "cy", "kick", "rec0", "rec1", "rec2", "room0", "room1", "room2", "snare"]);
    expect(c.row(37)).toEqual({ recordingId: "rec1", roomCode: "room1", hit: { participantId: "ada", seq: 38, strikeAtMs: 5_018.5, pad: "snare", velocity: 0.37 } });
    expect(c.rows().map((r) => r.hit.seq)).toEqual(range(1, 100));
  });

  it("converts to hits per recording and back, in row order", () => {
    const hits = (from: string, n: number) => range(1, n).map((seq) => ({ participantId: from, seq, strikeAtMs: seq * 10, pad: "ride" as const, velocity: 0.5 }));
    const batches = [
      { recordingId: "r1", hits: hits("ada", 3) },
      { recordingId: "r2", hits: hits("cy", 2) },
    ];
    expect(batchesOf(columnsOf(batches))).toEqual(batches);
  });

  it("checkColumns refuses a row outside the protocol's bounds or an unknown pad", async () => {
    const ok = new HitColumns();
    for (let i = 1; i <= 5_000; i++) ok.push("r", "room", "ada", i, 1_000, "kick", 1);
    await expect(checkColumns(ok)).resolves.toBeUndefined();
    const badSeq = new HitColumns();
    badSeq.push("r", "room", "ada", 2 ** 31, 1_000, "kick", 1);
    await expect(checkColumns(badSeq)).rejects.toThrow(RangeError);
    const badPad = new HitColumns();
    badPad.push("r", "room", "ada", 1, 1_000, "cowbell" as "kick", 1);
    await expect(checkColumns(badPad)).rejects.toThrow(/pad must be one of/);
  });
});

describe("HitQueue", () => {
  it("writes the columns as they are, in one write, and acknowledges each row in its room", async () => {
    const db = new FakeDb();
    const { q, done, acked, play } = queueOn(db);
    play("rec1", "ada", range(1, 20));
    play("rec2", "cy", range(1, 20));
    expect(q.size).toBe(40);
    expect(await q.flush()).toEqual({ stored: 40, kept: 0, dropped: 0 });
    expect([db.columnWrites, db.rowWrites]).toEqual([1, 0]);
    expect(done).toHaveLength(40);
    expect(acked).toContain("room-of-rec2:cy#7");
    expect(q.size).toBe(0);
    expect(await q.flush()).toEqual({ stored: 0, kept: 0, dropped: 0 });
    expect(db.columnWrites).toBe(1); // nothing to write, no write
  });

  it("isolates a refused row as objects: everything else is stored and acknowledged; the row is dropped after its attempts", async () => {
    const db = new FakeDb((k) => k === "rec1/ada#7");
    const { q, done, logs, play } = queueOn(db);
    play("rec1", "ada", range(1, 20));
    play("rec1", "cy", range(1, 20));
    const first = await q.flush();
    expect(first).toEqual({ stored: 39, kept: 1, dropped: 0 });
    expect(db.stored).toHaveLength(39);
    expect(done).not.toContain("rec1/ada#7");
    for (let i = 0; i < 4; i++) await q.flush();
    expect(q.size).toBe(0);
    expect(logs.join("\n")).toMatch(/dropped 1 hit rows.*ada#7/);
    // with the failed rows gone, new hits take the columns again
    const columnWrites = db.columnWrites;
    play("rec1", "ada", [21]);
    expect(await q.flush()).toEqual({ stored: 1, kept: 0, dropped: 0 });
    expect(db.columnWrites).toBe(columnWrites + 1);
  });

  it("keeps everything through an outage, newer hits behind older ones, and stores each once when the database is back", async () => {
    const db = new FakeDb();
    const { q, play } = queueOn(db);
    play("rec1", "ada", range(1, 10));
    db.down = true;
    await expect(q.flush()).rejects.toThrow(/connection refused/);
    play("rec1", "ada", range(11, 15));
    await expect(q.flush()).rejects.toThrow(/connection refused/);
    expect(q.size).toBe(15);
    db.down = false;
    expect(await q.flush()).toEqual({ stored: 15, kept: 0, dropped: 0 });
    expect(db.stored).toEqual(range(1, 15).map((s) => `rec1/ada#${s}`));
    expect(q.size).toBe(0);
  });

  it("bounds what waits: past maxRows the oldest rows are dropped with a log, never acknowledged", async () => {
    const db = new FakeDb();
    const { q, done, logs, play } = queueOn(db, 100);
    play("rec1", "ada", range(1, 250));
    expect(q.size).toBeLessThanOrEqual(100);
    expect(logs.join("\n")).toMatch(/over the queue's bound of 100 rows/);
    await q.flush();
    expect(done).not.toContain("rec1/ada#1");
    expect(done).toContain("rec1/ada#250");
    expect(q.size).toBe(0);
  });
});
