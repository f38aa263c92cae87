/**
 * The `quality` message a page sends every QUALITY_INTERVAL_MS: its clock-sync figures, its
 * one-way legs (partners start their playout from them) and what it measures of each partner's
 * hits. Pure; rounded to 0.1 ms so a report is small and repeats compare equal.
 */
import type { ClockEstimate, LegStats } from "../../../core/clock-sync";
import type { ListeningReport, QualityReportMsg } from "../../../core/protocol";
import type { PartnerStats } from "../partner-playout";

/** The page's cadence (the server forwards each member's telemetry at most every MEMBER_QUALITY_INTERVAL_MS). */
export const QUALITY_INTERVAL_MS = 2_000;

const round = (v: number) => Math.round(v * 10) / 10;
const roundOrNull = (v: number | null) => (v === null ? null : round(v));

export function qualityReport(clock: ClockEstimate, legs: LegStats | null, partners: readonly PartnerStats[]): QualityReportMsg {
  // the schema takes at most 16 (a room has at most 8 players)
  const listening: ListeningReport[] = partners.slice(0, 16).map((p) => ({
    from: p.from,
    delayMs: round(p.delayMs),
    oneWayMs: roundOrNull(p.oneWayMs),
    jitterMs: roundOrNull(p.jitterMs),
    latePercent: round(p.latePercent),
    hits: p.hits,
  }));
  const legReport = legs
    ? { upP50Ms: round(legs.upP50Ms), upP99Ms: round(legs.upP99Ms), downP50Ms: round(legs.downP50Ms), downP99Ms: round(legs.downP99Ms) }
    : undefined;
  return { rttMs: round(clock.rttMs), clockErrorMs: round(clock.errorEstimateMs), listening, legs: legReport };
}

/**
 * How far a figure must move before it is reported again (issue 13, "Telemetry as deltas"): the
 * server forwards a member's figures only when they change, so noise in the last digit would
 * cost every other client a `member:quality` every 2 s (bench:traffic: 3.1 kB/s per client in a
 * room of 8). The panel shows whole milliseconds; playout priors move by milliseconds.
 */
// [absolute, relative]: a figure is news once it moved by the larger of the two. Tails (p99 legs,
// jitter) wander by 20–30 % between reports even on a steady link (bench:traffic on a loaded
// machine); medians and the applied delay are steadier, and the delay is what fair monitoring uses.
const MOVE = {
  rttMs: [2, 0.1],
  clockErrorMs: [0.5, 0.25],
  legP50Ms: [1, 0.1],
  legP99Ms: [2, 0.3],
  delayMs: [1, 0],
  oneWayMs: [2, 0.2],
  jitterMs: [2, 0.3],
  latePercent: [0.5, 0.25],
} as const satisfies Record<string, readonly [number, number]>;
type Move = (typeof MOVE)[keyof typeof MOVE];

const held = (prev: number, next: number, [abs, rel]: Move) => (Math.abs(next - prev) < Math.max(abs, rel * Math.abs(prev)) ? prev : next);
const heldOrNull = (prev: number | null, next: number | null, move: Move) => (prev === null || next === null ? next : held(prev, next, move));

/**
 * The report to send: each figure as last sent unless it moved by at least its MOVE, so a
 * steady page repeats itself exactly (and `sameReport` lets it skip the message). A partner's hit
 * count (growing with every hit, shown nowhere live) follows only when another of its figures is sent anew.
 */
export function steadyReport(prev: QualityReportMsg | null, next: QualityReportMsg): QualityReportMsg {
  if (!prev) return next;
  const listening = next.listening?.map((l) => {
    const p = prev.listening?.find((x) => x.from === l.from);
    if (!p) return l;
    const figures = {
      from: l.from,
      delayMs: held(p.delayMs, l.delayMs, MOVE.delayMs),
      oneWayMs: heldOrNull(p.oneWayMs, l.oneWayMs, MOVE.oneWayMs),
      jitterMs: heldOrNull(p.jitterMs, l.jitterMs, MOVE.jitterMs),
      latePercent: held(p.latePercent, l.latePercent, MOVE.latePercent),
    };
    const moved = figures.delayMs !== p.delayMs || figures.oneWayMs !== p.oneWayMs || figures.jitterMs !== p.jitterMs || figures.latePercent !== p.latePercent;
    return { ...figures, hits: moved ? l.hits : p.hits };
  });
  const legs =
    next.legs && prev.legs
      ? {
          upP50Ms: held(prev.legs.upP50Ms, next.legs.upP50Ms, MOVE.legP50Ms),
          upP99Ms: held(prev.legs.upP99Ms, next.legs.upP99Ms, MOVE.legP99Ms),
          downP50Ms: held(prev.legs.downP50Ms, next.legs.downP50Ms, MOVE.legP50Ms),
          downP99Ms: held(prev.legs.downP99Ms, next.legs.downP99Ms, MOVE.legP99Ms),
        }
      : next.legs;
  const clockErrorMs = prev.clockErrorMs !== undefined && next.clockErrorMs !== undefined ? held(prev.clockErrorMs, next.clockErrorMs, MOVE.clockErrorMs) : next.clockErrorMs;
  return { rttMs: held(prev.rttMs, next.rttMs, MOVE.rttMs), clockErrorMs, listening, legs };
}

/** Same figures (in the same order): nothing to tell the room. */
export function sameReport(a: QualityReportMsg | null, b: QualityReportMsg): boolean {
  return a !== null && JSON.stringify(a) === JSON.stringify(b);
}
