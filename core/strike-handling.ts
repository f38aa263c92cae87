/**
 * How long after a key's or pad's event the page handled the strike (diagnostics). Your own hit
 * is heard at `event + lead`, never inside this instant's deadline; a strike handled later than
 * the gap between the two leads (0 to one callback) is heard that much later, so these delays are
 * the wobble of your monitoring. bench:e2e measured the monitoring spread p95 at 8–12 ms with
 * "interactive" on the room page; an allowance for the delay (up to 2 ms) was tried and removed:
 * it moved the median 1.5–2 ms further from the floor and left the spread as it was (2026-12-07).
 */
import { quantile, sortedAscending } from "./stats";

const KEEP = 50;

export class StrikeHandling {
  private readonly delays: number[] = [];

  /** A strike whose event happened at `eventMs` was handled at `nowMs` (same clock). */
  add(eventMs: number, nowMs: number): void {
    const ms = nowMs - eventMs;
    if (!(ms >= 0 && ms < 1_000)) return;
    this.delays.push(ms);
    if (this.delays.length > KEEP) this.delays.shift();
  }

  /** p50 and p95 of the last 50 strikes' handling delays; null before any. */
  get ms(): { p50: number; p95: number } | null {
    if (this.delays.length === 0) return null;
    const s = sortedAscending(this.delays);
    return { p50: quantile(s, 0.5), p95: quantile(s, 0.95) };
  }
}
