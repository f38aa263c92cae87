/**
 * Runs a room request; a refusal is shown as one notice (use-room-notices.ts). `source` names the
 * request (its event, e.g. "tempo:set"): when it succeeds, an earlier refusal of it is cleared.
 */
export type Act = (fn: () => Promise<{ message: string; event?: string } | null>, source?: string) => Promise<void>;
