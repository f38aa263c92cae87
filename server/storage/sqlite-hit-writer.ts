/**
 * SQLite hit writes off the event loop. Hits are the one hot write (every
 * flush, every recording room): through Prisma's query interpreter they cost
 * most of the server's CPU under load, and even through one prepared
 * statement a synchronous commit (with its fsync) stalls every socket for
 * milliseconds (docs/benchmarks/relay.md). So a worker thread owns a second
 * connection with one prepared INSERT … ON CONFLICT DO NOTHING and writes each
 * batch in one transaction; the event loop only posts the rows and awaits the
 * count.
 *
 * The worker's connection checkpoints the WAL less often than SQLite's default (see open()).
 *
 * The worker opens its connection on the first write — after migrations,
 * which must not find a second connection holding the file. busy_timeout
 * 1000 ms: the Prisma connection's writes (rooms, recordings) are short, and
 * waiting in the worker blocks no socket; a batch that still fails is kept
 * and retried by RoomService.flush.
 *
 * The worker's source is plain JavaScript evaluated in the thread, so it runs
 * the same under tsx, vitest and the production server without a build step.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { HitColumnBatch } from "../hit-columns";

export interface HitWriter {
  /** stores the rows (in order: a repeated key keeps its first row); resolves with how many were new */
  write(batch: HitColumnBatch): Promise<number>;
  close(): Promise<void>;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.betterSqlite3);
