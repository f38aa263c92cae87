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
 * smallest UP leg (t1 − t0) and the smallest DOWN leg (t3 − t2) separately
 * within short time buckets: each minimum is close to its leg's base delay even
 * when no single exchange was fast both ways. offset ≈ (minUp − minDown) / 2.
 * A weighted line through the buckets' offsets gives the skew (clock drift),
 * and old buckets fall out of the window, so a changed route is followed.
 *
 * Limit no method beats: a constant asymmetry between the two legs' BASE
 * delays is invisible to two-way exchanges; the error is then half of it.
 */

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
  /** time buckets in which the per-leg minima are taken */
  bucketMs?: number;
  /** hard cap on kept exchanges */
  maxSamples?: number;
  /** |skew| is clamped to this (quartz is within ±100 ppm; browsers' clocks within a few hundred) */
  maxSkewPpm?: number;
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
   * Likely error: the spread of the bucket offsets around the fitted line,
   * plus the drift that can accumulate before the next exchange. It does not
   * (cannot) include a constant base-delay asymmetry.
   */
  errorEstimateMs: number;
  samples: number;
}

interface Bucket {
  atLocalMs: number;
  offsetMs: number;
  weight: number;
  minRttMs: number;
}

export class ClockSync {
  private readonly windowMs: number;
  private readonly bucketMs: number;
  private readonly maxSamples: number;
  private readonly maxSkew: number;
  private samples: SyncSample[] = [];
  private estimate: ClockEstimate | null = null;

  constructor(options: ClockSyncOptions = {}) {
    this.windowMs = options.windowMs ?? 30_000;
    this.bucketMs = options.bucketMs ?? 2_000;
    this.maxSamples = options.maxSamples ?? 1024;
    this.maxSkew = (options.maxSkewPpm ?? 1000) * 1e-6;
    if (!(this.bucketMs > 0) || !(this.windowMs >= this.bucketMs)) {
      throw new Error(`Need 0 < bucketMs ≤ windowMs, got: ${this.bucketMs}, ${this.windowMs}`);
    }
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
    this.estimate = this.recompute(newest);
    return this.estimate;
  }

  private buckets(refMs: number, skew: number): Bucket[] {
    const map = new Map<number, { up: number; down: number; at: number; n: number; minRtt: number }>();
    for (const s of this.samples) {
      const k = Math.floor((refMs - s.atLocalMs) / this.bucketMs);
      // Remove the drift inside the bucket so the minima are taken on a flat line.
      const drift = skew * (s.atLocalMs - refMs);
      const up = s.upMs - drift;
      const down = s.downMs + drift;
      const b = map.get(k);
      if (!b) map.set(k, { up, down, at: s.atLocalMs, n: 1, minRtt: s.rttMs });
      else {
        b.up = Math.min(b.up, up);
        b.down = Math.min(b.down, down);
        b.at += s.atLocalMs;
        b.n++;
        b.minRtt = Math.min(b.minRtt, s.rttMs);
      }
    }
    return [...map.values()].map((b) => {
      const atLocalMs = b.at / b.n;
      return {
        atLocalMs,
        // put the drift back at the bucket's own time
        offsetMs: (b.up - b.down) / 2 + skew * (atLocalMs - refMs),
        // more exchanges → minima closer to the base delay; cap so one burst does not dominate forever
        weight: Math.min(b.n, 8),
        minRttMs: b.minRtt,
      };
    });
  }

  private fit(buckets: Bucket[], refMs: number): { offsetMs: number; skew: number; residualMs: number } {
    let w = 0;
    let mt = 0;
    let mo = 0;
    for (const b of buckets) {
      w += b.weight;
      mt += b.weight * (b.atLocalMs - refMs);
      mo += b.weight * b.offsetMs;
    }
    mt /= w;
    mo /= w;
    let stt = 0;
    let sto = 0;
    for (const b of buckets) {
      const dt = b.atLocalMs - refMs - mt;
      stt += b.weight * dt * dt;
      sto += b.weight * dt * (b.offsetMs - mo);
    }
    const spanMs = Math.max(...buckets.map((b) => b.atLocalMs)) - Math.min(...buckets.map((b) => b.atLocalMs));
    // Skew needs a few buckets spread over time; before that assume none.
    let skew = buckets.length >= 3 && spanMs >= 2 * this.bucketMs && stt > 0 ? sto / stt : 0;
    skew = Math.max(-this.maxSkew, Math.min(this.maxSkew, skew));
    const offsetMs = mo + skew * (0 - mt); // value of the line at refMs
    let r2 = 0;
    for (const b of buckets) {
      const pred = offsetMs + skew * (b.atLocalMs - refMs);
      r2 += b.weight * (b.offsetMs - pred) ** 2;
    }
    return { offsetMs, skew, residualMs: Math.sqrt(r2 / w) };
  }

  private recompute(refMs: number): ClockEstimate {
    // Two passes: a first skew from raw minima, then minima taken on the de-trended legs.
    const first = this.fit(this.buckets(refMs, 0), refMs);
    const buckets = this.buckets(refMs, first.skew);
    const { offsetMs, skew, residualMs } = this.fit(buckets, refMs);
    const rttMs = Math.min(...this.samples.map((s) => s.rttMs));
    return {
      offsetMs,
      skewPpm: skew * 1e6,
      atLocalMs: refMs,
      rttMs,
      errorBoundMs: rttMs / 2,
      errorEstimateMs: residualMs / Math.sqrt(buckets.length) + Math.abs(skew) * 2_000,
      samples: this.samples.length,
    };
  }

  get current(): ClockEstimate | null {
    return this.estimate;
  }

  get synced(): boolean {
    return this.estimate !== null;
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
