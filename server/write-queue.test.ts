import { describe, expect, it } from "vitest";
import { WriteQueue, type WriteQueueOptions } from "./write-queue";

interface Row {
  recordingId: string;
  from: string;
  seq: number;
}

/** An in-memory table with the failures a database has: refused rows, an outage, deleted recordings. */
class FakeDb {
  readonly stored = new Map<string, Row>();
  down = false;
  writes = 0;
  readonly deleted = new Set<string>();
  constructor(readonly refuses: (r: Row) => boolean = () => false) {}
  /** one transaction: all or nothing */
  async write(batches: { recordingId: string; rows: Row[] }[]): Promise<void> {
    this.writes++;
    if (this.down) throw new Error("connection refused");
    const rows = batches.flatMap((b) => b.rows);
    const bad = rows.find((r) => this.refuses(r) || this.deleted.has(r.recordingId));
    if (bad) throw new Error(`refused ${bad.from}#${bad.seq}`);
    for (const r of rows) this.stored.set(`${r.recordingId}/${r.from}#${r.seq}`, r);
  }
}

function queueOn(db: FakeDb, extra: Partial<WriteQueueOptions<Row>> = {}) {
  const done: Row[] = [];
  const logs: string[] = [];
  let nowMs = 0;
  const q = new WriteQueue<Row>({
    what: "hit",
    write: (b) => db.write(b),
    databaseAnswers: async () => !db.down,
    recordingExists: async (id) => !db.deleted.has(id),
    done: (rows) => done.push(...rows),
    sender: (r) => r.from,
    describe: (r) => `${r.from}#${r.seq}`,
    log: (msg) => logs.push(msg),
    clock: () => nowMs,
    ...extra,
  });
  return { q, done, logs, advance: (ms: number) => (nowMs += ms) };
}

const rows = (recordingId: string, from: string, n: number, firstSeq = 1): Row[] => Array.from({ length: n }, (_, i) => ({ recordingId, from, seq: firstSeq + i }));

describe("WriteQueue", () => {
  it("writes everything in one batch when the database takes it", async () => {
    const db = new FakeDb();
    const { q, done } = queueOn(db);
    for (const r of [...rows("rec1", "ada", 20), ...rows("rec2", "cy", 20)]) q.add(r);
    expect(await q.flush()).toEqual({ stored: 40, kept: 0, dropped: 0 });
    expect(db.writes).toBe(1);
    expect(done).toHaveLength(40);
    expect(q.size).toBe(0);
  });

  it("isolates one refused row: the rest of its recording and other recordings are stored at once", async () => {
    const db = new FakeDb((r) => r.from === "bo" && r.seq === 3);
    const { q, done } = queueOn(db);
    const all = [...rows("rec1", "ada", 20), ...rows("rec1", "bo", 5), ...rows("rec2", "cy", 20)];
    for (const r of all) q.add(r);
    expect(await q.flush()).toEqual({ stored: 44, kept: 1, dropped: 0 });
    expect(done.map((r) => `${r.recordingId}/${r.from}#${r.seq}`).sort()).toEqual(
      all.filter((r) => !(r.from === "bo" && r.seq === 3)).map((r) => `${r.recordingId}/${r.from}#${r.seq}`).sort(),
    );
    expect(db.writes).toBeLessThan(20); // split by sender, then halves: not one write per row
  });

  it("drops a refused row with a log after maxAttempts flushes, and never reports it stored", async () => {
    const db = new FakeDb((r) => r.from === "bo");
    const { q, done, logs } = queueOn(db, { maxAttempts: 3 });
    for (const r of [...rows("rec1", "ada", 4), ...rows("rec1", "bo", 2)]) q.add(r);
    expect((await q.flush()).kept).toBe(2);
    q.add({ recordingId: "rec1", from: "ada", seq: 5 });
    expect(await q.flush()).toEqual({ stored: 1, kept: 2, dropped: 0 });
    expect(await q.flush()).toEqual({ stored: 0, kept: 0, dropped: 2 });
    expect(q.size).toBe(0);
    expect(done.map((r) => r.from)).toEqual(["ada", "ada", "ada", "ada", "ada"]);
    expect(logs).toEqual([expect.stringMatching(/^dropped 2 hit rows, refused by the database 3 times.*rec1\/bo#1, rec1\/bo#2$/)]);
    expect(await q.flush()).toEqual({ stored: 0, kept: 0, dropped: 0 }); // nothing left to retry
  });

  it("keeps everything during an outage without counting attempts, and rejects so the caller retries", async () => {
    const db = new FakeDb();
    const { q, done } = queueOn(db, { maxAttempts: 2 });
    for (const r of rows("rec1", "ada", 10)) q.add(r);
    db.down = true;
    for (let i = 0; i < 5; i++) await expect(q.flush()).rejects.toThrow(/connection refused/);
    expect(q.size).toBe(10);
    expect(done).toEqual([]);
    db.down = false;
    expect(await q.flush()).toEqual({ stored: 10, kept: 0, dropped: 0 });
  });

  it("stays bounded: beyond maxRows the oldest go (with a log), and none waits past maxAgeMs", async () => {
    const db = new FakeDb();
    const { q, logs, advance } = queueOn(db, { maxRows: 100, maxAgeMs: 60_000 });
    db.down = true;
    for (const r of rows("rec1", "ada", 250)) q.add(r);
    expect(q.size).toBeLessThanOrEqual(100);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((l) => /over the queue's bound of 100 rows/.test(l))).toBe(true);
    await expect(q.flush()).rejects.toThrow();
    advance(61_000);
    await expect(q.flush()).rejects.toThrow();
    expect(q.size).toBe(0);
    expect(logs.at(-1)).toMatch(/not stored within 1 min/);
  });

  it("rows of a deleted recording count as done (nothing to store); other recordings are stored", async () => {
    const db = new FakeDb();
    const { q, done, logs } = queueOn(db);
    for (const r of [...rows("gone", "ada", 3), ...rows("rec2", "cy", 3)]) q.add(r);
    db.deleted.add("gone");
    expect(await q.flush()).toEqual({ stored: 3, kept: 0, dropped: 0 });
    expect(done).toHaveLength(6);
    expect(logs).toEqual([expect.stringContaining("deleted recording gone")]);
  });

  it("spends a bounded number of writes per flush however many rows are refused", async () => {
    const db = new FakeDb((r) => r.seq % 2 === 0);
    const { q } = queueOn(db);
    for (const r of rows("rec1", "ada", 1000)) q.add(r);
    const res = await q.flush();
    expect(db.writes).toBeLessThanOrEqual(1 + 64);
    expect(res.stored + res.kept + res.dropped).toBe(1000);
    expect(res.kept).toBeGreaterThanOrEqual(500);
  });
});
