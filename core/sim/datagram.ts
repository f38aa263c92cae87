/**
 * A datagram path beside the TCP relay of core/sim/network.ts (issue 15's
 * direct path): a WebRTC data channel opened `ordered: false,
 * maxRetransmits: 0` is UDP-like — a lost packet is gone (never resent after
 * an RTO) and nothing waits behind it (no head-of-line blocking); packets may
 * overtake each other. Pure and seeded like network.ts.
 *
 * The direct ROUTE against the relay's two legs (sender → server → listener):
 * - Length: base = DIRECT_ROUTE_FRACTION × (sender's up base + listener's down
 *   base), route changes included (both legs' steps, scaled alike). The direct
 *   route still crosses both players' access networks but not the detour to
 *   the server: we take the server as lying off the line between the players
 *   by a quarter of the relay route (players in one region, the server in a
 *   data centre of a neighbouring one). The real-browser bench (bench:e2e)
 *   measures the other end of the range: players on one machine, server far.
 * - Jitter and spikes: queueing happens mostly in the access networks, which
 *   the direct route shares with the relay: its delay adds the up link's
 *   jitter and the down link's, and either link's spike. `queues: "shared"`
 *   (the default) takes them from the very draws the relay's legs make for the
 *   same hit (relayHits' streams): both copies of a hit meet the same queues,
 *   so first-copy-wins gains nothing from two independent tails — only the
 *   shorter route and the absence of retransmissions. `"independent"` draws
 *   them afresh: the optimistic case where the queues are in the core.
 * - Loss: the same share of lost packets as the two legs together
 *   (1 − (1 − p_up)(1 − p_down)), but in episodes (a queue overflowing, a
 *   Wi-Fi fade): loss episodes of mean `meanBurstMs`, and every packet sent
 *   during one is lost. Time-based bursts are what makes redundancy work or
 *   fail: repeats sent a burst later survive, hits struck together do not.
 *   (The TCP model's losses are per message, each costing an RTO; a burst
 *   there would cost about one RTO too.)
 */
import { DirectSendWindow } from "../direct-packet";
import type { Rng } from "../rng";
import { sampleJitterMs, SIM_START_MS, SimLink, streamRng, type JitterModel, type LinkModel, type NetworkProfile } from "./network";

/** the direct route's base as a share of the relay legs' bases (see above) */
export const DIRECT_ROUTE_FRACTION = 0.75;
/** mean length of a loss episode on the datagram path */
export const LOSS_BURST_MS = 20;

export interface LossModel {
  /** long-run share of packets lost (the share of time spent in loss episodes) */
  lossProb: number;
  /** mean length of a loss episode (exponential) */
  meanBurstMs: number;
}

export interface DatagramRouteModel {
  /** base delay; route changes below are added to it */
  baseMs: number;
  /** independent one-sided jitter draws, summed (one per access link) */
  jitters: readonly JitterModel[];
  /** independent spike chances, each adding spikeMs × uniform(0.75, 1.25) */
  spikes: readonly { prob: number; ms: number }[];
  loss: LossModel;
  routeChanges: readonly { afterMs: number; deltaMs: number }[];
}

/** The direct route between the sender and the listener of `profile` (see the file comment). */
export function directRoute(profile: NetworkProfile, options: { fraction?: number; loss?: LossModel } = {}): DatagramRouteModel {
  const f = options.fraction ?? DIRECT_ROUTE_FRACTION;
  const legs: LinkModel[] = [profile.up, profile.down];
  return {
    baseMs: f * (profile.up.baseMs + profile.down.baseMs),
    jitters: legs.map((l) => l.jitter),
    spikes: legs.filter((l) => l.spikeProb > 0).map((l) => ({ prob: l.spikeProb, ms: l.spikeMs })),
    loss: options.loss ?? { lossProb: 1 - (1 - profile.up.lossProb) * (1 - profile.down.lossProb), meanBurstMs: LOSS_BURST_MS },
    routeChanges: legs.flatMap((l) => l.routeChanges.map((c) => ({ afterMs: c.afterMs, deltaMs: f * c.deltaMs }))),
  };
}

/**
 * Loss episodes in time: alternating good and bad spells, exponential, with
 * mean bad = meanBurstMs and mean good chosen so that bad time / all time = lossProb.
 * Packets must be asked about in time order.
 */
export class LossEpisodes {
  private bad: boolean;
  private untilMs: number;

