/**
 * The pure scheduling part of a simulated network link (used by the delaying
 * proxy in bench/delay-proxy.ts). No I/O and no clock: the caller supplies
 * arrival times and gets back delivery times.
 *
 * Each chunk gets its own delay, base + jitter, but a link is a byte stream
 * (TCP), so a chunk can never overtake the one sent before it: its delivery
 * time is max(its own due time, the previous chunk's delivery time). Jitter
 * therefore shows up as bunching ("head-of-line blocking"), exactly like a
 * real TCP connection over a jittery path, instead of as reordering.
 *
 * Jitter distribution: a normal with sd = jitterMs / 2, clipped at ±jitterMs
 * (so ~95 % of chunks fall inside ±jitterMs before clipping, and nothing lies
 * outside it). A normal rather than a uniform because real queueing jitter
 * clusters around its mean; the clip keeps "30 ± 10 ms" a hard bound, which
 * makes the proxy's behaviour easy to state and to test. A negative total
 * (base < jitter) is clamped to 0: a link cannot deliver before arrival.
 */
import { gaussian, seededRng, type Rng } from "../rng";

export interface DelaySpec {
  /** mean one-way delay added to every chunk */
  baseMs: number;
  /** bound of the jitter around baseMs (normal, sd = jitterMs / 2, clipped at ±jitterMs) */
  jitterMs: number;
}

export function assertDelaySpec(spec: DelaySpec, label = "delay"): void {
  if (!Number.isFinite(spec.baseMs) || spec.baseMs < 0) {
    throw new RangeError(`${label}.baseMs must be a finite number ≥ 0, got: ${spec.baseMs}`);
  }
  if (!Number.isFinite(spec.jitterMs) || spec.jitterMs < 0) {
    throw new RangeError(`${label}.jitterMs must be a finite number ≥ 0, got: ${spec.jitterMs}`);
  }
}

/** One chunk's own delay (before order preservation): base + clipped normal jitter, ≥ 0. */
export function sampleDelayMs(spec: DelaySpec, rng: Rng): number {
  if (spec.jitterMs === 0) return spec.baseMs;
  const j = Math.max(-spec.jitterMs, Math.min(spec.jitterMs, (gaussian(rng) * spec.jitterMs) / 2));
  return Math.max(0, spec.baseMs + j);
}

export interface Delivery {
  /** when the chunk arrived at the link */
  arrivalMs: number;
  /** arrival + its own sampled delay */
  dueMs: number;
  /** when it is handed on: max(due, previous delivery) */
  deliverAtMs: number;
}

/**
 * One direction of one connection. Feed it arrival times in the order chunks
 * arrived (non-decreasing); it returns non-decreasing delivery times.
 */
export class DelayLine {
  private lastDeliverAtMs = -Infinity;
  private lastArrivalMs = -Infinity;

  constructor(
    private readonly spec: DelaySpec,
    private readonly rng: Rng,
  ) {
    assertDelaySpec(spec);
  }

  schedule(arrivalMs: number): Delivery {
    if (!Number.isFinite(arrivalMs)) throw new RangeError(`arrivalMs must be finite, got: ${arrivalMs}`);
    // A caller's clock can't run backwards between two chunks of one stream;
    // if it seems to, treat the chunk as arriving with the previous one.
    const a = Math.max(arrivalMs, this.lastArrivalMs);
    this.lastArrivalMs = a;
    const dueMs = a + sampleDelayMs(this.spec, this.rng);
    const deliverAtMs = Math.max(dueMs, this.lastDeliverAtMs);
    this.lastDeliverAtMs = deliverAtMs;
    return { arrivalMs: a, dueMs, deliverAtMs };
  }
}

/** Convenience for tests and simulations: the deliveries of a whole arrival sequence. */
export function scheduleDeliveries(arrivalsMs: readonly number[], spec: DelaySpec, seed: number): Delivery[] {
  const line = new DelayLine(spec, seededRng(seed));
  return arrivalsMs.map((a) => line.schedule(a));
}

/**
 * A child seed for (connection, direction, …) from a run's seed, so every
 * connection gets its own independent but repeatable jitter stream.
 * (An integer hash — murmur3's finaliser — so nearby inputs give unrelated seeds.)
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = seed >>> 0;
  for (const p of [...parts, parts.length]) {
    h = Math.imul(h ^ (p >>> 0), 0x9e3779b1) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
  }
  return h >>> 0;
}
