/**
 * This page's view of the room's shared clock (docs/architecture.md, "One timeline"): clock
 * sync's estimate (core/clock-sync.ts) applied through the discipline (core/clock-discipline.ts),
 * so small corrections are slewed in and partner hits do not jump. The local clock is injected
 * (performance.now() in the browser; anything monotonic in Node).
 */
import { ClockDiscipline } from "../../../core/clock-discipline";
import { ClockSync } from "../../../core/clock-sync";

export class SharedClock {
  readonly sync = new ClockSync();
  private readonly discipline = new ClockDiscipline();

  constructor(readonly localNow: () => number) {}

  /** shared − local applied at localMs */
  appliedOffsetAt(localMs: number): number {
    return this.discipline.offsetAt(localMs, this.sync.offsetAt(localMs));
  }
  toShared(localMs: number): number {
    return localMs + this.appliedOffsetAt(localMs);
  }
  toLocal(sharedMs: number): number {
    return sharedMs - this.appliedOffsetAt(this.localNow());
  }
  sharedNow(): number {
    return this.toShared(this.localNow());
  }
}
