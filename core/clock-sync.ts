/**
 * NTP-style clock synchronisation against the server's clock (the room's
 * shared timeline), with drift (skew) estimation. Pure: the caller supplies
 * the four timestamps of each exchange; nothing here does I/O or reads a clock.
 *
 *   t0 client sends (local) → t1 server receives (shared)
 *   t2 server replies (shared) → t3 client receives (local)
 *
 * One exchange gives offset = ((t1 − t0) + (t2 − t3)) / 2, wrong by half the
 * difference of the two legs' queueing delays. Queueing only ever ADDS delay,
 * so instead of trusting the exchange with the smallest round trip we take the
 * smallest UP leg (t1 − t0) and the smallest DOWN leg (t3 − t2) separately over
 * the whole window (30 s): each floor is close to its leg's base delay even
 * when no single exchange was fast both ways. offset ≈ (upFloor − downFloor) / 2.
 * Drift (skew) tilts the legs; the skew that lifts both floors highest is
 * used once it is clearly there. Lone exchanges that straddled a route change
 * are not trusted, and a longer route restarts the window.
 *
 * Limit no method beats: a constant asymmetry between the two legs' BASE
 * delays is invisible to two-way exchanges; the error is then half of it.
 */
import { medianAbsoluteDeviation as mad, quantile } from "./stats";

export interface SyncExchange {
  t0Ms: number;
  t1Ms: number;
  t2Ms: number;
  t3Ms: number;
}

export interface SyncSample {
  /** local time at the middle of the exchange */
  atLocalMs: number;
  offsetMs: number;
  rttMs: number;
  /** t1 − t0: up-leg delay plus the offset */
  upMs: number;
  /** t3 − t2: down-leg delay minus the offset */
  downMs: number;
}

export function sampleFromExchange(e: SyncExchange): SyncSample {
  const upMs = e.t1Ms - e.t0Ms;
  const downMs = e.t3Ms - e.t2Ms;
  return {
    atLocalMs: (e.t0Ms + e.t3Ms) / 2,
    offsetMs: (upMs - downMs) / 2,
    rttMs: Math.max(0, upMs + downMs),
    upMs,
    downMs,
  };
}

export interface ClockSyncOptions {
  /** exchanges older than this (before the newest) are forgotten; bounds how long a route change misleads */
  windowMs?: number;
  /** hard cap on kept exchanges */
  maxSamples?: number;
  /** |skew| is clamped to this (quartz is within ±100 ppm; browsers' clocks within a few hundred) */
  maxSkewPpm?: number;
  /** no skew is used before the window's exchanges span this long */
  minSkewSpanMs?: number;
  /** a skew is used only when it lowers the legs' floors by this many times their noise */
  skewSignificance?: number;
  /** round trips this many times the typical queueing (MAD) below / above the rest mark a different route */
  isolationFactor?: number;
}

export interface ClockEstimate {
  /** shared − local at `atLocalMs` */
  offsetMs: number;
  /** d(offset)/d(local time), in parts per million */
  skewPpm: number;
  /** local time the estimate refers to (the newest exchange) */
  atLocalMs: number;
  /** smallest round trip in the window */
  rttMs: number;
  /** hard bound on |offset error| assuming nothing about asymmetry: half the best round trip */
  errorBoundMs: number;
  /**
   * Likely error: how loosely the two legs' floors are pinned (the gap above
   * each leg's minimum), plus the drift that can accumulate before the next
   * exchange. It does not (cannot) include a constant base-delay asymmetry.
   */
  errorEstimateMs: number;
  samples: number;
}

/** exchanges the leg statistics look at: ~10 s at the steady ping cadence */
const LEG_SAMPLES = 20;

/** One-way leg delays seen by clock sync (ms). */
export interface LegStats {
  upP50Ms: number;
  upP99Ms: number;
  downP50Ms: number;
  downP99Ms: number;
  samples: number;
}

