/**
 * The recording's row writers: hits wait as columns (server/hit-queue.ts), hearings in a write
 * queue (server/write-queue.ts), and are written in one batch every FLUSH_INTERVAL_MS; stored hits are acknowledged to their
 * senders at most once per ACK_INTERVAL_MS each, stored hearings at once (they come in ~1 s
 * batches already). Shared by every room of the process: one batch holds all rooms' rows.
 */
import type { SentHit } from "../../core/hit";
import type { QueuedHit } from "../hit-columns";
import { HitQueue } from "../hit-queue";
import type { Store, StoredHearing } from "../store";
import { WriteQueue } from "../write-queue";
import type { Clock, TimerHandle } from "./clock";
import type { Connection } from "./connection";

/**
 * Pending hits are written in one batch at this cadence. Not shorter: each sender's hits go to
 * their own place in Hit's key, so a commit rewrites about one page per sender whose hits it
 * holds, whatever their number, and each commit's WAL frames are written again at a checkpoint.
 * Measured in the writer thread at 500 senders × 10 hits/s (rows like Backbeat's): 50 ms batches
 * ≈14 µs of CPU per hit, 250 ms ≈7.4, 1 s ≈4.4 (≈3.4 with the writer's larger WAL checkpoint,
 * server/storage/sqlite-hit-writer.ts) (issue 13 part 7, docs/benchmarks/relay.md). Acks wait for
 * the write and go out at most every ACK_INTERVAL_MS anyway; a hit not yet written is still in
 * its sender's outbox (re-sent after a reconnect), so a longer batch risks nothing but a later ack.
 */
export const FLUSH_INTERVAL_MS = 1000;
/** stored rows queued for their acks per turn of the event loop (RowWriter.ackStored) */
const ACK_SLICE_ROWS = 2_000;
/** After a failed write, retry at this cadence (server/write-queue.ts bounds what is kept, and for how long). */
export const RETRY_INTERVAL_MS = 1_000;
/**
 * A sender gets at most one `hits:ack` per this interval, listing every hit stored since the
 * last: at 10 hits/s one ack write per 20 hits instead of one per hit. Each ack costs a socket
 * write like a relayed hit: at 500 ms they were 1 in 6 of the writes in rooms of 2, at 1 s 1 in
 * 11 (issue 13 part 7, docs/benchmarks/relay.md). The browser's outbox only needs to learn
 * eventually that a hit is safe (it re-sends whatever is unacknowledged after its next join:
 * stored once), so holding ~30 hits a little longer costs it nothing.
 */
export const ACK_INTERVAL_MS = 2_000;

/**
 * Phases are whole slots of the interval (100 ms): the senders of a slot are acked together in one
 * timer run, so their writes go out back to back (one wake-up of the event loop and, on the other
 * end, of a busy client process) rather than one by one.
 */
const ACK_SLOTS = 20;

/**
 * Where in the interval sender number `n` (counted as their ack entries are made) gets their acks:
 * an offset in [0, ACK_INTERVAL_MS), spread evenly by the golden-ratio sequence. A flush stores
 * every sender's hits at once, so without it every sender's acks fell due together forever after:
 * at 1,000 senders a burst of 1,000 ack writes (~13 ms of the event loop) every 2 s, behind which
 * hits queued (the relay's p99 under load; issue 13 part 7, docs/benchmarks/relay.md). Spread over
 * 20 slots of 100 ms: at 1,000 senders ~50 acks (< 1 ms) per slot. A sender's first ack waits for
 * its phase (at most an interval), so no hit waits longer than a flush and an interval for its ack,
 * as before.
 */
export function ackPhaseMs(n: number): number {
  const GOLDEN = 0.6180339887498949;
  return Math.floor(((n * GOLDEN) % 1) * ACK_SLOTS) * (ACK_INTERVAL_MS / ACK_SLOTS);
}

export type { QueuedHit };
export interface HearingRow {
  recordingId: string;
  roomCode: string;
  hearing: StoredHearing;
}

export interface RowWriterDeps {
  store: Store;
  clock: Clock;
  /** the connection of a room's member, if they are connected here (acks go to their current one) */
  connectionOf(roomCode: string, participantId: string): Connection | null;
  log?: (msg: string, err?: unknown) => void;
}

/**
 * Acks sent in one turn of the event loop, at most; the rest wait for the next turns. One flush
 * stores every sender's hits at once, so without this their acks fell due together every
 * ACK_INTERVAL_MS: 1,500 senders' acks in one timer run held every socket for ~50 ms, the
 * relay's p99 tail under load (issue 13 part 7, docs/benchmarks/relay.md).
 */
const ACKS_PER_TURN = 64;

