/**
 * Plays a seeded pattern on a client at a steady rate and remembers every hit
 * it struck, across client instances (a reload swaps the client underneath).
 */
import { PAD_IDS } from "../../core/kit";
import type { HitMsg } from "../../core/protocol";
import { seededRng } from "../../core/rng";

export interface Striker {
  strike(pad: (typeof PAD_IDS)[number], velocity: number): HitMsg;
  /** the client's shared clock, when it has one (JamConnection): hits struck before its first sync are retimed at it */
  readonly clock?: { readonly sync: { readonly synced: boolean } };
}

export class Drummer {
  readonly struck: HitMsg[] = [];
  /** seqs struck before their client's clock had synced: the client retimes them onto the room's clock at its first sync */
  readonly unsynced = new Set<number>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly rng: () => number;

  /** `client` is read at every hit, so it can be replaced (reload) while playing. */
  constructor(
    public client: Striker,
    seed: number,
    private readonly hitsPerSecond = 20,
  ) {
    this.rng = seededRng(seed);
  }

  /** One hit now: pad and velocity from the seeded pattern. */
  hit(): HitMsg {
    const pad = PAD_IDS[Math.floor(this.rng() * PAD_IDS.length)]!;
    // Two decimals, like a real velocity curve would give; exactly representable round-trips are not needed.
    const velocity = Math.round((0.3 + this.rng() * 0.7) * 100) / 100;
    const h = this.client.strike(pad, velocity);
    this.struck.push(h);
    if (this.client.clock && !this.client.clock.sync.synced) this.unsynced.add(h.seq);
    return h;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.hit(), 1000 / this.hitsPerSecond);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