/** The legs' floors for one trial skew. */
interface Floors {
  skew: number;
  /** min over the window of (up − skew·(t − ref)): the up base delay + the offset at ref */
  up: number;
  /** min over the window of (down + skew·(t − ref)): the down base delay − the offset at ref */
  down: number;
}

export class ClockSync {
  private readonly windowMs: number;
  private readonly maxSamples: number;
  private readonly maxSkew: number;
  private readonly minSkewSpanMs: number;
  private readonly skewSignificance: number;
  private readonly isolationFactor: number;
  private samples: SyncSample[] = [];
  private estimate: ClockEstimate | null = null;

  constructor(options: ClockSyncOptions = {}) {
    this.windowMs = options.windowMs ?? 30_000;
    this.maxSamples = options.maxSamples ?? 1024;
    this.maxSkew = (options.maxSkewPpm ?? 500) * 1e-6;
    this.minSkewSpanMs = options.minSkewSpanMs ?? 5_000;
    this.skewSignificance = options.skewSignificance ?? 3;
    this.isolationFactor = options.isolationFactor ?? 3;
    if (!(this.windowMs > 0)) throw new Error(`windowMs must be > 0, got: ${this.windowMs}`);
  }

  addExchange(e: SyncExchange): ClockEstimate {
    return this.addSample(sampleFromExchange(e));
  }

  addSample(sample: SyncSample): ClockEstimate {
    for (const v of [sample.atLocalMs, sample.offsetMs, sample.rttMs, sample.upMs, sample.downMs]) {
      if (!Number.isFinite(v)) throw new Error(`Sync sample must be finite, got: ${JSON.stringify(sample)}`);
    }
    this.samples.push(sample);
    const newest = sample.atLocalMs;
    while (this.samples.length > this.maxSamples || (this.samples[0] && newest - this.samples[0].atLocalMs > this.windowMs)) {
      this.samples.shift();
    }
    this.dropOldRoute();
    this.estimate = this.recompute(newest);
    return this.estimate;
  }

  /**
   * A longer route: the newest exchanges have ALL been far slower than the
   * window's best for a while. Floors from the old route are still right for
   * a symmetric step, but as they leave the window one by one the last few
   * (with their jitter) set the floors alone (route change: 6.7 ms errors at
   * expiry). So restart the window on the new route, without the exchange
   * that may have gone out on the old route and come back on the new one.
   * ≥ 12 exchanges over ≥ 4 s, each slower than the old best by 3× the old
   * spread (MAD): spikes (bad Wi-Fi, 5% per message) do not hit that many in
   * a row, and a TCP stall delays 2–3 exchanges.
   */
  private dropOldRoute(): void {
    const RUN = 12;
    const n = this.samples.length;
    if (n <= RUN + 3) return;
    const older = this.samples.slice(0, n - RUN).map((s) => s.rttMs);
    const slowerThanMs = Math.min(...older) + Math.max(2, this.isolationFactor * mad(older));
    let k = 0;
    while (k < n && this.samples[n - 1 - k]!.rttMs > slowerThanMs) k++;
    if (k < RUN || k === n) return;
    if (this.samples[n - 1]!.atLocalMs - this.samples[n - k]!.atLocalMs < 4_000) return;
    this.samples = this.samples.slice(n - k + 1);
  }

  /**
   * The window without its lone fastest exchanges: one whose round trip is far
   * below every other's is not luck (queueing cannot be that much lower than
   * in all the rest) but an exchange that straddled a route change, out on one
   * route and back on the other. Its legs' bases differ by the step, so taking
   * a floor from it is off by half the step (route change: 12–15 ms for a ping
   * period without this; see docs/benchmarks/timing.md). A new, shorter route
   * is used once four exchanges agree on it: floors from only two exchanges
   * still carry their jitter (route change: 1.8 ms), while the old route's
   * floors stay right for a symmetric step meanwhile.
   */
  private corroborated(): SyncSample[] {
    const n = this.samples.length;
    if (n < 4) return this.samples;
    const rtts = this.samples.map((s) => s.rttMs).sort((a, b) => a - b);
    // the spread of ordinary queueing (MAD: a lone outlier cannot move it much)
    const isolatedMs = Math.max(2, this.isolationFactor * mad(rtts));
    // the fastest exchange with at least CLUSTER − 1 others within isolatedMs above it
    const CLUSTER = 4;
    let k = 0;
    for (; k < n - CLUSTER; k++) {
      if (rtts[k + CLUSTER - 1]! - rtts[k]! <= isolatedMs) break;
    }
    if (k === 0) return this.samples;
    const cut = rtts[k]!;
    return this.samples.filter((s) => s.rttMs >= cut);
  }

