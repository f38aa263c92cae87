/**
 * A delaying TCP proxy: puts a seeded, jittery but order-preserving "network"
 * between a browser and the server, so timing can be measured on one machine
 * as if the players were far apart.
 *
 * It works at the TCP level, so plain HTTP and the WebSocket upgrade (and
 * everything Socket.IO sends over it afterwards) pass through unchanged, just
 * later. Every chunk read from one side is written to the other at
 * arrival + base + jitter, but never before the chunk read before it on the
 * same connection and direction (core/sim/delay-line.ts: a byte stream cannot
 * reorder, so jitter shows up as bunching, like real TCP). The FIN (end of a
 * direction) travels through the same delay line, after the last chunk.
 *
 * Jitter: a normal with sd = jitterMs / 2 clipped at ±jitterMs (see
 * core/sim/delay-line.ts for why). Each connection and direction gets its own
 * stream derived from `seed` and the connection's accept order, so a run is
 * repeatable to the extent that connections are opened in the same order.
 *
 * Delivery uses setTimeout, which fires up to ~1 ms after the due time; that
 * lateness is the same in both directions (so it does not bias clock sync)
 * and is reported in `stats` as `timerLateMs`.
 *
 * CLI, to jam through it by hand:
 *   node --import tsx bench/delay-proxy.ts --target 127.0.0.1:3000 --listen 3001 --base 30 --jitter 10 --seed 1
 * (optionally --up-base/--up-jitter/--down-base/--down-jitter for asymmetric links, and
 * --report FILE to write the stats and every chunk's timing as JSON when stopped).
 * `spawnDelayProxy` runs that CLI as a child process: a benchmark that drives
 * browsers from the same process would otherwise share one event loop with
 * the proxy, and every stall of it would become "network" jitter.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { seededRng } from "../core/rng";
import { assertDelaySpec, DelayLine, deriveSeed, type DelaySpec } from "../core/sim/delay-line";
import { z } from "zod";

export type { DelaySpec } from "../core/sim/delay-line";

export interface DelayProxyOptions {
  /** port to listen on; 0 picks a free one */
  listenPort: number;
  /** interface to listen on (default 127.0.0.1) */
  listenHost?: string;
  targetHost: string;
  targetPort: number;
  /** client → target */
  upstream: DelaySpec;
  /** target → client */
  downstream: DelaySpec;
  seed: number;
  /** called for every chunk written, e.g. to see when timer lateness happened (times are performance.now()) */
  trace?: (e: ChunkTrace) => void;
}

export interface ChunkTrace {
  direction: "upstream" | "downstream";
  connection: number;
  bytes: number;
  arrivalMs: number;
  /** when the delay line wanted it written */
  deliverAtMs: number;
  /** when it was written */
  writtenMs: number;
}

export interface DirectionStats {
  chunks: number;
  bytes: number;
  /** measured delay from read to write, as actually delivered (includes order holding and timer lateness) */
  delayMinMs: number;
  delayMeanMs: number;
  delayMaxMs: number;
  /** how far after its scheduled delivery time the timer actually wrote a chunk */
  timerLateMaxMs: number;
}

export interface DelayProxyStats {
  connections: number;
  open: number;
  upstream: DirectionStats;
  downstream: DirectionStats;
}

export interface DelayProxy {
  port: number;
  /** a fresh snapshot on every read */
  readonly stats: DelayProxyStats;
  close(): Promise<void>;
}

class DirectionAccumulator {
  chunks = 0;
  bytes = 0;
  private sumMs = 0;
  private minMs = Infinity;
  private maxMs = 0;
  private lateMaxMs = 0;
  record(bytes: number, delayMs: number, lateMs: number): void {
    this.chunks++;
    this.bytes += bytes;
    this.sumMs += delayMs;
    this.minMs = Math.min(this.minMs, delayMs);
    this.maxMs = Math.max(this.maxMs, delayMs);
    this.lateMaxMs = Math.max(this.lateMaxMs, lateMs);
  }
  snapshot(): DirectionStats {
    return {
      chunks: this.chunks,
      bytes: this.bytes,
      delayMinMs: this.chunks ? this.minMs : 0,
      delayMeanMs: this.chunks ? this.sumMs / this.chunks : 0,
      delayMaxMs: this.maxMs,
      timerLateMaxMs: this.lateMaxMs,
    };
  }
}

interface Queued {
  /** null: the end of this direction (FIN) */
  data: Buffer | null;
  arrivalMs: number;
  deliverAtMs: number;
}

