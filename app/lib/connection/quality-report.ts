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
