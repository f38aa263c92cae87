/**
 * Per-address limits (rate-limiter-flexible): new connections, room creation,
 * room look-ups, joins, look-ups and joins of rooms that do not exist
 * ("misses"), and the recordings API, each a budget of points per fixed
 * window per client address (server/client-address.ts).
 *
 * Where the counts live decides who shares a budget:
 * - "memory": this process (one server, no REDIS_URL);
 * - "cluster": the primary of WORKERS > 1, so the workers of one machine share it;
 * - "redis": Redis (REDIS_URL), so every server shares it — N servers no longer
 *   give an address N times the budget. If Redis is away, each server falls
 *   back to its own memory (an insurance limiter) rather than refusing everyone.
 *
 * Room codes have 50 bits (core/room-code.ts): at the look-up budget, one
 * address needs ~36 million years to try them all (test: address-limits.test.ts).
 */
import {
  RateLimiterCluster,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";

/** `points` per `windowMs` (a fixed window starting at the first point); points: Infinity = no limit */
export interface Budget {
  points: number;
  /** whole seconds (Redis counts in seconds) */
  windowMs: number;
}

export interface AddressLimits {
  /** new Socket.IO connections (the handshake) */
  connect: Budget;
  /** connections one address may have open at once (counted by the server holding them) */
  maxOpen: number;
  /** after one of its sockets is disconnected for abuse, the address may not connect for this long (0: no pause) */
  abuseCooldownMs: number;
  /**
   * Refusals explained in the Socket.IO handshake (a `connect_error` a page can show),
   * counted per server; past them, refused before the WebSocket upgrade (costs next to nothing).
   */
  explain: Budget;
  /** POST /api/rooms */
  create: Budget;
  /** GET /api/rooms/<code> */
  lookup: Budget;
  /** socket `join` */
  join: Budget;
  /** look-ups and joins of rooms that do not exist: once spent, look-ups and joins are refused too */
  miss: Budget;
  /** /api/recordings/… (JSON, MIDI, rename, delete) */
  recordings: Budget;
}

export type BudgetName = "connect" | "explain" | "create" | "lookup" | "join" | "miss" | "recordings";
const BUDGETS: readonly BudgetName[] = ["connect", "explain", "create", "lookup", "join", "miss", "recordings"];
/** shared between servers (Redis) or workers (cluster); the others are about this server's own cost */
const LOCAL_ONLY: ReadonlySet<BudgetName> = new Set(["explain"]);

const MINUTE = 60_000;
export const DEFAULT_ADDRESS_LIMITS: AddressLimits = {
  // A room (8 players) and its spectators behind one NAT reconnecting together after a
  // rolling restart fit; a person reloading a page never sustains one a second.
  connect: { points: 60, windowMs: MINUTE },
  // A full room of players plus a few dozen spectators behind one NAT (a school, an office).
  maxOpen: 50,
  abuseCooldownMs: MINUTE,
  // An honest page retries every few seconds (app/lib/session.ts), so it is nearly always told why.
  explain: { points: 3, windowMs: 15_000 },
  // A class behind one NAT each starting a room.
  create: { points: 30, windowMs: 10 * MINUTE },
  // One per room page view (RoomClient). The scan target (≥ 10 years for the 50-bit code
  // space) is met by this budget alone; see address-limits.test.ts.
  lookup: { points: 60, windowMs: MINUTE },
  // A join per connection, and again per passcode tried.
  join: { points: 120, windowMs: MINUTE },
  // People mistype a code now and then; a scanner almost never hits. Also what keeps the
  // old 90,000-code space (links from before 50-bit codes) slow to scan: docs/architecture.md.
  miss: { points: 30, windowMs: 60 * MINUTE },
  // The replay page (JSON), downloads, renames.
  recordings: { points: 120, windowMs: MINUTE },
};

/**
 * No per-address limits in practice: for load tests and fuzzers whose many clients all
 * come from 127.0.0.1 (standing for many machines), and for IP_CONNECTION_LIMITS=off.
 */
const UNLIMITED: Budget = { points: Number.POSITIVE_INFINITY, windowMs: 1_000 };
export const LIFTED_ADDRESS_LIMITS: AddressLimits = {
  ...Object.fromEntries(BUDGETS.map((b) => [b, UNLIMITED])),
  maxOpen: Number.POSITIVE_INFINITY,
  abuseCooldownMs: 0,
} as AddressLimits;

export function validateAddressLimits(l: AddressLimits): void {
  for (const name of BUDGETS) {
    const b = l[name];
    if (!b || !(b.points >= 1) || (!Number.isInteger(b.points) && b.points !== Number.POSITIVE_INFINITY)) {
      throw new RangeError(`connections.${name}.points must be a whole number ≥ 1 (or Infinity), got: ${b?.points}`);
    }
    if (!(b.windowMs >= 1_000) || b.windowMs % 1_000 !== 0 || !Number.isFinite(b.windowMs)) {
      throw new RangeError(`connections.${name}.windowMs must be whole seconds ≥ 1000, got: ${b.windowMs}`);
    }
  }
  if (!(l.maxOpen >= 1)) throw new RangeError(`connections.maxOpen must be ≥ 1, got: ${l.maxOpen}`);
  if (!(l.abuseCooldownMs >= 0) || l.abuseCooldownMs % 1_000 !== 0 || !Number.isFinite(l.abuseCooldownMs)) {
    throw new RangeError(`connections.abuseCooldownMs must be whole seconds ≥ 0, got: ${l.abuseCooldownMs}`);
  }
}

/**
 * Where the counts live: see the top of this file. `redis` takes a connected node-redis (v4+)
 * client; its keys are `<namespace>:rl:<budget>:<address key>` (RATE_LIMIT_NAMESPACE).
 */
export type LimiterStore = { kind: "memory" } | { kind: "cluster" } | { kind: "redis"; client: unknown; namespace?: string };

export type Verdict = { ok: true } | { ok: false; retryAfterMs: number };
const ALLOWED: Verdict = Object.freeze({ ok: true });

/** the servers of one deployment share it (RATE_LIMIT_NAMESPACE) */
export const DEFAULT_LIMIT_NAMESPACE = "backbeat";
/** a worker's question to the primary (cluster) that takes longer than this is answered "allowed" */
const CLUSTER_TIMEOUT_MS = 1_000;
/** store failures are logged at most this often */
const ERROR_LOG_INTERVAL_MS = 60_000;

function makeLimiter(name: string, budget: Budget, store: LimiterStore): RateLimiterAbstract {
  const namespace = store.kind === "redis" ? (store.namespace ?? DEFAULT_LIMIT_NAMESPACE) : DEFAULT_LIMIT_NAMESPACE;
  const opts = { keyPrefix: `${namespace}:rl:${name}`, points: budget.points, duration: budget.windowMs / 1000 };
  if (store.kind === "cluster") return new RateLimiterCluster({ ...opts, timeoutMs: CLUSTER_TIMEOUT_MS });
  if (store.kind === "redis") {
    return new RateLimiterRedis({
      ...opts,
      storeClient: store.client,
      // the `redis` package (v4+), not ioredis: rate-limiter-flexible's docs, "Redis"
      useRedisPackage: true,
      // Redis away (or slow to answer): count in this process meanwhile
      insuranceLimiter: new RateLimiterMemory(opts),
      // an address that is over its budget is refused from memory until its window ends:
      // a scanner hammering away costs no Redis round trip
      inMemoryBlockOnConsumed: budget.points + 1,
    });
  }
  return new RateLimiterMemory(opts);
}

const isLimited = (err: unknown): err is RateLimiterRes => err instanceof RateLimiterRes || (typeof err === "object" && err !== null && "msBeforeNext" in err);
const retryAfter = (res: { msBeforeNext: number }): number => Math.max(1, Math.ceil(res.msBeforeNext));

export class AddressLimiter {
  private readonly limiters = new Map<BudgetName, RateLimiterAbstract>();
  private readonly pauses: RateLimiterAbstract | null;
  private lastErrorLogMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly limits: AddressLimits,
    store: LimiterStore,
    private readonly log: (msg: string, err?: unknown) => void = () => undefined,
  ) {
    validateAddressLimits(limits);
    for (const name of BUDGETS) {
      const budget = limits[name];
      if (budget.points === Number.POSITIVE_INFINITY) continue; // no limit: nothing counted, nothing stored
      this.limiters.set(name, makeLimiter(name, budget, LOCAL_ONLY.has(name) ? { kind: "memory" } : store));
    }
    // A pause is a block on a one-point budget; the window is irrelevant (block sets its own expiry).
    this.pauses = limits.abuseCooldownMs > 0 ? makeLimiter("pause", { points: 1, windowMs: 1_000 }, store) : null;
  }

  /** Spends one point of `name` for `key`; refused with the time until the budget's window ends. */
  async take(name: BudgetName, key: string): Promise<Verdict> {
    const limiter = this.limiters.get(name);
    if (!limiter) return ALLOWED;
    try {
      await limiter.consume(key);
      return ALLOWED;
    } catch (err) {
      if (isLimited(err)) return { ok: false, retryAfterMs: retryAfter(err) };
      return this.storeFailed(name, err);
    }
  }

  /** Whether `key` has a point of `name` left, spending none. */
  async check(name: BudgetName, key: string): Promise<Verdict> {
    const limiter = this.limiters.get(name);
    if (!limiter) return ALLOWED;
    try {
      const res = await limiter.get(key);
      return res && res.consumedPoints >= limiter.points ? { ok: false, retryAfterMs: retryAfter(res) } : ALLOWED;
    } catch (err) {
      return this.storeFailed(name, err);
    }
  }

  /** Refuses `key`'s new connections for abuseCooldownMs (a later pause never shortens an earlier one). */
  async pause(key: string): Promise<void> {
    if (!this.pauses) return;
    const remainingMs = (await this.pausedFor(key)) ?? 0;
    if (remainingMs >= this.limits.abuseCooldownMs) return;
    try {
      await this.pauses.block(key, this.limits.abuseCooldownMs / 1000);
    } catch (err) {
      this.storeFailed("pause", err);
    }
  }

  /** Milliseconds left of `key`'s pause; 0 when it is not paused. */
  async pausedFor(key: string): Promise<number> {
    if (!this.pauses) return 0;
    try {
      const res = await this.pauses.get(key);
      return res && res.consumedPoints > this.pauses.points ? Math.max(1, Math.ceil(res.msBeforeNext)) : 0;
    } catch (err) {
      this.storeFailed("pause", err);
      return 0;
    }
  }

  /** The store did not answer (a cluster primary too busy, Redis without insurance): allow, and say so now and then. */
  private storeFailed(name: string, err: unknown): Verdict {
    const t = Date.now();
    if (t - this.lastErrorLogMs >= ERROR_LOG_INTERVAL_MS) {
      this.lastErrorLogMs = t;
      this.log(`rate limit store failed for "${name}" (allowed meanwhile)`, err);
    }
    return ALLOWED;
  }
}

const WHAT: Record<BudgetName, string> = {
  connect: "Too many new connections from your network",
  explain: "Too many refused connections from your network",
  create: "Too many new rooms from your network",
  lookup: "Too many room look-ups from your network",
  join: "Too many joins from your network",
  miss: "Too many look-ups of rooms that do not exist from your network",
  recordings: "Too many recording requests from your network",
};

/** What a refused client is told: "Too many room look-ups from your network: try again in 42 s." */
export function limitMessage(name: BudgetName, retryAfterMs: number): string {
  return `${WHAT[name]}: try again in ${waitText(retryAfterMs)}.`;
}

/** "3 s" / "12 min" */
export function waitText(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.ceil(s / 60)} min`;
}
