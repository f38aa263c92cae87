/**
 * The queue between the room logic and the store for the rows every recording
 * room writes all the time (hits, hearings): rows wait here and each flush
 * writes all of them in one batch. A failed write never holds other rows
 * hostage — issue 12: one hit the database refused kept a room's whole
 * recording unwritten for good, and the retained batch grew without bound.
 *
 * When the batch fails:
 *  - the database does not answer (an outage): every row is kept and retried
 *    on the next flush, without counting an attempt;
 *  - it answers: each recording is written on its own, and a recording that
 *    still fails is split by sender, then in halves, until the rows it refuses
 *    are found (at most ISOLATION_WRITES_MAX writes per flush); everything else
 *    is stored at once. A refused row is tried again on later flushes (the
 *    cause may pass: a participant row whose upsert is being retried) and
 *    dropped, with a log, after `maxAttempts`;
 *  - the recording was deleted: its rows have nowhere to go and count as done.
 *
 * Memory is bounded: at most `maxRows` rows wait (beyond, the oldest are
 * dropped with a log), and no row waits longer than `maxAgeMs` once its write
 * has failed. Dropped rows are never reported stored, so a hit stays in its
 * sender's outbox (app/lib/outbox.ts), which re-sends it after its next join.
 */

export interface QueuedRow {
  recordingId: string;
}

export interface WriteQueueOptions<T extends QueuedRow> {
  /** "hit", "hearing": for log lines */
  what: string;
  /** writes rows of several recordings at once (one transaction); rejects if any row fails */
  write(batches: { recordingId: string; rows: T[] }[]): Promise<unknown>;
  /** resolves true when the database answers a trivial query (an outage is not the rows' fault) */
  databaseAnswers(): Promise<boolean>;
  /** false once the recording is gone (deleted): its rows have nowhere to go */
  recordingExists(recordingId: string): Promise<boolean>;
  /** rows that are stored (or needed no storing): their senders may forget them */
  done(rows: T[]): void;
  /** who sent the row, to isolate by sender (a missing participant row fails all of theirs) */
  sender(row: T): string;
  /** a short description for log lines, e.g. "ada#17" */
  describe(row: T): string;
  log?: (msg: string, err?: unknown) => void;
  /** rows kept at most (memory bound); 200,000 by default */
  maxRows?: number;
  /** writes a refused row gets before it is dropped; 5 by default */
  maxAttempts?: number;
  /** how long a row whose write failed may still wait; 10 minutes by default */
  maxAgeMs?: number;
  /** monotonic ms (performance.now by default) */
  clock?: () => number;
}

/**
 * A 10-second outage at 40,000 hits/s (a busy server) is 400,000 rows; 200,000 rows of ~200 B
 * are ~40 MB. Beyond it the oldest go: their senders' outboxes still hold them.
 */
export const DEFAULT_MAX_ROWS = 200_000;
export const DEFAULT_MAX_ATTEMPTS = 5;
/** The browser outbox keeps 20,000 hits (33 min at 10 hits/s): it re-sends what is dropped here. */
export const DEFAULT_MAX_AGE_MS = 10 * 60_000;
/**
 * Writes spent finding refused rows per flush. One bad row among 1,000 takes about
 * 2·log2(1000) ≈ 20; a bound keeps a flush short whatever fails (the rest waits a flush).
 */
const ISOLATION_WRITES_MAX = 64;
/** rows named in one log line */
const LOGGED_ROWS_MAX = 5;

interface Entry<T> {
  row: T;
  /** failed writes of this row while the database answered */
  attempts: number;
  /** when its first write failed (clock ms), null until then */
  failedSinceMs: number | null;
}

export interface FlushResult {
  stored: number;
  /** rows kept for the next flush (an outage, or refused rows with attempts left) */
  kept: number;
  dropped: number;
}

export class WriteQueue<T extends QueuedRow> {
  private waiting: Entry<T>[] = [];
  /** rows of the batch being written (flushes run one at a time) */
  private writing = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly maxRows: number;
  private readonly maxAttempts: number;
  private readonly maxAgeMs: number;
  private readonly clock: () => number;

  constructor(private readonly opts: WriteQueueOptions<T>) {
    this.maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
    this.maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.maxAgeMs = opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.clock = opts.clock ?? (() => performance.now());
  }

  /** rows not yet stored or given up: waiting, or in the batch being written */
  get size(): number {
    return this.waiting.length + this.writing;
  }

  add(row: T): void {
    this.waiting.push({ row, attempts: 0, failedSinceMs: null });
    this.enforceCap();
  }

  /** Adds rows in their order (once, then the bound). */
  addAll(rows: readonly T[]): void {
    for (const row of rows) this.waiting.push({ row, attempts: 0, failedSinceMs: null });
    this.enforceCap();
  }

  /**
   * Writes every waiting row (flushes run one after another). Resolves with what
   * happened; rejects only when rows are kept because the database is away (with
   * its error), so a caller can tell "stored" from "kept for a retry".
   */
  flush(): Promise<FlushResult> {
    const run = this.chain
      .catch(() => undefined)
      .then(() => this.flushNow())
      .finally(() => (this.writing = 0));
    this.chain = run;
    return run;
  }

