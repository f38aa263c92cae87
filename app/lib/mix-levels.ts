/**
 * The mix a player sets on this device (issue 14, "a mix"): master, metronome (with the count-in
 * and backing groove) and each partner's level and mute, remembered in localStorage like the
 * other per-device settings (./identity.ts). A partner is remembered by participant id (kept
 * across their reloads) and by name, so they keep their level when they come back in a new tab.
 * Pure apart from loadMix/saveMix.
 */

/** a fader: 0..1 of its travel, and its mute */
export interface ChannelLevel {
  level: number;
  muted: boolean;
}

export interface PartnerLevel extends ChannelLevel {
  name: string;
  /** when it was last set (Date.now()): the oldest are forgotten beyond MAX_PARTNERS */
  setAtMs: number;
}

export interface MixLevels {
  master: number;
  /** metronome, count-in and backing groove */
  clicks: number;
  partners: Record<string, PartnerLevel>;
}

export const DEFAULT_MIX: MixLevels = { master: 1, clicks: 1, partners: {} };
const UNITY: ChannelLevel = { level: 1, muted: false };
/** partners remembered at most (a long-used browser does not grow the entry forever) */
export const MAX_PARTNERS = 64;
const KEY = "backbeat:mix";

/**
 * A fader's linear gain: the square of its travel, so equal steps sound roughly equal (half
 * way ≈ −12 dB) instead of the top half of a linear fader doing almost nothing.
 */
export function levelToGain(c: ChannelLevel | number): number {
  if (typeof c === "number") return clampUnit(c) ** 2;
  return c.muted ? 0 : clampUnit(c.level) ** 2;
}

function clampUnit(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 1;
}

/** A partner's fader: by participant id, else the latest one set for that name, else unity. */
export function partnerLevel(mix: MixLevels, id: string, name: string): ChannelLevel {
  const byId = mix.partners[id];
  if (byId) return byId;
  let best: PartnerLevel | null = null;
  for (const p of Object.values(mix.partners)) if (p.name === name && (!best || p.setAtMs > best.setAtMs)) best = p;
  return best ?? UNITY;
}

/** The mix with one partner's fader changed (the oldest partners beyond MAX_PARTNERS forgotten). */
export function withPartner(mix: MixLevels, id: string, name: string, patch: Partial<ChannelLevel>, nowMs: number): MixLevels {
  const prev = partnerLevel(mix, id, name);
  const partners = { ...mix.partners, [id]: { level: clampUnit(patch.level ?? prev.level), muted: patch.muted ?? prev.muted, name, setAtMs: nowMs } };
  const ids = Object.keys(partners);
  if (ids.length > MAX_PARTNERS) {
    ids.sort((a, b) => partners[a]!.setAtMs - partners[b]!.setAtMs);
    for (const old of ids.slice(0, ids.length - MAX_PARTNERS)) delete partners[old];
  }
  return { ...mix, partners };
}

/** A stored mix, whatever was stored: anything unreadable counts as unset. */
export function parseMix(json: string | null): MixLevels {
  if (!json) return DEFAULT_MIX;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return DEFAULT_MIX;
  }
  if (typeof raw !== "object" || raw === null) return DEFAULT_MIX;
  const r = raw as Record<string, unknown>;
  const unit = (x: unknown, fallback: number) => (typeof x === "number" && x >= 0 && x <= 1 ? x : fallback);
  const partners: Record<string, PartnerLevel> = {};
  if (typeof r.partners === "object" && r.partners !== null) {
    for (const [id, v] of Object.entries(r.partners as Record<string, unknown>)) {
      if (typeof v !== "object" || v === null) continue;
      const p = v as Record<string, unknown>;
      partners[id] = {
        level: unit(p.level, 1),
        muted: p.muted === true,
        name: typeof p.name === "string" ? p.name : "",
        setAtMs: typeof p.setAtMs === "number" && Number.isFinite(p.setAtMs) ? p.setAtMs : 0,
      };
    }
  }
  return { master: unit(r.master, 1), clicks: unit(r.clicks, 1), partners };
}

export function loadMix(): MixLevels {
  try {
    return parseMix(localStorage.getItem(KEY));
  } catch {
    return DEFAULT_MIX;
  }
}

export function saveMix(mix: MixLevels): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(mix));
  } catch {
    /* private mode: the mix holds for this page only */
  }
}
