/**
 * When your own hit is heard (monitoring). A strike is handled a little after the key or pad
 * event (the page's main thread finishes what it is doing first: 1–10 ms on a busy room page),
 * and the sound can start no sooner than this instant's audio deadline. Heard at
 * `event + planned lead` when the handling was quick, it wobbles by the handling delay whenever
 * that exceeds the gap between the planned lead and this instant's (0 to one callback): bench:e2e
 * measured a monitoring spread p95 of 9.6–12 ms with "interactive" on the room page.
 *
 * So the monitoring latency also allows for the handling delay of recent strikes (their 95th
 * percentile, at most MAX_HANDLING_ALLOWANCE_MS): the page's usual 0.5–2 ms of handling no longer
 * moves your own hits. The cap keeps the monitoring median within 3 ms of the floor (output path +
 * one render quantum; issue 11's target): a page busy for longer (a render in the way) is not
 * made up for with latency for every hit — such a strike is heard at the earliest possible
 * moment. Pure: the caller passes times.
 */
import { quantile, sortedAscending } from "./stats";

/** at most this much latency is added for handling (the 1 ms deadline margin + this ≤ 3 ms above the floor) */
export const MAX_HANDLING_ALLOWANCE_MS = 2;
const KEEP = 50;

export class MonitorLead {
  private readonly handling: number[] = [];

  /** The allowance for handling (ms): p95 of the last 50 strikes' handling delays, capped; 0 before any. */
  get allowanceMs(): number {
    if (this.handling.length === 0) return 0;
    return Math.min(MAX_HANDLING_ALLOWANCE_MS, quantile(sortedAscending(this.handling), 0.95));
  }

  /** Recent handling delays: p50 and p95 (diagnostics), null before any strike. */
  get handlingMs(): { p50: number; p95: number } | null {
    if (this.handling.length === 0) return null;
    const s = sortedAscending(this.handling);
    return { p50: quantile(s, 0.5), p95: quantile(s, 0.95) };
  }

  /**
   * When a strike whose event happened at `eventMs` and is handled at `nowMs` (same clock) is
   * heard: the planned lead and the allowance after the event, never inside this instant's
   * deadline. The strike's handling delay then joins the allowance's window.
   */
  heardAtMs(eventMs: number, nowMs: number, planLeadMs: number, nowLeadMs: number): number {
    const heard = Math.max(eventMs + planLeadMs + this.allowanceMs, nowMs + nowLeadMs);
    const handlingMs = nowMs - eventMs;
    if (handlingMs >= 0 && handlingMs < 1_000) {
      this.handling.push(handlingMs);
      if (this.handling.length > KEEP) this.handling.shift();
    }
    return heard;
  }
}
