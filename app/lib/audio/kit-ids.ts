/**
 * The kits' ids and names without their synthesis code: a page that only
 * lists or remembers kits imports this, so the engine (./engine.ts, with the
 * kits' voices) can stay a dynamic import until sound is needed
 * (docs/benchmarks/bundle.md).
 */

/** The synthesized kits, in menu order. */
export const KIT_IDS = ["acoustic", "808"] as const;
export type KitId = (typeof KIT_IDS)[number];
/** display names of the kits */
export const KIT_NAMES: Readonly<Record<KitId, string>> = {
  acoustic: "Acoustic",
  "808": "808",
};
/** the kit createAudioEngine starts with when none is given */
export const DEFAULT_KIT: KitId = "acoustic";
