/**
 * One figure per partner, said once (issue 14, defect 7): the one-way delay between you and a
 * partner, the same number in the member list, the summary and the latency table, and a
 * plain-language sentence about what it means for playing ("Sam: 63 ms away — too far for Live;
 * Groove plays Sam one bar later"). Pure; the room page feeds it the connection's figures.
 */
import { LIVE_MAX_ONE_WAY_MS, recommendMode, type PlayMode } from "../../core/play-mode";

export interface OneWay {
  /** ms, null while neither hits nor both round trips are known */
  ms: number | null;
  /** from both round trips (no hits of theirs measured yet) */
  estimated: boolean;
}

/**
 * Measured from the partner's hits when there are some (playout statistics); else estimated as
 * half your round trip plus half theirs (each to the shared server).
 */
export function partnerOneWay(measuredMs: number | null | undefined, myRttMs: number | null, theirRttMs: number | null): OneWay {
  if (measuredMs !== null && measuredMs !== undefined) return { ms: measuredMs, estimated: false };
  if (myRttMs === null || theirRttMs === null) return { ms: null, estimated: true };
  return { ms: myRttMs / 2 + theirRttMs / 2, estimated: true };
}

export function tooFarForLive(oneWayMs: number | null): boolean {
  return recommendMode(oneWayMs) === "groove";
}

const BAR_WORDS: Record<number, string> = { 1: "one bar", 2: "two bars", 4: "four bars" };
const barsText = (bars: number) => BAR_WORDS[bars] ?? `${bars} bars`;

/**
 * The sentence for one partner. `grooveBars`: how many bars Groove delays them by here (known once
 * the playout has run in Groove; 1 bar otherwise, the usual choice for one-way delays well under a bar).
 */
export function latencySummary(name: string, oneWay: OneWay, mode: PlayMode, grooveBars: number | null): string {
  if (oneWay.ms === null) return `${name}: measuring the distance…`;
  const away = `${name}: ${Math.round(oneWay.ms)} ms away`;
  const bars = barsText(grooveBars ?? 1);
  if (mode === "groove") return `${away} — Groove plays ${name} ${bars} later, beat 1 on your beat 1`;
  if (tooFarForLive(oneWay.ms)) return `${away} — too far for Live; Groove plays ${name} ${bars} later`;
  return `${away} — close enough for Live`;
}

/** The partners too far for Live, farthest first (the host is asked to switch to Groove). */
export function farPartners<T extends { name: string; oneWay: OneWay }>(partners: readonly T[]): T[] {
  return partners.filter((p) => tooFarForLive(p.oneWay.ms)).sort((a, b) => (b.oneWay.ms ?? 0) - (a.oneWay.ms ?? 0));
}

export { LIVE_MAX_ONE_WAY_MS };