  private floors(used: readonly SyncSample[], refMs: number, skew: number): Floors {
    let up = Infinity;
    let down = Infinity;
    for (const s of used) {
      const drift = skew * (s.atLocalMs - refMs);
      up = Math.min(up, s.upMs - drift);
      down = Math.min(down, s.downMs + drift);
    }
    return { skew, up, down };
  }

  /** The gap between the smallest and the third smallest de-trended value of each leg: how loosely the floors are pinned. */
  private floorGapMs(used: readonly SyncSample[], refMs: number, skew: number): number {
    const ups: number[] = [];
    const downs: number[] = [];
    for (const s of used) {
      const drift = skew * (s.atLocalMs - refMs);
      ups.push(s.upMs - drift);
      downs.push(s.downMs + drift);
    }
    const gap = (xs: number[]) => {
      xs.sort((a, b) => a - b);
      return xs[Math.min(2, xs.length - 1)]! - xs[0]!;
    };
    return gap(ups) + gap(downs);
  }

  /**
   * Skew (drift) as the slope that lifts the two legs' floors highest.
   * Queueing only adds delay, so each leg's lowest points lie on a line
   * whose slope is ±the drift; tilted by a wrong skew, one end of the window
   * dips and the floor (min of up − skew·t, resp. down + skew·t) drops.
   * up-floor + down-floor is concave in the skew, so a ternary search finds its
   * maximum. It uses the fastest exchanges of the whole window, so it is far
   * less noisy than a line through per-bucket offsets (continental: bucket
   * fits gave |skew| p95 110 ppm without any drift), and spikes, which only
   * add delay, cannot tilt it (bad Wi-Fi: a bucket fit pinned at +1000 ppm).
   */
  private bestFloors(used: readonly SyncSample[], refMs: number): Floors {
    let lo = -this.maxSkew;
    let hi = this.maxSkew;
    const value = (f: Floors) => f.up + f.down;
    for (let i = 0; i < 60 && hi - lo > 1e-8; i++) {
      const m1 = lo + (hi - lo) / 3;
      const m2 = hi - (hi - lo) / 3;
      if (value(this.floors(used, refMs, m1)) < value(this.floors(used, refMs, m2))) lo = m1;
      else hi = m2;
    }
    return this.floors(used, refMs, (lo + hi) / 2);
  }

