/**
 * How a partner's clock reads against this page's, measured over the direct channel (issue 15),
 * so their hits are played on their own timing. Each page's shared clock is its own estimate of
 * the server's (core/clock-sync.ts), learned over its own route: on a continental route the two
 * estimates differ by a few ms, differently in every session, and each steps when its sync learns
 * a new floor. A partner's hit stamped on their estimate then seemed to take that much more (or
 * less) to arrive over a loopback channel whose round trip is 1.5 ms: the playout's prior (half
 * the ping's round trip) fell short and the delay grew mid-phrase, and a step of either page's
 * sync moved the partner by its size for every hit after it (bench:e2e direct,
 * docs/benchmarks/timing-e2e.md).
 *
 * So the direct path compares LOCAL clocks (performance.now: monotonic, no sync moves them). The
 * sender's packets carry its local − shared clock (core/direct-packet.ts), which gives each strike
 * on its local clock; the channel's pongs carry the answerer's local clock: a ping leaves at t0
 * (mine), reaches the partner at t1 (theirs), its pong is back at t3 (mine); with equal legs the
 * partner's clock reads t1 − (t0 + t3) / 2 more than mine. The estimate is the sample with the
 * shortest round trip among the newest few (a ping held up on one side is lopsided: its error is
 * up to half its round trip); two monotonic clocks only drift apart by their rates (ppm).
 * Pure: the caller supplies the stamps.
 */
import { sampleFromExchange } from "./clock-sync";

export interface PeerClockSample {
  rttMs: number;
  /** partner's clock − mine */
  offsetMs: number;
}

/**
 * One sample from a pong: t0 mine at sending, t1 the partner's on receipt, t3 mine on the pong's
 * return. The clock sync's exchange (core/clock-sync.ts) with the partner answering at once (t2 = t1).
 */
export function peerClockSample(t0Ms: number, t1Ms: number, t3Ms: number): PeerClockSample | null {
  if (!(t3Ms - t0Ms >= 0) || !Number.isFinite(t1Ms)) return null;
  const { rttMs, offsetMs } = sampleFromExchange({ t0Ms, t1Ms, t2Ms: t1Ms, t3Ms });
  return { rttMs, offsetMs };
}

/** samples the estimate chooses from: 8 pings = 2 s at DIRECT_PING_INTERVAL_MS */
export const PEER_CLOCK_WINDOW = 8;

export class PeerClock {
  private samples: PeerClockSample[] = [];

  add(sample: PeerClockSample): void {
    this.samples.push(sample);
    if (this.samples.length > PEER_CLOCK_WINDOW) this.samples.shift();
  }

  /** forgets everything (a new channel) */
  reset(): void {
    this.samples = [];
  }

  /** partner's clock − mine: the window's shortest round trip's sample (null: none yet) */
  get offsetMs(): number | null {
    return this.best()?.offsetMs ?? null;
  }

  /** its error bound: half that sample's round trip (null: none yet) */
  get errorBoundMs(): number | null {
    const best = this.best();
    return best ? best.rttMs / 2 : null;
  }

  private best(): PeerClockSample | null {
    let best: PeerClockSample | null = null;
    for (const s of this.samples) if (!best || s.rttMs < best.rttMs) best = s;
    return best;
  }
}