let conn = null, insert = null, writeAll = null;
// Below the event loop's threads: a batch (up to ~100 ms of CPU at 20,000 hits/s) must not take a
// core the sockets want. On Linux the thread runs as SCHED_IDLE (chrt; a thread's policy and nice
// value are its own, so only there): it gets a core only when nothing else wants one, where nice 10
// still cost the event loop 30-70 ms of waiting for a core per second (bench:relay's p99 tail).
// Should a batch take longer than workerData.lagMs (the machine busy for that long, the writer
// falling behind), it runs at nice 10 until a batch takes less than workerData.calmMs again.
let idlePolicy = null;
function setIdle(on) {
  if (process.platform !== "linux" || idlePolicy === on) return;
  idlePolicy = on;
  try {
    const tid = require("node:fs").readlinkSync("/proc/thread-self").split("/").pop();
    require("node:child_process").execFileSync("chrt", [on ? "--idle" : "--other", "-p", "0", tid], { stdio: "ignore" });
  } catch {} // no chrt: nice 10 below
  if (!on) try { require("node:os").setPriority(10); } catch {}
}
function open() {
  try { require("node:os").setPriority(10); } catch {}
  setIdle(true);
  conn = new Database(workerData.filePath);
  conn.pragma("foreign_keys = ON");
  conn.pragma("busy_timeout = 1000");
  // Checkpoint after 4,000 WAL pages (16 MB) instead of 1,000: a sender's last page is rewritten
  // by every batch, and a checkpoint copies only its newest frame: ~1 µs less CPU per hit.
  conn.pragma("wal_autocheckpoint = 4000");
  // A 32 MiB page cache instead of SQLite's 2 MiB: every sender's newest leaf page is touched by
  // every batch, and with 1,500 senders they no longer fit, so each batch read them back from the
  // OS. ~20% less CPU per hit in a micro-benchmark (15,000 rows from 1,500 senders per batch).
  conn.pragma("cache_size = -32768");
  insert = conn.prepare(
    'INSERT INTO "Hit" ("recordingId", "participantId", "seq", "strikeAtMs", "pad", "velocity") VALUES (?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT ("recordingId", "participantId", "seq") DO NOTHING');
  // columns arrive as typed arrays (moved, not copied) and the strings once each in a table: a
  // batch of 20,000 hits costs the event loop a few small arrays, not 60,000 cloned strings
  writeAll = conn.transaction((c) => {
    const s = c.strings;
    let n = 0;
    for (let i = 0; i < c.seq.length; i++) n += insert.run(s[c.recording[i]], s[c.participant[i]], c.seq[i], c.strikeAtMs[i], s[c.pad[i]], c.velocity[i]).changes;
    return n;
  });
}
parentPort.on("message", (msg) => {
  if (msg.type === "close") {
    if (conn) conn.close();
    conn = null;
    parentPort.postMessage({ id: msg.id, ok: true, n: 0 });
    return;
  }
  try {
    if (!conn) open();
    const t0 = Date.now();
    const n = writeAll(msg.columns);
    const ms = Date.now() - t0;
    if (ms > workerData.lagMs) setIdle(false);
    else if (ms < workerData.calmMs) setIdle(true);
    parentPort.postMessage({ id: msg.id, ok: true, n });
  } catch (err) {
    parentPort.postMessage({ id: msg.id, ok: false, message: String(err && err.message || err), code: err && err.code });
  }
});
`;

type Reply = { id: number; ok: true; n: number } | { id: number; ok: false; message: string; code?: string };

type Waiter = { resolve: (n: number) => void; reject: (e: Error) => void };

/**
 * When the writer thread leaves SCHED_IDLE (see WORKER_SOURCE): a batch is a second of hits
 * (FLUSH_INTERVAL_MS); one whose write takes longer means it is falling behind.
 */
const WRITER_LAG_MS = 1_000;
const WRITER_CALM_MS = 250;

export function sqliteHitWriter(filePath: string, opts: { lagMs?: number; calmMs?: number } = {}): HitWriter {
  const betterSqlite3 = createRequire(import.meta.url).resolve("better-sqlite3");
  /** the thread and the writes it owes an answer (a replacement thread has its own) */
  let current: { worker: Worker; waiting: Map<number, Waiter> } | null = null;
  let nextId = 1;
  let closed = false;

  const start = (): { worker: Worker; waiting: Map<number, Waiter> } => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { filePath, betterSqlite3, lagMs: opts.lagMs ?? WRITER_LAG_MS, calmMs: opts.calmMs ?? WRITER_CALM_MS } });
    const me = { worker: w, waiting: new Map<number, Waiter>() };
    const failAll = (err: Error) => {
      for (const waiter of me.waiting.values()) waiter.reject(err);
      me.waiting.clear();
    };
    w.on("message", (r: Reply) => {
      const entry = me.waiting.get(r.id);
      if (!entry) return;
      me.waiting.delete(r.id);
      if (me.waiting.size === 0) w.unref();
      if (r.ok) entry.resolve(r.n);
      else entry.reject(Object.assign(new Error(`SQLite hit write failed: ${r.message}`), { code: r.code }));
    });
    w.on("error", (err) => {
      if (current === me) current = null; // the next write starts a new one
      failAll(err);
    });
    w.on("exit", () => {
      if (current === me) current = null;
      failAll(new Error("SQLite hit writer stopped"));
    });
    // An idle writer must not keep the process alive; one with writes in flight must (graceful stop).
    w.unref();
    return me;
  };
  const call = (msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<number> => {
    const me = (current ??= start());
    const id = nextId++;
    return new Promise<number>((resolve, reject) => {
      if (me.waiting.size === 0) me.worker.ref();
      me.waiting.set(id, { resolve, reject });
      me.worker.postMessage({ ...msg, id }, transfer);
    });
  };

  return {
    async write(batch) {
      if (closed) throw new Error("SQLite hit writer is closed");
      const n = batch.length;
      if (n === 0) return 0;
      // exact-length copies, moved to the thread (the queue's columns stay for the acks)
      const columns = {
        strings: batch.strings,
        recording: batch.recording.slice(0, n),
        participant: batch.participant.slice(0, n),
        pad: batch.pad.slice(0, n),
        seq: batch.seq.slice(0, n),
        strikeAtMs: batch.strikeAtMs.slice(0, n),
        velocity: batch.velocity.slice(0, n),
      };
      const { recording, participant, pad, seq, strikeAtMs, velocity } = columns;
      return call({ type: "write", columns }, [recording.buffer, participant.buffer, pad.buffer, seq.buffer, strikeAtMs.buffer, velocity.buffer]);
    },
    async close() {
      closed = true;
      const me = current;
      if (!me) return;
      await call({ type: "close" }).catch(() => 0);
      current = null;
      await me.worker.terminate();
    },
  };
}
