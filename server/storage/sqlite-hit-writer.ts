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
import type { Hit } from "../../core/hit";

export interface HitWriter {
  /** stores the hits (in order: a repeated key keeps its first row); resolves with how many were new */
  write(batches: readonly { recordingId: string; hits: readonly Hit[] }[]): Promise<number>;
  close(): Promise<void>;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.betterSqlite3);
let conn = null, insert = null, writeAll = null;
function open() {
  // Below the event loop's threads: a batch (up to ~100 ms of CPU at 20,000 hits/s) then yields the
  // cores to the sockets (bench:relay's p99) and takes what they leave. On Linux a thread's nice
  // value is its own (pid 0 = this thread); elsewhere it would be the process's, so only there.
  if (process.platform === "linux") try { require("node:os").setPriority(10); } catch {}
  conn = new Database(workerData.filePath);
  conn.pragma("foreign_keys = ON");
  conn.pragma("busy_timeout = 1000");
  // Checkpoint after 4,000 WAL pages (16 MB) instead of 1,000: a sender's last page is rewritten
  // by every batch, and a checkpoint copies only its newest frame: ~1 µs less CPU per hit.
  conn.pragma("wal_autocheckpoint = 4000");
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
    parentPort.postMessage({ id: msg.id, ok: true, n: writeAll(msg.columns) });
  } catch (err) {
    parentPort.postMessage({ id: msg.id, ok: false, message: String(err && err.message || err), code: err && err.code });
  }
});
`;

/** rows copied into the columns between two turns of the event loop (~0.3 ms) */
const ROWS_PER_SLICE = 2_000;

type Reply = { id: number; ok: true; n: number } | { id: number; ok: false; message: string; code?: string };

type Waiter = { resolve: (n: number) => void; reject: (e: Error) => void };

export function sqliteHitWriter(filePath: string): HitWriter {
  const betterSqlite3 = createRequire(import.meta.url).resolve("better-sqlite3");
  /** the thread and the writes it owes an answer (a replacement thread has its own) */
  let current: { worker: Worker; waiting: Map<number, Waiter> } | null = null;
  let nextId = 1;
  let closed = false;

  const start = (): { worker: Worker; waiting: Map<number, Waiter> } => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { filePath, betterSqlite3 } });
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
    async write(batches) {
      if (closed) throw new Error("SQLite hit writer is closed");
      let n = 0;
      for (const b of batches) n += b.hits.length;
      if (n === 0) return 0;
      // strings once each (recordings, participants, pads), rows as indices into that table
      const strings: string[] = [];
      const indexOf = new Map<string, number>();
      const ref = (x: string): number => {
        let k = indexOf.get(x);
        if (k === undefined) {
          k = strings.length;
          strings.push(x);
          indexOf.set(x, k);
        }
        return k;
      };
      const columns = {
        strings,
        recording: new Uint32Array(n),
        participant: new Uint32Array(n),
        pad: new Uint32Array(n),
        seq: new Float64Array(n),
        strikeAtMs: new Float64Array(n),
        velocity: new Float64Array(n),
      };
      let i = 0;
      for (const { recordingId, hits } of batches) {
        const r = ref(recordingId);
        for (const h of hits) {
          // a second of a busy server's hits is ~20,000 rows: built in slices, sockets served between them
          if (i > 0 && i % ROWS_PER_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
          columns.recording[i] = r;
          columns.participant[i] = ref(h.participantId);
          columns.pad[i] = ref(h.pad);
          columns.seq[i] = h.seq;
          columns.strikeAtMs[i] = h.strikeAtMs;
          columns.velocity[i] = h.velocity;
          i++;
        }
      }
      if (closed) throw new Error("SQLite hit writer is closed"); // closed while the slices were built: no new thread
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
