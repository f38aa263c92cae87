/**
 * A deterministic network + clock simulator in virtual time, for unit tests and
 * bench/timing.ts. Pure: no timers, no I/O, no Math.random — every random draw
 * comes from a seeded stream, so a (profile, seed) pair always yields the same
 * trace.
 *
 * What it models, and why:
 * - One-way delay = base + queueing jitter (+ spike) (+ TCP retransmissions).
 *   Queueing jitter is one-sided (a queue only ever adds delay) and heavy-tailed:
 *   a Lomax (Pareto II) distribution has most of its mass near 0 (the queue is
 *   often empty, which is what lets a min-RTT filter find the true base) and a
 *   polynomial tail (what breaks a jitter buffer that settles too low).
 * - Spikes (a Wi-Fi stall, a burst of cross traffic): with some probability a
 *   message gets a large extra delay.
 * - Loss: Socket.IO runs over TCP, so a lost segment is not lost but resent
 *   after the retransmission timeout (≥ 200 ms on Linux), doubling per repeat.
 * - Head-of-line blocking: TCP delivers a direction's bytes in order, so a
 *   message is delivered no earlier than the one sent before it on the same
 *   link: delivery = max(own, previous delivery). Spikes and retransmissions
 *   therefore show up as bursts of late arrivals, not as reordering.
 * - Route changes: a step in base delay at a given time after the start.
 * - Clocks: the server's clock IS true time (the room's shared clock); a
 *   client's local clock has an offset and a drift (ppm) against it.
 *
 * "M±J ms" for a link means: median one-way delay M, and J is half the spread
 * between the 5th and 95th percentiles of the one-way delay (see `link`).
 */
import type { SyncExchange } from "../clock-sync";
import { gaussian, seededRng, type Rng } from "../rng";

/** Virtual true time at which simulations start by default (a Unix-epoch-like shared clock). */
export const SIM_START_MS = 1_700_000_000_000;

export type JitterModel =
  /** Pareto II: P(X > x) = (1 + x/scale)^−shape; mode at 0, polynomial tail */
  | { kind: "lomax"; scaleMs: number; shape: number }
  /** lognormal: median · e^(sigma·N(0,1)); never near 0, so it hides a floor from filters */
  | { kind: "lognormal"; medianMs: number; sigma: number }
  | { kind: "none" };

export interface RouteChange {
  /** when the new route takes effect, ms after the link's start */
  afterMs: number;
  /** step added to the base delay from then on (cumulative with earlier steps) */
  deltaMs: number;
}

export interface LinkModel {
  /** fixed propagation + serialisation delay */
  baseMs: number;
  jitter: JitterModel;
  /** probability that a message suffers a spike */
  spikeProb: number;
  /** typical spike size; each spike is this × uniform(0.75, 1.25) */
  spikeMs: number;
  /** probability that a transmission is lost and must be resent */
  lossProb: number;
  /** TCP retransmission timeout for the first resend (doubles per further loss) */
  rtoMs: number;
  routeChanges: readonly RouteChange[];
  /** documented intent, used by reports and tests: the median one-way delay before route changes */
  nominalMedianMs: number;
}

export interface ClockModel {
  /** shared − local at the start of the simulation */
  offsetMs: number;
  /** positive: the local clock runs fast (gains driftPpm µs per second) */
  driftPpm: number;
}

export interface NetworkProfile {
  name: string;
  description: string;
  /** client → server */
  up: LinkModel;
  /** server → client */
  down: LinkModel;
  clock: ClockModel;
  /** server time between receiving a message and sending the reply/relay */
  serverProcessingMs: { minMs: number; maxMs: number };
}

// ---------------------------------------------------------------- randomness

/**
 * An independent seeded stream per (seed, purpose): the up link, the down link
 * and the server each draw from their own, so the k-th message on a link gets
 * the same random delay whatever the other links did or when it was sent —
 * two methods fed with the same seed see the same network.
 */
