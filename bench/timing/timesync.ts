/**
 * The REAL `timesync` npm library (lib/timesync.js), driven in virtual time:
 * its setTimeout/setInterval are replaced by a virtual timer queue for the run,
 * its `send` goes through the simulated connection, and its `now` is the
 * simulated local clock.
 */
import { createRequire } from "node:module";
import { SIM_START_MS, SimConnection, type NetworkProfile } from "../../core/sim/network";

interface TimesyncMessage {
  jsonrpc: "2.0";
  id: number;
  method?: string;
  result?: number;
}

interface TimesyncInstance {
  send: (to: string, data: TimesyncMessage, timeoutMs: number) => Promise<void>;
  receive: (from: string, data: TimesyncMessage) => void;
  on: (event: "change" | "error", callback: (value: number) => void) => TimesyncInstance;
  destroy: () => void;
}

interface TimesyncModule {
  create: (options: { server: string; now: () => number; interval?: number | null; delay?: number; repeat?: number }) => TimesyncInstance;
}

/**
 * timesync 1.0.11's lib/Promise.js requires the `promise` package (only a
 * devDependency of timesync, so not installed) unless `window.Promise` exists.
 * Give it the native Promise for the duration of the require; nothing else in
 * its Node code looks at `window`.
 */
function loadTimesync(): TimesyncModule {
  const require = createRequire(import.meta.url);
  const hadWindow = Reflect.has(globalThis, "window");
  if (!hadWindow) Reflect.set(globalThis, "window", { Promise });
  try {
    return require("timesync") as TimesyncModule;
  } finally {
    if (!hadWindow) Reflect.deleteProperty(globalThis, "window");
  }
}

/**
 * A virtual timer queue standing in for setTimeout/setInterval while a
 * library runs: time only advances when `runUntil` pops the next timer, and
 * every promise chain a callback started settles (a real macrotask turn)
 * before the next timer fires.
 */
class VirtualTimers {
  nowMs: number;
  private nextId = 1;
  private queue: { id: number; atMs: number; seq: number; fn: () => void; everyMs: number | null }[] = [];
  private seq = 0;
  private saved: {
    setTimeout: typeof setTimeout;
    clearTimeout: typeof clearTimeout;
    setInterval: typeof setInterval;
    clearInterval: typeof clearInterval;
  } | null = null;

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  at(atMs: number, fn: () => void, everyMs: number | null = null): number {
    const id = this.nextId++;
    this.queue.push({ id, atMs: Math.max(atMs, this.nowMs), seq: this.seq++, fn, everyMs });
    return id;
  }

  clear(id: unknown): void {
    this.queue = this.queue.filter((t) => t.id !== id);
  }

  install(): void {
    this.saved = { setTimeout, clearTimeout, setInterval, clearInterval };
    const g = globalThis;
    g.setTimeout = ((fn: () => void, ms?: number) => this.at(this.nowMs + (ms ?? 0), fn)) as unknown as typeof setTimeout;
    g.setInterval = ((fn: () => void, ms?: number) =>
      this.at(this.nowMs + (ms ?? 0), fn, Math.max(1, ms ?? 0))) as unknown as typeof setInterval;
    g.clearTimeout = ((id: unknown) => this.clear(id)) as typeof clearTimeout;
    g.clearInterval = ((id: unknown) => this.clear(id)) as typeof clearInterval;
  }

  uninstall(): void {
    if (!this.saved) return;
    Object.assign(globalThis, this.saved);
    this.saved = null;
  }

  async runUntil(endMs: number): Promise<void> {
    for (;;) {
      let best = -1;
      for (let k = 0; k < this.queue.length; k++) {
        const t = this.queue[k]!;
        const b = this.queue[best];
        if (!b || t.atMs < b.atMs || (t.atMs === b.atMs && t.seq < b.seq)) best = k;
      }
      const t = this.queue[best];
      if (!t || t.atMs > endMs) break;
      this.queue.splice(best, 1);
      this.nowMs = t.atMs;
      if (t.everyMs !== null) this.queue.push({ ...t, atMs: t.atMs + t.everyMs, seq: this.seq++ });
      t.fn();
      await new Promise<void>((done) => setImmediate(done));
    }
    this.nowMs = endMs;
  }
}

const timesync = loadTimesync();

export interface TimesyncRun {
  conn: SimConnection;
  /** every offset timesync announced ("change" events), in time order */
  changes: { atMs: number; offsetMs: number }[];
  exchanges: number;
}

/** Runs timesync for `durationMs` on a fresh simulated connection (`intervalMs` null: its default, 1 h). */
export async function runTimesync(profile: NetworkProfile, seed: number, intervalMs: number | null, durationMs: number): Promise<TimesyncRun> {
  const conn = new SimConnection(profile, seed);
  const timers = new VirtualTimers(SIM_START_MS);
  const changes: { atMs: number; offsetMs: number }[] = [];
  let exchanges = 0;
  timers.install();
  try {
    const ts = timesync.create({
      server: "sim",
      now: () => conn.clock.localAt(timers.nowMs),
      // undefined keeps the library's default (1 h)
      ...(intervalMs === null ? {} : { interval: intervalMs }),
    });
    ts.send = (to, data) => {
      // The server answers with its clock at reply time (t2); the reply is
      // handed to timesync when the simulated connection delivers it.
      const e = conn.exchange(timers.nowMs);
      exchanges++;
      timers.at(e.completesAtMs, () => ts.receive(to, { jsonrpc: "2.0", id: data.id, result: e.t2Ms }));
      return Promise.resolve();
    };
    ts.on("change", (offsetMs) => changes.push({ atMs: timers.nowMs, offsetMs }));
    await timers.runUntil(SIM_START_MS + durationMs);
    ts.destroy();
  } finally {
    timers.uninstall();
  }
  return { conn, changes, exchanges };
}