/** One direction of one connection: read from `from`, write to `to` after the delay line says so. */
class Pump {
  private readonly queue: Queued[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly line: DelayLine,
    private readonly to: Socket,
    private readonly acc: DirectionAccumulator,
    private readonly trace?: (q: Queued, writtenMs: number) => void,
  ) {}

  push(data: Buffer | null): void {
    if (this.stopped) return;
    const arrivalMs = performance.now();
    this.queue.push({ data, arrivalMs, deliverAtMs: this.line.schedule(arrivalMs).deliverAtMs });
    if (this.queue.length === 1) this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const head = this.queue[0];
    if (!head) return;
    // ceil: a timer must not fire before the due time (a chunk is never early)
    const waitMs = Math.max(0, Math.ceil(head.deliverAtMs - performance.now()));
    this.timer = setTimeout(() => this.flush(), waitMs);
  }

  private flush(): void {
    this.timer = null;
    const nowMs = performance.now();
    // Deliver everything due; delivery times are non-decreasing, so stop at the first future one.
    while (this.queue.length > 0 && this.queue[0]!.deliverAtMs <= nowMs) {
      const q = this.queue.shift()!;
      if (this.to.destroyed) return this.stop();
      if (q.data === null) {
        this.to.end();
      } else {
        this.to.write(q.data);
        this.acc.record(q.data.length, nowMs - q.arrivalMs, nowMs - q.deliverAtMs);
        this.trace?.(q, nowMs);
      }
    }
    this.arm();
  }
}

export function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  assertDelaySpec(options.upstream, "upstream");
  assertDelaySpec(options.downstream, "downstream");
  const up = new DirectionAccumulator();
  const down = new DirectionAccumulator();
  const sockets = new Set<Socket>();
  let connections = 0;
  let open = 0;

  // allowHalfOpen: when one side sends FIN we must still deliver the other
  // direction's queued chunks; each side is ended only when its FIN comes out of the line.
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const index = connections++;
    open++;
    const target = createConnection({ host: options.targetHost, port: options.targetPort, allowHalfOpen: true, noDelay: true });
    // Nagle would add its own, unseeded delay to small messages like sync pings.
    client.setNoDelay(true);
    sockets.add(client);
    sockets.add(target);
    const trace = options.trace;
    const tracer = (direction: ChunkTrace["direction"]) =>
      trace &&
      ((q: Queued, writtenMs: number) =>
        trace({ direction, connection: index, bytes: q.data?.length ?? 0, arrivalMs: q.arrivalMs, deliverAtMs: q.deliverAtMs, writtenMs }));
    const upPump = new Pump(new DelayLine(options.upstream, seededRng(deriveSeed(options.seed, index, 0))), target, up, tracer("upstream"));
    const downPump = new Pump(new DelayLine(options.downstream, seededRng(deriveSeed(options.seed, index, 1))), client, down, tracer("downstream"));
    client.on("data", (d: Buffer) => upPump.push(d));
    client.on("end", () => upPump.push(null));
    target.on("data", (d: Buffer) => downPump.push(d));
    target.on("end", () => downPump.push(null));
    let torn = false;
    const teardown = () => {
      if (torn) return;
      torn = true;
      open--;
      upPump.stop();
      downPump.stop();
      client.destroy();
      target.destroy();
      sockets.delete(client);
      sockets.delete(target);
    };
    // A reset/error on either side ends the whole connection at once (a reset is not delayed).
    client.on("error", teardown);
    target.on("error", teardown);
    // A clean close of one side means it sent its FIN (already queued towards the other side) and
    // we ended it: nothing more can be written to it, but the other direction keeps draining.
    client.on("close", () => {
      downPump.stop();
      if (target.destroyed) teardown();
    });
    target.on("close", () => {
      upPump.stop();
      if (client.destroyed) teardown();
    });
  });

  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.listenPort, options.listenHost ?? "127.0.0.1", () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      resolvePromise({
        port,
        get stats(): DelayProxyStats {
          return { connections, open, upstream: up.snapshot(), downstream: down.snapshot() };
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            sockets.clear();
            server.close(() => done());
          }),
      });
    });
  });
}

// ---------- as a child process ----------

const directionStatsSchema = z.object({
  chunks: z.number(),
  bytes: z.number(),
  delayMinMs: z.number(),
  delayMeanMs: z.number(),
  delayMaxMs: z.number(),
  timerLateMaxMs: z.number(),
});
const reportSchema = z.object({
  timeOrigin: z.number(),
  stats: z.object({ connections: z.number(), open: z.number(), upstream: directionStatsSchema, downstream: directionStatsSchema }),
  trace: z.array(
    z.object({
      direction: z.enum(["upstream", "downstream"]),
      connection: z.number(),
      bytes: z.number(),
      arrivalMs: z.number(),
      deliverAtMs: z.number(),
      writtenMs: z.number(),
    }),
  ),
});

