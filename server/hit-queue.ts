/**
 * The queue of hits between the relay and the store: hits wait as columns (server/hit-columns.ts)
 * and each flush hands the columns to the store as they are. Only when that write fails do
 * the rows become objects, in a write queue (server/write-queue.ts) that keeps them through an
 * outage and isolates the rows the database refuses; while it holds rows, newer hits join it
 * behind them, and once it is empty the columns take over again. Flushes run one at a time.
 */
import { HitColumns, type HitColumnBatch, type QueuedHit } from "./hit-columns";
import type { PadId } from "../core/kit";
import { DEFAULT_MAX_ROWS, WriteQueue, type FlushResult, type WriteQueueOptions } from "./write-queue";

export interface HitQueueOptions extends Omit<WriteQueueOptions<QueuedHit>, "done"> {
  /** stores the columns (one transaction); rejects if any row fails */
  writeColumns(batch: HitColumnBatch): Promise<unknown>;
  /** columns whose rows are all stored: their senders may forget them */
  doneColumns(batch: HitColumns): void;
  /** rows stored after a failed write (or needing no storing) */
  doneRows(rows: QueuedHit[]): void;
}

export class HitQueue {
  private waiting = new HitColumns();
  /** rows of the columns being written */
  private writing = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly maxRows: number;
  /** rows of failed writes, as objects (outage retries, refused-row isolation) */
  private readonly failed: WriteQueue<QueuedHit>;

  constructor(private readonly opts: HitQueueOptions) {
    this.maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
    this.failed = new WriteQueue<QueuedHit>({ ...opts, done: (rows) => opts.doneRows(rows) });
  }

  /** rows not yet stored or given up */
  get size(): number {
    return this.waiting.length + this.writing + this.failed.size;
  }

  add(recordingId: string, roomCode: string, participantId: string, seq: number, strikeAtMs: number, pad: PadId, velocity: number): void {
    this.waiting.push(recordingId, roomCode, participantId, seq, strikeAtMs, pad, velocity);
    // bounded: past the bound the rows go to the write queue, which drops the oldest with a log
    if (this.waiting.length + this.failed.size >= this.maxRows) this.spill(this.take());
  }

  /** Writes every waiting row; resolves with what happened, rejects while the database is away (rows kept). */
  flush(): Promise<FlushResult> {
    const run = this.chain.catch(() => undefined).then(() => this.flushNow());
    this.chain = run;
    return run;
  }

  private async flushNow(): Promise<FlushResult> {
    const batch = this.take();
    if (this.failed.size > 0 || batch.length === 0) {
      // earlier rows still wait (or nothing new): newer ones queue behind them, in order
      this.spill(batch);
      return this.failed.flush();
    }
    this.writing = batch.length;
    try {
      await this.opts.writeColumns(batch);
    } catch {
      // the write queue tries them again and finds out why: an outage keeps them, refused rows are isolated
      this.spill(batch);
      return this.failed.flush();
    } finally {
      this.writing = 0;
    }
    this.opts.doneColumns(batch);
    return { stored: batch.length, kept: 0, dropped: 0 };
  }

  private take(): HitColumns {
    const batch = this.waiting;
    this.waiting = new HitColumns(Math.min(batch.capacity, this.maxRows));
    return batch;
  }

  private spill(batch: HitColumns): void {
    if (batch.length > 0) this.failed.addAll(batch.rows());
  }
}