  private recompute(refMs: number): ClockEstimate {
    const used = this.corroborated();
    const flat = this.floors(used, refMs, 0);
    let chosen = flat;
    let first = Infinity;
    let rttMs = Infinity;
    for (const s of used) {
      first = Math.min(first, s.atLocalMs);
      rttMs = Math.min(rttMs, s.rttMs);
    }
    let gapMs = this.floorGapMs(used, refMs, 0);
    // Without drift a fitted skew is pure noise, and a slope error δ moves the offset by up to
    // δ·window (20 ppm over 30 s = 0.6 ms; the old bucket fit read |skew| p95 110 ppm with no
    // drift at all): assume none until the window spans minSkewSpanMs and the tilt lifts the
    // floors by more than skewSignificance × their own noise. 200 ppm lifts them by 1 ms within
    // 5 s (drifting clock), a spurious tilt by a fraction of the gap (docs/benchmarks/timing.md).
    if (refMs - first >= this.minSkewSpanMs) {
      const tilted = this.bestFloors(used, refMs);
      const liftMs = tilted.up + tilted.down - (flat.up + flat.down);
      // the floors' noise is measured on the tilted legs: untilted, a real drift inflates it
      const tiltedGapMs = this.floorGapMs(used, refMs, tilted.skew);
      if (liftMs > this.skewSignificance * Math.max(tiltedGapMs, 0.05)) {
        chosen = tilted;
        gapMs = tiltedGapMs;
      }
    }
    const skew = chosen.skew;
    // Offset: each leg's floor over the WHOLE window, not per time bucket. With asymmetric jitter
    // a bucket of ~4 exchanges leaves the noisier leg's minimum ~1.8 ms above its base
    // (continental: +0.6 ms offset bias); over the window's ~60 exchanges it is ~0.1 ms.
    const offsetMs = (chosen.up - chosen.down) / 2;
    return {
      offsetMs,
      skewPpm: skew * 1e6,
      atLocalMs: refMs,
      rttMs,
      errorBoundMs: rttMs / 2,
      errorEstimateMs: gapMs / 2 + Math.abs(skew) * 2_000,
      samples: this.samples.length,
    };
  }

  get current(): ClockEstimate | null {
    return this.estimate;
  }

  get synced(): boolean {
    return this.estimate !== null;
  }

  /**
   * The one-way legs of the window's exchanges, with the current offset taken
   * out: up = t1 − shared(t0), down = shared(t3) − t2. Their median and 99th
   * percentile (core/stats.ts: near the maximum while there are few) predict what a hit
   * will take before any hit has been seen (the playout's prior). A constant
   * base-delay asymmetry moves delay from one leg to the other but not their sum.
   */
  legs(): LegStats | null {
    if (!this.estimate || this.samples.length === 0) return null;
    const up: number[] = [];
    const down: number[] = [];
    // The newest LEG_SAMPLES only: the join burst (20 pings in the first second, while the page is
    // still loading) leaves them within ~10 s instead of weighing on the tail for the whole window.
    for (const s of this.samples.slice(-LEG_SAMPLES)) {
      const off = this.offsetAt(s.atLocalMs);
      up.push(Math.max(0, s.upMs - off));
      down.push(Math.max(0, s.downMs + off));
    }
    up.sort((a, b) => a - b);
    down.sort((a, b) => a - b);
    const q = quantile; // the one definition (core/stats.ts)
    // With a few dozen exchanges the 99th percentile is nearly the maximum, and the slowest exchanges are
    // often the join burst's, answered while the page was still loading (a loopback e2e run saw
    // legs of 30+ ms at a 1 ms link). Capped at p50 + 4 × (p90 − p50) + 1 ms: above a Gaussian
    // jitter's p99.9, below such one-off stalls.
    const high = (xs: number[]) => Math.min(q(xs, 0.99), q(xs, 0.5) + 4 * (q(xs, 0.9) - q(xs, 0.5)) + 1);
    return { upP50Ms: q(up, 0.5), upP99Ms: high(up), downP50Ms: q(down, 0.5), downP99Ms: high(down), samples: up.length };
  }

  /** shared − local at a local time, extrapolated along the fitted drift */
  offsetAt(localMs: number): number {
    const e = this.estimate;
    if (!e) return 0;
    return e.offsetMs + (e.skewPpm * 1e-6) * (localMs - e.atLocalMs);
  }

  toShared(localMs: number): number {
    return localMs + this.offsetAt(localMs);
  }

  toLocal(sharedMs: number): number {
    // Solve shared = local + offsetAt(local); one fixed-point step is exact to ~skew² (negligible).
    const guess = sharedMs - this.offsetAt(sharedMs - (this.estimate?.offsetMs ?? 0));
    return sharedMs - this.offsetAt(guess);
  }
}

/** Ping cadence: a burst on join for fast convergence, then a low-rate re-sync (a ping is ~60 bytes). */
export function nextPingDelayMs(samplesSoFar: number): number {
  const BURST = 20;
  if (samplesSoFar < BURST) return 50;
  return 500;
}