interface PendingAck {
  roomCode: string;
  participantId: string;
  seqs: number[];
  /** the next ack may go out ACK_INTERVAL_MS after this: the last ack's time (before the first: set so that it falls at the sender's phase) */
  pacedFromMs: number;
  timer: TimerHandle | null;
  /** due, waiting for a later turn (ACKS_PER_TURN) */
  deferred: boolean;
}

export class RowWriter {
  private readonly hits: HitQueue;
  private readonly hearings: WriteQueue<HearingRow>;
  private flushTimer: TimerHandle | null = null;
  /** per room, per sender: seqs stored but not yet acknowledged (two lookups, no key string built per hit) */
  private readonly acks = new Map<string, Map<string, PendingAck>>();
  /** acks due but over this turn's ACKS_PER_TURN, in order */
  private readonly deferredAcks: PendingAck[] = [];
  /** acks sent this turn; reset by the turn's setImmediate */
  private acksThisTurn = 0;
  /** ack entries made so far (their phases: ackPhaseMs) */
  private ackEntries = 0;
  /** stored rows whose acks are not queued yet (ackStored) */
  private readonly ackBacklog: { length: number; next: number; ack: (i: number) => void }[] = [];

  constructor(private readonly deps: RowWriterDeps) {
    const { store, log } = deps;
    const checks = {
      databaseAnswers: () => store.ping().then(() => true),
      recordingExists: (id: string) => store.getRecordingOwnerHash(id).then((h) => h !== undefined),
      log,
      clock: () => deps.clock.now(),
    };
    this.hits = new HitQueue({
      ...checks,
      what: "hit",
      writeColumns: (batch) => store.addHitColumns(batch),
      write: (batches) => store.addHitBatches(batches.map((b) => ({ recordingId: b.recordingId, hits: b.rows.map((r) => r.hit) }))),
      doneColumns: (c) => this.ackStored(c.length, (i) => this.queueAck(c.roomCodeAt(i), c.participantAt(i), c.seq[i]!)),
      doneRows: (rows) => this.ackStored(rows.length, (i) => this.queueAck(rows[i]!.roomCode, rows[i]!.hit.participantId, rows[i]!.hit.seq)),
      sender: (r) => r.hit.participantId,
      describe: (r) => `${r.hit.participantId}#${r.hit.seq}`,
    });
    this.hearings = new WriteQueue<HearingRow>({
      ...checks,
      what: "hearing",
      write: async (batches) => {
        for (const b of batches) await store.addHearings(b.recordingId, b.rows.map((r) => r.hearing));
      },
      done: (rows) => this.ackHearings(rows),
      sender: (r) => r.hearing.listenerId,
      describe: (r) => `${r.hearing.listenerId}:${r.hearing.senderId}#${r.hearing.seq}`,
    });
  }

  /**
   * Stored hits to acknowledge: a busy second is ~20,000 rows, queued for their acks in slices
   * of ACK_SLICE_ROWS with the sockets served between them (sendAllAcks takes the rest at once).
   */
  private ackStored(length: number, ack: (i: number) => void): void {
    if (length === 0) return;
    const first = this.ackBacklog.length === 0;
    this.ackBacklog.push({ length, next: 0, ack });
    if (first) this.ackSlice();
  }

  private ackSlice(): void {
    let budget = ACK_SLICE_ROWS;
    while (budget > 0 && this.ackBacklog.length > 0) {
      const b = this.ackBacklog[0]!;
      const end = Math.min(b.length, b.next + budget);
      for (let i = b.next; i < end; i++) b.ack(i);
      budget -= end - b.next;
      b.next = end;
      if (end === b.length) this.ackBacklog.shift();
    }
    if (this.ackBacklog.length > 0) setImmediate(() => this.ackSlice());
  }

  /** rows not yet stored or given up (for health and tests) */
  get pendingCount(): number {
    return this.hits.size + this.hearings.size;
  }

  /** queues a hit for the recording; its sender gets the ack in `roomCode` once it is stored */
  addHit(recordingId: string, roomCode: string, participantId: string, msg: SentHit): void {
    this.hits.add(recordingId, roomCode, participantId, msg.seq, msg.strikeAtMs, msg.pad, msg.velocity);
    this.scheduleFlush(FLUSH_INTERVAL_MS);
  }

  addHearing(row: HearingRow): void {
    this.hearings.add(row);
    this.scheduleFlush(FLUSH_INTERVAL_MS);
  }

  /**
   * Writes every queued row, then acknowledges them. Resolves when everything queued before the
   * call is stored or given up; rejects while the database is away (what it kept is retried).
   */
  async flush(): Promise<void> {
    const [hits, hearings] = await Promise.allSettled([this.hits.flush(), this.hearings.flush()]);
    const kept = [hits, hearings].some((r) => r.status === "rejected" || r.value.kept > 0);
    if (kept) this.scheduleFlush(RETRY_INTERVAL_MS);
    for (const r of [hits, hearings]) if (r.status === "rejected") throw r.reason;
  }

