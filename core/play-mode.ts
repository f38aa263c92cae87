/**
 * Live vs Groove mode: when a partner is too far for live playing, Groove mode
 * delays their hits by a whole number of bars (NINJAM-style), so their beat 1
 * lands on yours.
 */

export const GROOVE_BAR_CHOICES = [1, 2, 4] as const;

/**
 * The smallest whole number of bars (1, 2 or 4) that covers the needed delay,
 * so a partner's beat 1 lands on your beat 1. `covered` is false when even 4
 * bars are not enough (then 4 bars are used and some hits will be late).
 */
export function grooveDelay(neededMs: number, barMs: number): { bars: number; delayMs: number; covered: boolean } {
  if (!(barMs > 0)) throw new Error(`barMs must be > 0, got: ${barMs}`);
  for (const bars of GROOVE_BAR_CHOICES) {
    if (bars * barMs >= neededMs) return { bars, delayMs: bars * barMs, covered: true };
  }
  const bars = 4; // the largest choice
  return { bars, delayMs: bars * barMs, covered: false };
}

/** Ensemble threshold (timing-background.md): live playing is comfortable up to ~30 ms one way. */
export const LIVE_MAX_ONE_WAY_MS = 30;

export type PlayMode = "live" | "groove";

export function recommendMode(oneWayMs: number | null): PlayMode {
  return oneWayMs !== null && oneWayMs > LIVE_MAX_ONE_WAY_MS ? "groove" : "live";
}

/** Colour band of a one-way delay: ≤25 ms green, ≤50 amber, else red. */
export function latencyBand(oneWayMs: number | null): "good" | "fair" | "poor" | "unknown" {
  if (oneWayMs === null) return "unknown";
  if (oneWayMs <= 25) return "good";
  if (oneWayMs <= 50) return "fair";
  return "poor";
}
