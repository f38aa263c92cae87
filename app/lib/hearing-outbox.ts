/**
 * This listener's hearings (when a partner's hit was heard here, for "as
 * <name> heard it" replays) until the server confirms them stored, like the
 * hit outbox (./outbox.ts): kept in localStorage per room and listener,
 * re-sent after every join, forgotten on `hearings:ack`.
 */
import type { HearingMsg } from "../../core/protocol";
import { storeList, type KeyValueStorage } from "./outbox";

/** A recording of an hour at 16ths from three partners; beyond it the oldest go. */
const MAX_KEPT = 60_000;
/** the server takes at most this many per `heard` message (heardSchema) */
export const HEARINGS_PER_MESSAGE = 256;

export const hearingKey = (h: { from: string; seq: number }): string => `${h.from}#${h.seq}`;

export class HearingOutbox {
  private readonly storage: KeyValueStorage | null;
  private readonly key: string;
  private readonly items = new Map<string, HearingMsg>();
  /** not yet sent on this connection */
  private unsent: string[] = [];
  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(roomCode: string, listenerId: string, storage?: KeyValueStorage | null) {
    this.key = `backbeat:hearings:${roomCode}:${listenerId}`;
    this.storage = storage !== undefined ? storage : typeof localStorage !== "undefined" ? localStorage : null;
    try {
      const saved = JSON.parse(this.storage?.getItem(this.key) ?? "[]") as HearingMsg[];
      for (const h of saved) this.items.set(hearingKey(h), h);
    } catch {
      /* nothing saved, or storage unavailable */
    }
  }

  add(h: HearingMsg): void {
    const k = hearingKey(h);
    if (this.items.has(k)) return;
    this.items.set(k, h);
    this.unsent.push(k);
    if (this.items.size > MAX_KEPT) this.items.delete(this.items.keys().next().value as string);
    this.save();
  }

  ack(keys: readonly { from: string; seq: number }[]): void {
    for (const k of keys) this.items.delete(hearingKey(k));
    this.save();
  }

  /** After a (re)join: everything not yet confirmed goes again. */
  resendAll(): void {
    this.unsent = [...this.items.keys()];
  }

  /** The next batches to send (each ≤ HEARINGS_PER_MESSAGE); they stay kept until acked. */
  takeUnsent(): HearingMsg[][] {
    const out: HearingMsg[][] = [];
    let batch: HearingMsg[] = [];
    for (const k of this.unsent) {
      const h = this.items.get(k);
      if (!h) continue;
      batch.push(h);
      if (batch.length === HEARINGS_PER_MESSAGE) {
        out.push(batch);
        batch = [];
      }
    }
    if (batch.length) out.push(batch);
    this.unsent = [];
    return out;
  }

  get size(): number {
    return this.items.size;
  }

  private save(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.saveNow(), 250);
  }

  saveNow(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    storeList(this.storage, this.key, [...this.items.values()]);
  }
}