  private scheduleFlush(delayMs: number): void {
    if (this.flushTimer) return;
    this.flushTimer = this.deps.clock.setTimeout(() => {
      this.flushTimer = null;
      this.flush().catch((err: unknown) => this.deps.log?.("hit flush failed (will retry)", err));
    }, delayMs);
  }

  /**
   * Queues an ack of one hit (stored, or needing no storing). Each sender's acks go out in one
   * message when their interval allows: one timer per sender per interval, none per hit.
   */
  queueAck(roomCode: string, participantId: string, seq: number): void {
    let room = this.acks.get(roomCode);
    if (!room) this.acks.set(roomCode, (room = new Map()));
    let e = room.get(participantId);
    // A new (or idle) sender's first ack is due at its phase: from then on, one per interval.
    if (!e) room.set(participantId, (e = { roomCode, participantId, seqs: [], pacedFromMs: this.deps.clock.now() - ACK_INTERVAL_MS + ackPhaseMs(this.ackEntries++), timer: null, deferred: false }));
    e.seqs.push(seq);
    if (e.timer || e.deferred) return;
    const entry = e;
    const dueInMs = Math.max(0, entry.pacedFromMs + ACK_INTERVAL_MS - this.deps.clock.now());
    entry.timer = this.deps.clock.setTimeout(() => this.ackDue(entry), dueInMs);
  }

  /** An ack fell due: sent now, or in a later turn once this one has sent ACKS_PER_TURN. */
  private ackDue(e: PendingAck): void {
    e.timer = null;
    if (this.acksThisTurn === 0 && this.deferredAcks.length === 0) setImmediate(() => this.nextAckTurn());
    if (this.acksThisTurn < ACKS_PER_TURN) {
      this.acksThisTurn++;
      this.sendAck(e);
    } else {
      e.deferred = true;
      this.deferredAcks.push(e);
    }
  }

  private nextAckTurn(): void {
    this.acksThisTurn = 0;
    const now = this.deferredAcks.splice(0, ACKS_PER_TURN);
    for (const e of now) {
      e.deferred = false;
      this.acksThisTurn++;
      this.sendAck(e);
    }
    if (this.deferredAcks.length > 0 || this.acksThisTurn > 0) setImmediate(() => this.nextAckTurn());
  }

  private sendAck(e: PendingAck): void {
    e.timer = null;
    if (e.seqs.length === 0) return;
    // The sender may have reconnected meanwhile: ack on their current connection. Not connected:
    // the browser re-sends these after it rejoins; they are stored once.
    this.deps.connectionOf(e.roomCode, e.participantId)?.send("hits:ack", { seqs: e.seqs });
    e.seqs = [];
    e.pacedFromMs = this.deps.clock.now();
    // forgotten once idle for an interval (the map stays bounded); a new hit starts afresh then
    e.timer = this.deps.clock.setTimeout(() => {
      e.timer = null;
      if (e.seqs.length > 0) return this.ackDue(e);
      const room = this.acks.get(e.roomCode);
      if (room?.get(e.participantId) !== e) return;
      room.delete(e.participantId);
      if (room.size === 0) this.acks.delete(e.roomCode);
    }, ACK_INTERVAL_MS);
  }

  /** Stored hearings: their listeners may forget them. */
  private ackHearings(rows: readonly HearingRow[]): void {
    const byListener = new Map<string, { roomCode: string; listenerId: string; keys: { from: string; seq: number }[] }>();
    for (const r of rows) {
      const k = `${r.roomCode}\u0000${r.hearing.listenerId}`;
      let e = byListener.get(k);
      if (!e) byListener.set(k, (e = { roomCode: r.roomCode, listenerId: r.hearing.listenerId, keys: [] }));
      e.keys.push({ from: r.hearing.senderId, seq: r.hearing.seq });
    }
    for (const e of byListener.values()) this.deps.connectionOf(e.roomCode, e.listenerId)?.send("hearings:ack", { hearings: e.keys });
  }

  /** Sends every waiting ack now (shutdown: everything stored is acknowledged before clients go). */
  sendAllAcks(): void {
    while (this.ackBacklog.length > 0) this.ackSlice();
    for (const e of this.deferredAcks.splice(0)) e.deferred = false; // sent below with the rest
    for (const room of this.acks.values()) {
      for (const e of room.values()) {
        this.deps.clock.clearTimeout(e.timer);
        e.timer = null;
        if (e.seqs.length > 0) this.deps.connectionOf(e.roomCode, e.participantId)?.send("hits:ack", { seqs: e.seqs });
      }
    }
    this.acks.clear();
  }

  /** Stops the timers (after the final flush). */
  close(): void {
    this.deps.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    for (const room of this.acks.values()) for (const e of room.values()) this.deps.clock.clearTimeout(e.timer);
  }
}
