/**
 * Hits waiting for their batch, kept as columns: one typed array per field and every string
 * (recording, room, participant, pad) once in a table. A busy server queues ~20,000 hits a
 * second for about a second each; as objects (the row, its hit, the queue's entry) they were
 * ~60,000 objects a second that each young-generation collection had to copy and then promote,
 * and the flush walked them again to build the writer's columns: a p99 tail the plain relay
 * does not have (issue 13 part 7, docs/benchmarks/relay.md). Here a hit is a few numbers written
 * into arrays that live outside the collected heap, and the writer gets the columns as they are.
 *
 * Row objects are made only where a row must stand alone: when a write fails and the write
 * queue (server/write-queue.ts) isolates what the database refuses.
 */
import { PAD_IDS, type PadId } from "../core/kit";
import type { Hit } from "../core/hit";
import { hitRangeError } from "../core/protocol";

/** What a hit writer stores: `length` rows, strings as indices into `strings`. */
export interface HitColumnBatch {
  readonly length: number;
  readonly strings: readonly string[];
  readonly recording: Uint32Array;
  readonly participant: Uint32Array;
  readonly pad: Uint32Array;
  readonly seq: Float64Array;
  readonly strikeAtMs: Float64Array;
  readonly velocity: Float64Array;
}

/** a hit waiting to be stored, with the room its sender gets the ack in */
export interface QueuedHit {
  recordingId: string;
  roomCode: string;
  hit: Hit;
}

const INITIAL_ROWS = 1024;
/** rows checked between two turns of the event loop (checkColumns) */
const ROWS_PER_SLICE = 2_000;

export class HitColumns implements HitColumnBatch {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  length = 0;
  recording: Uint32Array;
  /** the room whose member gets the ack (not stored) */
  room: Uint32Array;
  participant: Uint32Array;
  pad: Uint32Array;
  seq: Float64Array;
  strikeAtMs: Float64Array;
  velocity: Float64Array;

  /** `capacity`: rows before the first growth (the last batch's size saves copying) */
  constructor(capacity = INITIAL_ROWS) {
    const n = Math.max(16, capacity);
    this.recording = new Uint32Array(n);
    this.room = new Uint32Array(n);
    this.participant = new Uint32Array(n);
    this.pad = new Uint32Array(n);
    this.seq = new Float64Array(n);
    this.strikeAtMs = new Float64Array(n);
    this.velocity = new Float64Array(n);
  }

  get capacity(): number {
    return this.seq.length;
  }

  push(recordingId: string, roomCode: string, participantId: string, seq: number, strikeAtMs: number, pad: PadId, velocity: number): void {
    if (this.length === this.seq.length) this.grow();
    const i = this.length++;
    this.recording[i] = this.ref(recordingId);
    this.room[i] = this.ref(roomCode);
    this.participant[i] = this.ref(participantId);
    this.pad[i] = this.ref(pad);
    this.seq[i] = seq;
    this.strikeAtMs[i] = strikeAtMs;
    this.velocity[i] = velocity;
  }

  roomCodeAt(i: number): string {
    return this.strings[this.room[i]!]!;
  }

  participantAt(i: number): string {
    return this.strings[this.participant[i]!]!;
  }

  /** row `i` as an object (a failed write's rows, isolated one by one) */
  row(i: number): QueuedHit {
    const s = this.strings;
    return {
      recordingId: s[this.recording[i]!]!,
      roomCode: s[this.room[i]!]!,
      hit: { participantId: s[this.participant[i]!]!, seq: this.seq[i]!, strikeAtMs: this.strikeAtMs[i]!, pad: s[this.pad[i]!] as PadId, velocity: this.velocity[i]! },
    };
  }

  rows(): QueuedHit[] {
    const out: QueuedHit[] = new Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.row(i);
    return out;
  }

  private ref(s: string): number {
    let k = this.index.get(s);
    if (k === undefined) {
      k = this.strings.length;
      this.strings.push(s);
      this.index.set(s, k);
    }
    return k;
  }

  private grow(): void {
    const n = this.seq.length * 2;
    const u = (a: Uint32Array) => {
      const b = new Uint32Array(n);
      b.set(a);
      return b;
    };
    const f = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.recording = u(this.recording);
    this.room = u(this.room);
    this.participant = u(this.participant);
    this.pad = u(this.pad);
    this.seq = f(this.seq);
    this.strikeAtMs = f(this.strikeAtMs);
    this.velocity = f(this.velocity);
  }
}

/** columns of plain hits (no room to ack in) */
export function columnsOf(batches: readonly { recordingId: string; hits: readonly Hit[] }[]): HitColumns {
  let n = 0;
  for (const b of batches) n += b.hits.length;
  const c = new HitColumns(n);
  for (const { recordingId, hits } of batches) for (const h of hits) c.push(recordingId, "", h.participantId, h.seq, h.strikeAtMs, h.pad, h.velocity);
  return c;
}

/** the columns' rows as hits per recording, in row order */
export function batchesOf(batch: HitColumnBatch): { recordingId: string; hits: Hit[] }[] {
  const s = batch.strings;
  const byRecording = new Map<string, Hit[]>();
  for (let i = 0; i < batch.length; i++) {
    const recordingId = s[batch.recording[i]!]!;
    let hits = byRecording.get(recordingId);
    if (!hits) byRecording.set(recordingId, (hits = []));
    hits.push({ participantId: s[batch.participant[i]!]!, seq: batch.seq[i]!, strikeAtMs: batch.strikeAtMs[i]!, pad: s[batch.pad[i]!] as PadId, velocity: batch.velocity[i]! });
  }
  return [...byRecording].map(([recordingId, hits]) => ({ recordingId, hits }));
}

/**
 * Rejects with a RangeError on a row outside the protocol's bounds (core/protocol.ts LIMITS, as
 * the store checks every hit). A busy second is ~20,000 rows: checked in slices, with the
 * sockets served between them.
 */
export async function checkColumns(batch: HitColumnBatch): Promise<void> {
  const pads: readonly string[] = PAD_IDS;
  const padOk = batch.strings.map((x) => pads.includes(x));
  const row = { seq: 0, velocity: 0, strikeAtMs: 0 };
  for (let i = 0; i < batch.length; i++) {
    if (i > 0 && i % ROWS_PER_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    row.seq = batch.seq[i]!;
    row.velocity = batch.velocity[i]!;
    row.strikeAtMs = batch.strikeAtMs[i]!;
    const invalid = hitRangeError(row);
    if (invalid) throw new RangeError(`Hit ${invalid}`);
    if (!padOk[batch.pad[i]!]) throw new RangeError(`Hit pad must be one of ${PAD_IDS.join(", ")}, got: ${batch.strings[batch.pad[i]!]}`);
  }
}