  constructor(
    private readonly model: LossModel,
    private readonly rng: Rng,
    startMs: number,
  ) {
    if (!(model.lossProb >= 0 && model.lossProb < 1)) throw new RangeError(`lossProb must be within [0, 1), got: ${model.lossProb}`);
    if (!(model.meanBurstMs > 0)) throw new RangeError(`meanBurstMs must be > 0, got: ${model.meanBurstMs}`);
    this.bad = model.lossProb > 0 && rng() < model.lossProb;
    this.untilMs = startMs + this.spellMs();
  }

  private spellMs(): number {
    const p = this.model.lossProb;
    if (p === 0) return Infinity;
    const meanMs = this.bad ? this.model.meanBurstMs : (this.model.meanBurstMs * (1 - p)) / p;
    return -meanMs * Math.log(1 - this.rng());
  }

  lostAt(atMs: number): boolean {
    while (atMs >= this.untilMs) {
      this.bad = !this.bad;
      this.untilMs += this.spellMs();
    }
    return this.bad;
  }
}

/** One direction of a datagram route: each packet lost or delivered on its own. */
export class SimDatagramLink {
  private readonly loss: LossEpisodes;

  constructor(
    readonly model: DatagramRouteModel,
    private readonly rng: Rng,
    lossRng: Rng,
    readonly startMs: number = SIM_START_MS,
  ) {
    this.loss = new LossEpisodes(model.loss, lossRng, startMs);
  }

  baseAtMs(sentAtMs: number): number {
    let baseMs = this.model.baseMs;
    for (const c of this.model.routeChanges) if (sentAtMs - this.startMs >= c.afterMs) baseMs += c.deltaMs;
    return Math.max(0, baseMs);
  }

  /**
   * Send at true time `sentAtMs` (in time order); the true arrival, or null when
   * lost. Always draws the same values per packet, lost or not, so two runs that
   * differ only in what they send see the same delays.
   */
  send(sentAtMs: number, queueMs?: number): number | null {
    let delayMs = this.baseAtMs(sentAtMs);
    if (queueMs !== undefined) {
      // the queueing this packet meets, given (shared with the relay's legs)
      delayMs += queueMs;
    } else {
      for (const j of this.model.jitters) delayMs += sampleJitterMs(j, this.rng);
      for (const s of this.model.spikes) {
        const roll = this.rng();
        const size = this.rng();
        if (roll < s.prob) delayMs += s.ms * (0.75 + 0.5 * size);
      }
    }
    return this.loss.lostAt(sentAtMs) ? null : sentAtMs + delayMs;
  }
}

/** One copy of a hit delivered over the direct path. */
export interface DirectCopy {
  /** index of the hit in the strike list (its seq − 1) */
  index: number;
  strikeAtMs: number;
  arrivalAtMs: number;
  /** carried as a repeat in a later hit's packet */
  repeat: boolean;
}

/**
 * A stream of hits over the direct path: one packet per hit, sent at its
 * strike, carrying it and up to `redundancy` earlier ones (core/direct-packet.ts
 * DirectSendWindow: the app's sender). Returns every delivered copy (repeats
 * included) in sending order; lost packets deliver nothing.
 */
export function directHits(
  profile: NetworkProfile,
  seed: number,
  strikesAtMs: readonly number[],
  options: { redundancy?: number; route?: DatagramRouteModel; startMs?: number; queues?: "shared" | "independent" } = {},
): DirectCopy[] {
  const startMs = options.startMs ?? SIM_START_MS;
  const route = options.route ?? directRoute(profile);
  const link = new SimDatagramLink(route, streamRng(seed, "direct"), streamRng(seed, "direct-loss"), startMs);
  // relayHits' own streams: the k-th call draws what the relay's k-th hit met on each leg
  const shared =
    (options.queues ?? "shared") === "shared"
      ? { up: new SimLink(profile.up, streamRng(seed, "sender-up"), startMs), down: new SimLink(profile.down, streamRng(seed, "receiver-down"), startMs) }
      : null;
  const window = new DirectSendWindow(options.redundancy);
  const out: DirectCopy[] = [];
  strikesAtMs.forEach((strikeAtMs, index) => {
    const packet = window.hitsFor({ seq: index + 1, strikeAtMs, pad: "snare", velocity: 1 });
    const queueMs = shared ? shared.up.ownDelayParts(strikeAtMs).queueMs + shared.down.ownDelayParts(strikeAtMs).queueMs : undefined;
    const arrivalAtMs = link.send(strikeAtMs, queueMs);
    if (arrivalAtMs === null) return;
    packet.forEach((h, i) => out.push({ index: h.seq - 1, strikeAtMs: h.strikeAtMs, arrivalAtMs, repeat: i > 0 }));
  });
  return out;
}
