/**
 * This player's hits until the server confirms them stored. Kept in
 * localStorage (per room and participant), so a reload or a crash of the
 * server loses nothing: whatever is here is re-sent after the next join.
 * The sequence number is kept too, so a reloaded page never reuses one.
 */
import type { HitMsg } from "../../core/protocol";

/** Far more than a 10-second database outage at a drummer's pace; beyond it the oldest go. */
const MAX_KEPT = 20_000;

/** The part of the Web Storage API the outbox needs (localStorage in the browser; a Map in tests). */
export type KeyValueStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

export class HitOutbox {
  private readonly storage: KeyValueStorage | null;
  private readonly key: string;
  private readonly seqKey: string;
  private hits = new Map<number, HitMsg>();
  private seq = 0;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(roomCode: string, participantId: string, storage?: KeyValueStorage | null) {
    this.key = `backbeat:outbox:${roomCode}:${participantId}`;
    this.seqKey = `backbeat:seq:${participantId}`;
    this.storage = storage !== undefined ? storage : typeof localStorage !== "undefined" ? localStorage : null;
    try {
      const saved = JSON.parse(this.storage?.getItem(this.key) ?? "[]") as HitMsg[];
      for (const h of saved) this.hits.set(h.seq, h);
      this.seq = Math.max(Number(this.storage?.getItem(this.seqKey)) || 0, ...saved.map((h) => h.seq));
    } catch {
      /* nothing saved, or storage unavailable */
    }
  }

  nextSeq(): number {
    this.seq++;
    try {
      this.storage?.setItem(this.seqKey, String(this.seq));
    } catch {
      /* private mode: a reload may reuse numbers, and the server would then ignore those hits */
    }
    return this.seq;
  }

  add(hit: HitMsg): void {
    this.hits.set(hit.seq, hit);
    if (this.hits.size > MAX_KEPT) this.hits.delete(this.hits.keys().next().value as number);
    this.save();
  }

  /** A kept hit's time corrected (struck before clock sync: connection/jam-connection.ts); false if it is not kept (acked). */
  retime(hit: HitMsg): boolean {
    if (!this.hits.has(hit.seq)) return false;
    this.hits.set(hit.seq, hit);
    this.save();
    return true;
  }

  ack(seqs: number[]): void {
    for (const s of seqs) this.hits.delete(s);
    this.save();
  }

  pending(): HitMsg[] {
    return [...this.hits.values()].sort((a, b) => a.seq - b.seq);
  }

  get size(): number {
    return this.hits.size;
  }

  /**
   * Small outboxes (the normal case: hits are acked within ~3 s: a 1 s write batch (FLUSH_INTERVAL_MS), then the sender's slot in ACK_INTERVAL_MS (2 s) in server/room/writer.ts; so a few dozen at most) are written at
   * once, so even an immediate reload keeps them; a big backlog (database away)
   * is written at most every 250 ms, and on page hide.
   */
  private save(): void {
    if (this.hits.size <= 500) return this.saveNow();
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.saveNow(), 250);
  }

  saveNow(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    storeList(this.storage, this.key, this.pending());
  }
}

/** Writes a kept list (or removes it when empty); storage full or unavailable: the in-memory copy still re-sends. */
export function storeList(storage: KeyValueStorage | null, key: string, items: readonly unknown[]): void {
  try {
    if (items.length === 0) storage?.removeItem(key);
    else storage?.setItem(key, JSON.stringify(items));
  } catch {
    /* not kept across a reload; the in-memory copy still re-sends after a reconnect */
  }
}