  private async flushNow(): Promise<FlushResult> {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return { stored: 0, kept: 0, dropped: 0 };
    this.writing = batch.length;
    const byRecording = groupBy(batch, (e) => e.row.recordingId);
    try {
      await this.opts.write([...byRecording].map(([recordingId, entries]) => ({ recordingId, rows: entries.map((e) => e.row) })));
      this.opts.done(batch.map((e) => e.row));
      return { stored: batch.length, kept: 0, dropped: 0 };
    } catch (err) {
      if (!(await this.opts.databaseAnswers().catch(() => false))) {
        this.keep(batch);
        throw err;
      }
      return this.isolate(byRecording);
    }
  }

  /** The database answers but refused the batch: store what it takes, find what it refuses. */
  private async isolate(byRecording: Map<string, Entry<T>[]>): Promise<FlushResult> {
    const result: FlushResult = { stored: 0, kept: 0, dropped: 0 };
    const refused: Entry<T>[] = [];
    let budget = ISOLATION_WRITES_MAX;
    /** `isolating`: a write spent finding refused rows (budgeted), not one storing a recording */
    const tryWrite = async (recordingId: string, entries: Entry<T>[], isolating = true): Promise<boolean> => {
      if (isolating) budget--;
      try {
        await this.opts.write([{ recordingId, rows: entries.map((e) => e.row) }]);
        this.opts.done(entries.map((e) => e.row));
        result.stored += entries.length;
        return true;
      } catch {
        return false;
      }
    };
    /** halves until single rows (or the budget is spent: the rest counts as refused this time) */
    const bisect = async (recordingId: string, entries: Entry<T>[]): Promise<void> => {
      if (entries.length === 1 || budget <= 0) return void refused.push(...entries);
      const mid = entries.length >> 1;
      for (const half of [entries.slice(0, mid), entries.slice(mid)]) {
        if (budget <= 0) refused.push(...half);
        else if (!(await tryWrite(recordingId, half))) await bisect(recordingId, half);
      }
    };
    for (const [recordingId, entries] of byRecording) {
      // (alone in the batch, it has just failed: no need to try it again)
      if (byRecording.size > 1 && (await tryWrite(recordingId, entries, /* isolating */ false))) continue;
      if (!(await this.opts.recordingExists(recordingId).catch(() => true))) {
        this.opts.log?.(`${entries.length} ${this.opts.what} rows of deleted recording ${recordingId} dropped: nowhere to store them`);
        this.opts.done(entries.map((e) => e.row));
        continue;
      }
      const bySender = groupBy(entries, (e) => this.opts.sender(e.row));
      for (const group of bySender.values()) {
        if (bySender.size > 1 && budget > 0 && (await tryWrite(recordingId, group))) continue;
        await bisect(recordingId, group);
      }
    }
    const nowMs = this.clock();
    const retry: Entry<T>[] = [];
    const drop: Entry<T>[] = [];
    for (const e of refused) {
      e.attempts++;
      e.failedSinceMs ??= nowMs;
      (e.attempts >= this.maxAttempts || nowMs - e.failedSinceMs > this.maxAgeMs ? drop : retry).push(e);
    }
    if (drop.length > 0) this.logDrop(drop, `refused by the database ${this.maxAttempts} times (or for ${this.maxAgeMs / 60_000} min)`);
    this.keep(retry);
    return { stored: result.stored, kept: retry.length, dropped: drop.length };
  }

  /** Puts rows back in front of newer ones (an outage ages them; none waits past maxAgeMs). */
  private keep(entries: Entry<T>[]): void {
    if (entries.length === 0) return;
    const nowMs = this.clock();
    const fresh: Entry<T>[] = [];
    const old: Entry<T>[] = [];
    for (const e of entries) {
      e.failedSinceMs ??= nowMs;
      (nowMs - e.failedSinceMs > this.maxAgeMs ? old : fresh).push(e);
    }
    if (old.length > 0) this.logDrop(old, `not stored within ${this.maxAgeMs / 60_000} min`);
    this.waiting = fresh.concat(this.waiting);
    this.enforceCap();
  }

  private enforceCap(): void {
    if (this.waiting.length <= this.maxRows) return;
    // A tenth at once: at the cap, each add must not shift the whole array.
    const excess = this.waiting.length - this.maxRows + Math.ceil(this.maxRows / 10);
    this.logDrop(this.waiting.splice(0, excess), `over the queue's bound of ${this.maxRows} rows (oldest first)`);
  }

  private logDrop(entries: Entry<T>[], why: string): void {
    const shown = entries.slice(0, LOGGED_ROWS_MAX).map((e) => `${e.row.recordingId}/${this.opts.describe(e.row)}`);
    const more = entries.length > shown.length ? ` and ${entries.length - shown.length} more` : "";
    this.opts.log?.(`dropped ${entries.length} ${this.opts.what} rows, ${why}: ${shown.join(", ")}${more}`);
  }
}

function groupBy<V, K>(items: V[], key: (item: V) => K): Map<K, V[]> {
  const groups = new Map<K, V[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
