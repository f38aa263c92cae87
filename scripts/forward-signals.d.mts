/** Types for forward-signals.mjs (plain JS so scripts/start.mjs can import it without tsx). */
import type { SpawnOptions } from "node:child_process";

export declare const FORWARDED_SIGNALS: readonly NodeJS.Signals[];
export interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}
export declare function runForwardingSignals(command: string, args: readonly string[], options?: SpawnOptions): Promise<ChildEnd>;
export declare function exitLikeChild(end: ChildEnd): void;
