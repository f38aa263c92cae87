import Database from "better-sqlite3";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HitColumns } from "../hit-columns";
import { sqliteHitWriter, type HitWriter } from "./sqlite-hit-writer";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** a database with the Hit table's columns and key (prisma/schema.prisma) */
function database(): string {
  const dir = mkdtempSync(join(tmpdir(), "hit-writer-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "hits.db");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.exec(`CREATE TABLE "Hit" ("recordingId" TEXT NOT NULL, "participantId" TEXT NOT NULL, "seq" INTEGER NOT NULL,
    "strikeAtMs" REAL NOT NULL, "pad" TEXT NOT NULL, "velocity" REAL NOT NULL, PRIMARY KEY ("recordingId", "participantId", "seq"))`);
  db.close();
  return file;
}

function writerOn(file: string, opts?: { lagMs?: number; calmMs?: number }): HitWriter {
  const w = sqliteHitWriter(file, opts);
  cleanups.push(() => w.close());
  return w;
}

const rows = (file: string) => new Database(file, { readonly: true }).prepare(`SELECT * FROM "Hit" ORDER BY "participantId", "seq"`).all();

/** scheduling policy (0 SCHED_OTHER, 5 SCHED_IDLE) and nice value of each of this process's threads */
function threadPolicies(): { policy: number; nice: number }[] {
  return readdirSync("/proc/self/task").flatMap((tid) => {
    try {
      const sched = readFileSync(`/proc/self/task/${tid}/sched`, "utf8");
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // after "pid (comm) ": field 3 onwards
      return [{ policy: Number(/^policy\s*:\s*(\d+)/m.exec(sched)?.[1]), nice: Number(fields[16]) }];
    } catch {
      return []; // a thread that ended meanwhile
    }
  });
}

const hasChrt = (() => {
  try {
    execFileSync("chrt", ["--version"], { stdio: "ignore" });
    return process.platform === "linux" && existsSync("/proc/self/task");
  } catch {
    return false;
  }
})();

describe("sqliteHitWriter", () => {
  it("stores the columns in order: a repeated key keeps its first row; the count is of new rows", async () => {
    const file = database();
    const w = writerOn(file);
    const c = new HitColumns();
    c.push("rec", "room", "ada", 1, 1_000, "kick", 0.5);
    c.push("rec", "room", "ada", 2, 1_250, "snare", 1);
    c.push("rec", "room", "ada", 1, 9_999, "ride", 0.1); // same key: ignored
    expect(await w.write(c)).toBe(2);
    const again = new HitColumns();
    again.push("rec", "room", "ada", 2, 1_250, "snare", 1);
    again.push("rec", "room", "cy", 1, 1_100, "hihatClosed", 0.7);
    expect(await w.write(again)).toBe(1);
    expect(rows(file)).toEqual([
      { recordingId: "rec", participantId: "ada", seq: 1, strikeAtMs: 1_000, pad: "kick", velocity: 0.5 },
      { recordingId: "rec", participantId: "ada", seq: 2, strikeAtMs: 1_250, pad: "snare", velocity: 1 },
      { recordingId: "rec", participantId: "cy", seq: 1, strikeAtMs: 1_100, pad: "hihatClosed", velocity: 0.7 },
    ]);
  });

  it.runIf(hasChrt)("runs its thread as SCHED_IDLE, and at nice 10 once a batch lags", async () => {
    const before = threadPolicies().filter((t) => t.policy === 5).length;
    const file = database();
    const calm = writerOn(file);
    const c = new HitColumns();
    c.push("rec", "room", "ada", 1, 1_000, "kick", 0.5);
    await calm.write(c);
    expect(threadPolicies().filter((t) => t.policy === 5)).toHaveLength(before + 1);
    await calm.close();
    // every batch "lags" (a write longer than -1 ms): the thread leaves SCHED_IDLE for nice 10
    const lagging = writerOn(file, { lagMs: -1, calmMs: -2 });
    const before10 = threadPolicies().filter((t) => t.policy === 0 && t.nice === 10).length;
    await lagging.write(c);
    expect(threadPolicies().filter((t) => t.policy === 5)).toHaveLength(before);
    expect(threadPolicies().filter((t) => t.policy === 0 && t.nice === 10)).toHaveLength(before10 + 1);
  });
});