export function streamRng(seed: number, stream: string): Rng {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  for (let i = 0; i < stream.length; i++) {
    h = Math.imul(h ^ stream.charCodeAt(i), 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
  }
  return seededRng(h);
}

/** Quantile p of a unit-scale Lomax with the given shape. */
export function lomaxQuantile(p: number, shape: number): number {
  return Math.pow(1 - p, -1 / shape) - 1;
}

/** One-sided queueing jitter, ≥ 0. */
export function sampleJitterMs(j: JitterModel, rng: Rng): number {
  switch (j.kind) {
    case "none":
      return 0;
    case "lomax": {
      const u = 1 - rng(); // (0, 1], so the power never divides by zero
      return j.scaleMs * (Math.pow(u, -1 / j.shape) - 1);
    }
    case "lognormal":
      return j.medianMs * Math.exp(j.sigma * gaussian(rng));
  }
}

/** The shape used by the named profiles: finite variance, still a clearly heavy tail. */
export const DEFAULT_LOMAX_SHAPE = 4;

export interface LinkOptions {
  spikeProb?: number;
  spikeMs?: number;
  lossProb?: number;
  rtoMs?: number;
  routeChanges?: readonly RouteChange[];
  /** force this base delay (e.g. to keep both directions' bases equal while their jitters differ) */
  baseMs?: number;
}

/**
 * A link whose one-way delay (jitter only, no spikes) has median `medianMs`
 * and a 5th–95th percentile spread of 2·`jitterMs`, with Lomax jitter.
 * When `baseMs` is forced, the median becomes baseMs + the jitter's median.
 */
export function link(medianMs: number, jitterMs: number, options: LinkOptions = {}): LinkModel {
  const shape = DEFAULT_LOMAX_SHAPE;
  const scaleMs = (2 * jitterMs) / (lomaxQuantile(0.95, shape) - lomaxQuantile(0.05, shape));
  const jitterMedianMs = scaleMs * lomaxQuantile(0.5, shape);
  const baseMs = options.baseMs ?? medianMs - jitterMedianMs;
  if (baseMs < 0) throw new RangeError(`link ${medianMs}±${jitterMs} ms: base delay would be negative`);
  return {
    baseMs,
    jitter: jitterMs > 0 ? { kind: "lomax", scaleMs, shape } : { kind: "none" },
    spikeProb: options.spikeProb ?? 0,
    spikeMs: options.spikeMs ?? 0,
    lossProb: options.lossProb ?? 0,
    // Linux's minimum RTO is 200 ms; paths with a long round trip get more.
    rtoMs: options.rtoMs ?? 200,
    routeChanges: options.routeChanges ?? [],
    nominalMedianMs: baseMs + jitterMedianMs,
  };
}

// ---------------------------------------------------------------- links

/**
 * One direction of one TCP connection. Messages must be sent in time order;
 * deliveries come out in the same order (head-of-line blocking).
 */
export class SimLink {
  private lastSentAtMs = -Infinity;
  private lastDeliveredAtMs = -Infinity;

  constructor(
    readonly model: LinkModel,
    private readonly rng: Rng,
    /** true time the route changes are counted from */
    readonly startMs: number = SIM_START_MS,
  ) {}

  /** Base delay in force for a message sent at `sentAtMs` (route changes applied). */
  baseAtMs(sentAtMs: number): number {
    let baseMs = this.model.baseMs;
    for (const c of this.model.routeChanges) if (sentAtMs - this.startMs >= c.afterMs) baseMs += c.deltaMs;
    return Math.max(0, baseMs);
  }

  /**
   * The message's own delay, before order preservation. Always draws the same
   * number of values in the same order for the no-loss case, so traces line up
   * between runs that send at different times.
   */
  ownDelayMs(sentAtMs: number): number {
    return this.ownDelayParts(sentAtMs).delayMs;
  }

  /**
   * The same, with its queueing part (jitter + spike, no base, no
   * retransmission) apart: core/sim/datagram.ts lets a direct route share a
   * hit's access-network queueing with the relay's legs.
   */
  ownDelayParts(sentAtMs: number): { delayMs: number; queueMs: number } {
    const m = this.model;
    const spikeRoll = this.rng();
    const spikeSize = this.rng();
    const jitterMs = sampleJitterMs(m.jitter, this.rng);
    let delayMs = this.baseAtMs(sentAtMs) + jitterMs;
    let queueMs = jitterMs;
    if (spikeRoll < m.spikeProb) {
      const spikeMs = m.spikeMs * (0.75 + 0.5 * spikeSize);
      delayMs += spikeMs;
      queueMs += spikeMs;
    }
    // Each loss costs one RTO before the resend, and the RTO doubles (exponential backoff).
    let rtoMs = m.rtoMs;
    while (m.lossProb > 0 && this.rng() < m.lossProb) {
      delayMs += rtoMs;
      rtoMs *= 2;
    }
    return { delayMs, queueMs };
  }

  /** Send at true time `sentAtMs`; returns the true delivery time. */
  send(sentAtMs: number): number {
    if (sentAtMs < this.lastSentAtMs) {
      throw new RangeError(`SimLink.send out of order: ${sentAtMs} after ${this.lastSentAtMs}`);
    }
    this.lastSentAtMs = sentAtMs;
    const deliveredAtMs = Math.max(sentAtMs + this.ownDelayMs(sentAtMs), this.lastDeliveredAtMs);
    this.lastDeliveredAtMs = deliveredAtMs;
    return deliveredAtMs;
  }
}

// ---------------------------------------------------------------- clocks

/**
 * A client's local clock (performance.now()) against true/shared time:
 * local(t) = (t − ref)·(1 + drift) + (ref − offset), so shared − local = offset
 * at the reference time and changes by −drift·elapsed afterwards.
 */
export class SimClock {
  private readonly rate: number;
  private readonly localAtRefMs: number;

  constructor(
    readonly model: ClockModel,
    readonly refTrueMs: number = SIM_START_MS,
  ) {
    this.rate = 1 + model.driftPpm * 1e-6;
    this.localAtRefMs = refTrueMs - model.offsetMs;
  }

  localAt(trueMs: number): number {
    return (trueMs - this.refTrueMs) * this.rate + this.localAtRefMs;
  }

  trueAt(localMs: number): number {
    return (localMs - this.localAtRefMs) / this.rate + this.refTrueMs;
  }

  /** The true offset (shared − local) at true time `trueMs`. */
  offsetAt(trueMs: number): number {
    return trueMs - this.localAt(trueMs);
  }
}

/** The server's clock is the shared clock, i.e. true time itself. */
export class ServerClock {
  nowAt(trueMs: number): number {
    return trueMs;
  }
}

// ---------------------------------------------------------------- exchanges

export interface SimExchange extends SyncExchange {
  /** true time the ping left the client */
  sentAtMs: number;
  /** true time the reply reached the client (t3 in true time) */
  completesAtMs: number;
}

/** One client's connection to the server: its clock, its two links and the server's timing. */
export class SimConnection {
  readonly clock: SimClock;
  readonly up: SimLink;
  readonly down: SimLink;
  private readonly serverRng: Rng;
  private readonly server = new ServerClock();
  private lastRepliedAtMs = -Infinity;

  constructor(
    readonly profile: NetworkProfile,
    seed: number,
    readonly startMs: number = SIM_START_MS,
  ) {
    this.clock = new SimClock(profile.clock, startMs);
    this.up = new SimLink(profile.up, streamRng(seed, "up"), startMs);
    this.down = new SimLink(profile.down, streamRng(seed, "down"), startMs);
    this.serverRng = streamRng(seed, "server");
  }

  private processingMs(): number {
    const p = this.profile.serverProcessingMs;
    return p.minMs + (p.maxMs - p.minMs) * this.serverRng();
  }

  /**
   * An NTP-style exchange started at true time `sentAtMs`: t0/t3 on the
   * client's local clock, t1/t2 on the server's (shared) clock.
   */
  exchange(sentAtMs: number): SimExchange {
    const t1Ms = this.server.nowAt(this.up.send(sentAtMs));
    // The server handles one connection's messages in order, so replies leave in order too.
    const t2Ms = Math.max(t1Ms + this.processingMs(), this.lastRepliedAtMs);
    this.lastRepliedAtMs = t2Ms;
    const completesAtMs = this.down.send(t2Ms);
    return {
      t0Ms: this.clock.localAt(sentAtMs),
      t1Ms,
      t2Ms,
      t3Ms: this.clock.localAt(completesAtMs),
      sentAtMs,
      completesAtMs,
    };
  }
}

// ---------------------------------------------------------------- hit relay

export interface HitDelivery {
  strikeAtMs: number;
  /** true time the relayed hit reached the server */
  atServerMs: number;
  /**
   * True (shared) time the hit reached the receiver. Playout works on shared
   * time, so the receiver's clock-sync error is a separate term a caller can add.
   */
  arrivalAtMs: number;
}

/**
 * A stream of hits from a sender through the server's relay to a receiver:
 * sender's up link, server processing, receiver's down link. Each hit is sent
 * at its strike time (strikes must be in time order).
 */
export function relayHits(
  profile: NetworkProfile,
  seed: number,
  strikesAtMs: readonly number[],
  startMs: number = SIM_START_MS,
): HitDelivery[] {
  const senderUp = new SimLink(profile.up, streamRng(seed, "sender-up"), startMs);
  const receiverDown = new SimLink(profile.down, streamRng(seed, "receiver-down"), startMs);
  const serverRng = streamRng(seed, "relay");
  const p = profile.serverProcessingMs;
  let lastRelayedAtMs = -Infinity;
  return strikesAtMs.map((strikeAtMs) => {
    const atServerMs = senderUp.send(strikeAtMs);
    // relayed in the order received, like the single-threaded server does
    const relayedAtMs = Math.max(atServerMs + p.minMs + (p.maxMs - p.minMs) * serverRng(), lastRelayedAtMs);
    lastRelayedAtMs = relayedAtMs;
    return { strikeAtMs, atServerMs, arrivalAtMs: receiverDown.send(relayedAtMs) };
  });
}

// ---------------------------------------------------------------- profiles

/** The local clock (performance.now()) started ~12 s before the simulation; shared is epoch-like. */
const CLIENT_OFFSET_MS = SIM_START_MS - 12_345.678;
const PROCESSING = { minMs: 0.02, maxMs: 0.3 };
const steady = (driftPpm = 0): ClockModel => ({ offsetMs: CLIENT_OFFSET_MS, driftPpm });

const continentalUp = link(40, 15, { lossProb: 0.0005, rtoMs: 250 });

export const PROFILES = {
  lan: {
    name: "LAN",
    description: "2±0.5 ms each way, symmetric",
    up: link(2, 0.5),
    down: link(2, 0.5),
    clock: steady(),
    serverProcessingMs: PROCESSING,
  },
  metro: {
    name: "metro",
    description: "15±3 ms each way, symmetric, 0.05% loss",
    up: link(15, 3, { lossProb: 0.0005 }),
    down: link(15, 3, { lossProb: 0.0005 }),
    clock: steady(),
    serverProcessingMs: PROCESSING,
  },
  continental: {
    name: "continental",
    description:
      "40±15 ms up, same base but lighter queueing down (≈37±5): symmetric base, asymmetric jitter; 0.05% loss, RTO 250 ms",
    up: continentalUp,
    down: link(0, 5, { baseMs: continentalUp.baseMs, lossProb: 0.0005, rtoMs: 250 }),
    clock: steady(),
    serverProcessingMs: PROCESSING,
  },
  badWifi: {
    name: "bad Wi-Fi",
    description: "30±5 ms each way with 5% spikes of ~200 ms per message, 0.2% loss",
    up: link(30, 5, { spikeProb: 0.05, spikeMs: 200, lossProb: 0.002, rtoMs: 220 }),
    down: link(30, 5, { spikeProb: 0.05, spikeMs: 200, lossProb: 0.002, rtoMs: 220 }),
    clock: steady(),
    serverProcessingMs: PROCESSING,
  },
  drifting: {
    name: "drifting clock",
    description: "20±5 ms each way, symmetric; client clock +200 ppm (12 ms per minute)",
    up: link(20, 5),
    down: link(20, 5),
    clock: steady(200),
    serverProcessingMs: PROCESSING,
  },
  routeChange: {
    name: "route change",
    description: "20±4 ms each way; base +30 ms both ways at 40 s, back −30 ms at 80 s",
    up: link(20, 4, { routeChanges: [{ afterMs: 40_000, deltaMs: 30 }, { afterMs: 80_000, deltaMs: -30 }] }),
    down: link(20, 4, { routeChanges: [{ afterMs: 40_000, deltaMs: 30 }, { afterMs: 80_000, deltaMs: -30 }] }),
    clock: steady(),
    serverProcessingMs: PROCESSING,
  },
  asymmetricBase: {
    name: "asymmetric base",
    description: "base 30 ms up, 10 ms down, ±1 ms: the floor is (30 − 10)/2 = 10 ms of offset error for every method",
    up: link(30, 1),
    down: link(10, 1),
    clock: steady(),
    serverProcessingMs: PROCESSING,
  },
} satisfies Record<string, NetworkProfile>;

export type ProfileId = keyof typeof PROFILES;

export const PROFILE_IDS = Object.keys(PROFILES) as ProfileId[];

/**
 * The offset error no two-way exchange can remove: half the difference of the
 * base delays (a constant asymmetry looks exactly like a clock offset).
 */
export function asymmetryFloorMs(profile: NetworkProfile, atMs = 0): number {
  const base = (l: LinkModel) =>
    l.baseMs + l.routeChanges.filter((c) => atMs >= c.afterMs).reduce((s, c) => s + c.deltaMs, 0);
  return (base(profile.up) - base(profile.down)) / 2;
}