export interface SpawnedDelayProxy {
  port: number;
  /** Stops the child; its chunk trace comes back on THIS process's performance.now() base. */
  stop(): Promise<{ stats: DelayProxyStats; trace: ChunkTrace[] }>;
}

/** Runs the proxy in its own process (its own event loop), through the CLI below. */
export async function spawnDelayProxy(options: Omit<DelayProxyOptions, "trace">): Promise<SpawnedDelayProxy> {
  const dir = mkdtempSync(join(tmpdir(), "backbeat-proxy-"));
  const reportPath = join(dir, "report.json");
  const args = [
    "--import",
    "tsx",
    fileURLToPath(import.meta.url),
    `--target=${options.targetHost}:${options.targetPort}`,
    `--listen=${options.listenPort}`,
    `--host=${options.listenHost ?? "127.0.0.1"}`,
    `--up-base=${options.upstream.baseMs}`,
    `--up-jitter=${options.upstream.jitterMs}`,
    `--down-base=${options.downstream.baseMs}`,
    `--down-jitter=${options.downstream.jitterMs}`,
    `--seed=${options.seed}`,
    `--report=${reportPath}`,
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`delay proxy did not start within 15 s:\n${output}`)), 15_000);
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
      const m = /delay proxy: http:\/\/[^:]+:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`delay proxy exited (${code}):\n${output}`));
    });
  });
  return {
    port,
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((done) => {
          child.once("exit", () => done());
          child.kill("SIGTERM");
        });
      }
      try {
        const report = reportSchema.parse(JSON.parse(readFileSync(reportPath, "utf8")));
        const shiftMs = report.timeOrigin - performance.timeOrigin;
        const trace = report.trace.map((e) => ({
          ...e,
          arrivalMs: e.arrivalMs + shiftMs,
          deliverAtMs: e.deliverAtMs + shiftMs,
          writtenMs: e.writtenMs + shiftMs,
        }));
        return { stats: report.stats, trace };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

// ---------- CLI ----------

function parseHostPort(s: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`--target must be host:port, got: ${s}`);
  }
  return { host: m[1], port };
}

function num(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got: ${value}`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: "string" },
      listen: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      base: { type: "string", default: "30" },
      jitter: { type: "string", default: "10" },
      "up-base": { type: "string" },
      "up-jitter": { type: "string" },
      "down-base": { type: "string" },
      "down-jitter": { type: "string" },
      seed: { type: "string", default: "1" },
      report: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || !values.target) {
    console.log(
      "usage: node --import tsx bench/delay-proxy.ts --target HOST:PORT [--listen PORT] [--host IFACE]\n" +
        "         [--base MS] [--jitter MS] [--up-base MS] [--up-jitter MS] [--down-base MS] [--down-jitter MS] [--seed N] [--report FILE]\n" +
        "Delays every chunk by base ± jitter (normal, sd = jitter/2, clipped at ±jitter) per direction, order preserved.",
    );
    process.exit(values.help ? 0 : 2);
  }
  const target = parseHostPort(values.target);
  const trace: ChunkTrace[] = [];
  const baseMs = num("base", values.base, 30);
  const jitterMs = num("jitter", values.jitter, 10);
  const proxy = await startDelayProxy({
    listenPort: num("listen", values.listen, 0),
    listenHost: values.host,
    targetHost: target.host,
    targetPort: target.port,
    upstream: { baseMs: num("up-base", values["up-base"], baseMs), jitterMs: num("up-jitter", values["up-jitter"], jitterMs) },
    downstream: { baseMs: num("down-base", values["down-base"], baseMs), jitterMs: num("down-jitter", values["down-jitter"], jitterMs) },
    seed: num("seed", values.seed, 1),
    trace: values.report ? (e) => trace.push(e) : undefined,
  });
  console.log(`delay proxy: http://${values.host}:${proxy.port} → ${target.host}:${target.port} (Ctrl-C prints stats and stops)`);
  const stop = () => {
    const stats = proxy.stats;
    if (values.report) writeFileSync(values.report, JSON.stringify({ timeOrigin: performance.timeOrigin, stats, trace }));
    console.log(JSON.stringify(stats, null, 2));
    void proxy.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(resolve(entry)).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
