/**
 * Seeded fuzz: 100,000 malformed, oversized and flooding messages from several
 * sockets while a normal room plays and records.
 *
 * Layout: the server (real, in this process, temp SQLite, default per-socket rate limits)
 * and the normal room's two clients run here, so RSS and relay latency are
 * measured on the server's own process and clock. The attackers run in a child
 * process — this same file, started with BACKBEAT_FUZZ_ATTACKER set — so the
 * CPU they burn building and sending junk does not stall this event loop and
 * pass for server slowness (on a 2-core box: one core each; the child runs at the
 * lowest priority, as real attackers would be on other machines).
 *
 * Asserted: /api/health still answers; RSS grows < 150 MB over the attack; the
 * normal room's relay p99 under attack ≤ max(2 × baseline p99, baseline p99 + 25 ms).
 * The floor: the loopback baseline p99 is 3–8 ms, and on a 2-core box shared with
 * other jobs single stalls (a major GC, a descheduled process) of 20–100 ms happen
 * with or without an attack. Measured there (load average ~5 from other jobs), the
 * p99 under attack was 8–21 ms: a +10 ms floor failed about one run in three, so the
 * floor is 25 ms. It is a test, not a benchmark. The recording holds
 * exactly the normal clients' hits (none missing, none twice, no one else's); the
 * database holds no out-of-range rows; Object.prototype is not polluted.
 *
 * The attacked room has a well-behaved player too (Cleo, who starts its recording):
 * the attackers play, stop and restart recordings and send values at the edge of
 * the store's range (issue 12: one seq of 2^31 once stuck a room's recording for
 * good). Every hit Cleo struck during one of that room's recordings is stored once,
 * in that recording (a battle's own recording, saved when a battle ran while nothing
 * recorded, holds only the battle players' turns: there her hits are a checked subset),
 * and the write queue ends empty.
 *
 * A failing seed stays here as its own named test (see SEEDS).
 */
import { spawn } from "node:child_process";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { io, type Socket } from "socket.io-client";
import { describe, expect, it } from "vitest";
import { BATTLE_BARS, REACTIONS } from "../../core/battle";
import { GROOVE_IDS } from "../../core/grooves";
import { PAD_IDS } from "../../core/kit";
import { LIMITS, PROTOCOL_VERSION, type RelayedHit } from "../../core/protocol";
import { seededRng, type Rng } from "../../core/rng";
import { monotonicEpochNow } from "../../server/app";
import { LIFTED_CONNECTION_LIMITS } from "../../server/connection-limits";
import { quantile, sortedAscending } from "../../core/stats";
import { connect, createRoomAsHost, join, sleep, startTestServer, type Client } from "./helpers";

/** Seeds that run on every CI run; a seed that ever fails is added here with a note. */
const SEEDS = [{ name: "seed 20240611 (the first)", seed: 20240611 }];
const TOTAL_MESSAGES = 100_000;
const ATTACKERS = 6;
/**
 * The attack comes in windows: ATTACK_WINDOW_MS on, QUIET_WINDOW_MS off, paced so
 * the messages take about ATTACK_MS of on-time. The baseline is measured before the
 * attack and in the quiet windows, so a CI box that other jobs load unevenly weighs
 * on both sides of the comparison alike.
 */
const ATTACK_MS = 25_000;
const ATTACK_WINDOW_MS = 2_000;
const QUIET_WINDOW_MS = 1_000;
/** after a window ends, what the server still has queued is drained first: neither side counts this long */
const SETTLE_MS = 300;
const BASELINE_MS = 4_000;
const NORMAL_HITS_PER_SECOND = 10;
const RSS_GROWTH_MAX_BYTES = 150 * 1024 * 1024;
/** relay p99 under attack may exceed the baseline p99 by this much even when that is more than 2× */
const P99_FLOOR_MS = 25;

interface AttackConfig {
  url: string;
  seed: number;
  total: number;
  attackers: number;
  /** on-time over which the messages are spread */
  attackMs: number;
  windowMs: number;
  quietMs: number;
  normalRoom: string;
  attackRoom: string;
  attackHostToken: string;
}

interface AttackStats {
  /** wall clock (Date.now) when the first window began; window k is [start + k·cycle, start + k·cycle + windowMs) */
  startedAtWallMs: number;
  endedAtWallMs: number;
  sent: number;
  byKind: Record<string, number>;
  connections: number;
  connectFailures: number;
  disconnects: Record<string, number>;
  errors: Record<string, number>;
}

// ====================================================================
// Attacker side (child process)
// ====================================================================

type AnySocket = Socket & { emit(event: unknown, ...args: unknown[]): Socket };
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

const KNOWN_EVENTS = [
  "join",
  "sync:ping",
  "hit",
  "heard",
  "quality",
  "tempo:set",
  "mode:set",
  "recording:start",
  "recording:stop",
  "member:kick",
  "leave",
  "react",
  "battle:start",
  "battle:stop",
] as const;

const UNKNOWN_EVENTS = [
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "prototype",
  "error",
  "room:state",
  "hits:ack",
  "HIT",
  "hit ",
  "join\u0000",
  "💥",
  "",
  "x".repeat(2000),
];

/** Values of every JSON type, and the ones JSON cannot carry as numbers (they arrive as strings or null). */
function junkScalar(rng: Rng): unknown {
  return pick(rng, [
    null,
    true,
    false,
    0,
    -0,
    -1,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    2 ** 31,
    0.5,
    Number.NaN, // → null on the wire
    Number.POSITIVE_INFINITY, // → null
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "",
    "kick",
    " ",
    "<script>alert(1)</script>",
    "\u0000\uffff\ud800",
    "a".repeat(int(rng, 1, 3000)),
    [],
    {},
    [1, "2", null],
  ]);
}

function junkValue(rng: Rng, depth = 0): unknown {
  const r = rng();
  if (depth > 3 || r < 0.5) return junkScalar(rng);
  if (r < 0.75) return Array.from({ length: int(rng, 0, 5) }, () => junkValue(rng, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < int(rng, 0, 6); i++) o[pick(rng, ["seq", "pad", "velocity", "strikeAtMs", "t0Ms", "mode", "id", "name", "x", "hearings", "listening"])] = junkValue(rng, depth + 1);
  return o;
}

function deeplyNested(rng: Rng): unknown {
  const depth = int(rng, 100, 3000);
  const asArray = rng() < 0.5;
  const text = asArray ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  return JSON.parse(text);
}

/** Objects whose own keys try to reach prototypes when merged or assigned carelessly. */
function pollution(rng: Rng): unknown {
  return JSON.parse(
    pick(rng, [
      '{"__proto__":{"polluted":"yes","isHost":true}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      '{"seq":1,"pad":"kick","velocity":0.5,"strikeAtMs":1,"__proto__":{"resend":true,"polluted":"yes"}}',
      '{"mode":"live","__proto__":{"toString":"x"}}',
      '{"hearings":[{"__proto__":{"late":true,"polluted":"yes"}}]}',
      '{"protocolVersion":1,"roomCode":"a-b-1","participantId":"abcdefgh","name":"x","__proto__":{"hostToken":"AAAAAAAAAAAAAAAAAAAAAAAA"}}',
    ]),
  );
}

/**
 * A valid message. Joins go to the attack room as a player (with its host token), or —
 * for the normal room's spectators (`spectator`) — to the normal room as a spectator.
 */
function validPayload(rng: Rng, event: (typeof KNOWN_EVENTS)[number], cfg: AttackConfig, id: string, spectator = false): unknown {
  const now = monotonicEpochNow();
  switch (event) {
    case "join":
      return spectator
        ? { protocolVersion: PROTOCOL_VERSION, roomCode: cfg.normalRoom, participantId: id, name: `<b>spy</b>`, role: "spectator" }
        : { protocolVersion: PROTOCOL_VERSION, roomCode: cfg.attackRoom, participantId: id, name: "atk", hostToken: cfg.attackHostToken };
    case "sync:ping":
      return { t0Ms: rng() * 1e6 };
    case "hit":
      return { seq: int(rng, 1, 1e6), pad: pick(rng, PAD_IDS), velocity: rng(), strikeAtMs: now - rng() * 1000, resend: rng() < 0.2 };
    case "heard":
      return { hearings: [{ from: "normal-aaaa1", seq: int(rng, 1, 1000), strikeAtMs: now, soundedAtMs: now, late: false, skipped: false }] };
    case "quality":
      return { rttMs: rng() * 500, clockErrorMs: rng() * 5 };
    case "tempo:set":
      return { tempoBpm: int(rng, 40, 240), beatsPerBar: int(rng, 2, 12), groove: pick(rng, GROOVE_IDS) };
    case "mode:set":
      return { mode: pick(rng, ["live", "groove"]) };
    case "recording:start":
      return { title: "atk" };
    case "member:kick":
      return { id: pick(rng, ["normal-aaaa1", "normal-bbbb2", id]) };
    case "react":
      return { emoji: pick(rng, REACTIONS) };
    case "battle:start":
      return { barsPerTurn: pick(rng, BATTLE_BARS), rounds: 1, subdivision: 8 };
    default:
      return {};
  }
}

/** A valid payload with one field broken: wrong type, out of range, non-finite, unknown pad… */
function mutated(rng: Rng, event: (typeof KNOWN_EVENTS)[number], cfg: AttackConfig, id: string, spectator: boolean): unknown {
  const base = validPayload(rng, event, cfg, id, spectator) as Record<string, unknown>;
  const keys = Object.keys(base);
  const key = keys.length ? pick(rng, keys) : "x";
  base[key] = pick(rng, [
    junkScalar(rng),
    -1,
    1e9,
    "cowbell",
    { $gt: 0 },
    ["kick"],
    String(base[key]),
    1.5,
    Number.MAX_VALUE,
    2 ** 31, // one past the store's seq range (issue 12)
  ]);
  if (rng() < 0.2) base.extra = junkValue(rng);
  return base;
}

/** Raw Socket.IO packets written straight onto the engine: bad JSON, bad types, lying attachment counts. */
const RAW_PACKETS = [
  '2["hit"',
  "2[1,2,3]",
  '2{"a":1}',
  "2",
  '2["disconnect"]',
  '51-["hit",{"_placeholder":true,"num":0}]',
  '59999999-["hit",{"_placeholder":true,"num":9}]',
  '3999["x"]',
  "0/admin,{}",
  "1",
  "9garbage",
  '2/nope,["hit",{}]',
  "\u0000\u0001",
];

type Kind = "malformed" | "mutated" | "valid" | "unknown" | "pollution" | "nested" | "big" | "binary" | "noAck" | "oversized" | "raw";
const KINDS: [Kind, number][] = [
  ["malformed", 30],
  ["mutated", 22],
  ["valid", 15],
  ["unknown", 8],
  ["pollution", 5],
  ["nested", 4],
  ["big", 5],
  ["binary", 5],
  ["noAck", 5],
  ["oversized", 0.4],
  ["raw", 0.6],
];
const KIND_TOTAL = KINDS.reduce((s, [, w]) => s + w, 0);
function pickKind(rng: Rng): Kind {
  let r = rng() * KIND_TOTAL;
  for (const [k, w] of KINDS) if ((r -= w) < 0) return k;
  return "malformed";
}

/**
 * What the spectators in the normal room send. Not recording:start/stop: today any
 * member may start or stop a room's recording — spectators too (server/room/recording.ts; see
 * the `.fails` test in security.test.ts) — so a spectator stopping the normal room's
 * recording would be "allowed", not corruption. Even `{}` is a valid recording:stop.
 */
const SPECTATOR_EVENTS = KNOWN_EVENTS.filter((e) => e !== "recording:start" && e !== "recording:stop");

function sendOne(s: AnySocket, rng: Rng, cfg: AttackConfig, id: string, kind: Kind, spectator: boolean): void {
  const events = spectator ? SPECTATOR_EVENTS : KNOWN_EVENTS;
  const event = pick(rng, events);
  const maybeAck = rng() < 0.3 ? [() => undefined] : [];
  switch (kind) {
    case "malformed":
      s.emit(event, junkValue(rng), ...maybeAck);
      break;
    case "mutated":
      s.emit(event, mutated(rng, event, cfg, id, spectator), ...maybeAck);
      break;
    case "valid":
      s.emit(event, validPayload(rng, event, cfg, id, spectator), ...maybeAck);
      break;
    case "unknown":
      s.emit(pick(rng, UNKNOWN_EVENTS), junkValue(rng), ...maybeAck);
      break;
    case "pollution":
      s.emit(event, pollution(rng), ...maybeAck);
      break;
    case "nested":
      s.emit(event, deeplyNested(rng));
      break;
    case "big": {
      // near the cap, some just over it once framing is added
      const size = LIMITS.maxMessageBytes - int(rng, 40, 4000);
      s.emit(event, { name: "n".repeat(size) }, ...maybeAck);
      break;
    }
    case "binary":
      s.emit(event, rng() < 0.5 ? Buffer.alloc(int(rng, 0, 2000), 7) : { seq: 1, pad: Buffer.from("kick"), velocity: new Uint8Array(8), strikeAtMs: [Buffer.alloc(1)] }, ...maybeAck);
      break;
    case "noAck":
      // events that expect an ack, sent without one (and sync:ping, which needs it)
      s.emit(pick(rng, ["sync:ping", "join", spectator ? "heard" : "recording:start", "leave"]), validPayload(rng, pick(rng, events), cfg, id, spectator));
      break;
    case "oversized":
      s.emit(event, { x: "o".repeat(LIMITS.maxMessageBytes + int(rng, 1, 50_000)) });
      break;
    case "raw":
      (s.io.engine as unknown as { write(msg: string): void }).write(pick(rng, RAW_PACKETS));
      break;
  }
}

async function runAttackers(cfg: AttackConfig): Promise<AttackStats> {
  const stats: AttackStats = { startedAtWallMs: Date.now(), endedAtWallMs: 0, sent: 0, byKind: {}, connections: 0, connectFailures: 0, disconnects: {}, errors: {} };
  const perAttacker = Math.ceil(cfg.total / cfg.attackers);
  const started = performance.now();
  const cycle = cfg.windowMs + cfg.quietMs;
  /** on-time elapsed so far, and how long until the next window opens (0 while one is open) */
  const clock = () => {
    const t = performance.now() - started;
    const inCycle = t % cycle;
    return { onMs: Math.floor(t / cycle) * cfg.windowMs + Math.min(inCycle, cfg.windowMs), waitMs: inCycle < cfg.windowMs ? 0 : cycle - inCycle };
  };
  const attacker = async (index: number) => {
    const rng = seededRng(cfg.seed * 31 + index);
    // 0, 3: paced fuzzers; 1, 4: flooders (big bursts of valid-looking hits); 2, 5: spectators of the normal room
    const profile = index % 3;
    const rate = perAttacker / cfg.attackMs; // messages per ms
    let sent = 0;
    let conn = 0;
    while (sent < perAttacker) {
      const { waitMs } = clock();
      if (waitMs > 0) {
        await sleep(waitMs);
        continue;
      }
      let s: AnySocket;
      try {
        s = (await new Promise<Socket>((resolve, reject) => {
          const c = io(cfg.url, { transports: ["websocket"], forceNew: true, reconnection: false, timeout: 5000 });
          c.once("connect", () => resolve(c));
          c.once("connect_error", (e) => {
            c.close();
            reject(e);
          });
        })) as AnySocket;
      } catch {
        stats.connectFailures++;
        await sleep(20);
        continue;
      }
      stats.connections++;
      conn++;
      s.on("error", (e: { code?: string }) => {
        const c = String(e?.code);
        stats.errors[c] = (stats.errors[c] ?? 0) + 1;
      });
      s.on("disconnect", (reason: string) => {
        stats.disconnects[reason] = (stats.disconnects[reason] ?? 0) + 1;
      });
      // a small pool of ids per attacker, so rooms do not fill up with ghosts
      const id = `atk${index}x${conn % 3}abcd`;
      const spectator = profile === 2;
      if (spectator) s.emit("join", validPayload(rng, "join", cfg, id, true), () => undefined);
      else if (rng() < 0.6) s.emit("join", { protocolVersion: PROTOCOL_VERSION, roomCode: cfg.attackRoom, participantId: id, name: "atk", hostToken: cfg.attackHostToken });
      const tickMs = profile === 1 ? 20 : 5;
      while (s.connected && sent < perAttacker) {
        const { onMs, waitMs } = clock();
        if (waitMs > 0) {
          await sleep(waitMs); // quiet window: the socket stays open, idle
          continue;
        }
        const due = Math.min(perAttacker, Math.ceil(onMs * rate));
        let n = Math.min(400, Math.max(1, due - sent));
        while (n-- > 0 && s.connected && sent < perAttacker) {
          const kind: Kind = profile === 1 && rng() < 0.7 ? "valid" : pickKind(rng);
          if (profile === 1 && kind === "valid") s.emit("hit", validPayload(rng, "hit", cfg, id));
          else sendOne(s, rng, cfg, id, kind, spectator);
          stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
          sent++;
          stats.sent++;
        }
        await sleep(tickMs);
      }
      s.close();
    }
  };
  await Promise.all(Array.from({ length: cfg.attackers }, (_, i) => attacker(i)));
  stats.endedAtWallMs = Date.now();
  return stats;
}

/** Starts the attackers in a child process (this file); resolves with their stats. */
function spawnAttackers(cfg: AttackConfig, timeoutMs: number): Promise<AttackStats> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
      env: { ...process.env, BACKBEAT_FUZZ_ATTACKER: JSON.stringify(cfg) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Lowest CPU priority: on a 2-core box the attackers would otherwise take the core the
    // server needs (real attackers run on other machines); what is measured is the server.
    try {
      if (child.pid) setPriority(child.pid, 19);
    } catch {
      /* not permitted here: run at normal priority */
    }
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`attackers did not finish within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !line.startsWith("{")) reject(new Error(`attacker process exited ${code}\n${err}\n${out}`));
      else resolve(JSON.parse(line) as AttackStats);
    });
  });
}

// ====================================================================
// Test side
// ====================================================================

/** p-th percentile (0–100) of values in any order (core/stats.ts: the one definition). */
function percentile(xs: number[], p: number): number {
  return quantile(sortedAscending(xs), p / 100);
}

/** a hit as its partner should receive it */
type SentHit = Omit<RelayedHit, "resend">;

/** A well-behaved player: ~10 hits/s, measures the relay latency of the partner's hits. */
class NormalPlayer {
  readonly sent: SentHit[] = [];
  readonly acked = new Set<number>();
  readonly errors: string[] = [];
  private seq = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    readonly socket: Client,
    readonly id: string,
    private readonly rng: Rng,
    /** shared table of send times (performance.now) by `${from}:${seq}` */
    private readonly sentAt: Map<string, number>,
    private readonly onLatency: (ms: number) => void,
  ) {
    socket.on("hits:ack", ({ seqs }) => seqs.forEach((s) => this.acked.add(s)));
    socket.on("error", (e) => this.errors.push(e.code));
    socket.on("hit", (h: RelayedHit) => {
      const t = this.sentAt.get(`${h.from}:${h.seq}`);
      if (t !== undefined) this.onLatency(performance.now() - t);
    });
  }

  start(): void {
    this.timer = setInterval(() => this.hit(), 1000 / NORMAL_HITS_PER_SECOND);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private hit(): void {
    const h: SentHit = { from: this.id, seq: ++this.seq, pad: pick(this.rng, PAD_IDS), velocity: Math.round(this.rng() * 1000) / 1000, strikeAtMs: monotonicEpochNow() };
    this.sent.push(h);
    this.sentAt.set(`${this.id}:${h.seq}`, performance.now());
    this.socket.emit("hit", { seq: h.seq, pad: h.pad, velocity: h.velocity, strikeAtMs: h.strikeAtMs });
  }
}

async function fuzzOnce(seed: number): Promise<void> {
  // The six attackers stand for machines all over the internet but all connect from 127.0.0.1,
  // as the normal room does: the per-address connection limits (a pause after the first
  // `abuse`) would shut the attack out before it reached the message checks this test is
  // about. They have their own tests (test/integration/connection-limits.test.ts).
  const t = await startTestServer({ seed, rateLimits: { connections: LIFTED_CONNECTION_LIMITS } });
  const sockets: Client[] = [];
  try {
    const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const normal = await createRoomAsHost(t.server.url);
    const attack = await createRoomAsHost(t.server.url);
    const a = await connect(t.server.url);
    const b = await connect(t.server.url);
    sockets.push(a, b);
    await join(a, normal.code, "normal-aaaa1", "Alice", normal.hostToken);
    await join(b, normal.code, "normal-bbbb2", "Bob");
    const rec = await a.emitWithAck("recording:start", { title: "fuzz" });
    if (!rec.ok) throw new Error(rec.error.message);
    // Cleo plays in the attacked room, joined before the attackers (who could fill it) and not the host.
    const c = await connect(t.server.url);
    sockets.push(c);
    await join(c, attack.code, "victim-cleo3", "Cleo");
    const attackedRec = await c.emitWithAck("recording:start", { title: "attacked" });
    if (!attackedRec.ok) throw new Error(attackedRec.error.message);

    /** every relay latency, with the wall-clock time it was measured at (to place it in a window) */
    const samples: { atWallMs: number; ms: number }[] = [];
    const sentAt = new Map<string, number>();
    const rng = seededRng(seed ^ 0x5eed);
    const onLatency = (ms: number) => samples.push({ atWallMs: Date.now(), ms });
    const alice = new NormalPlayer(a, "normal-aaaa1", rng, sentAt, onLatency);
    const bob = new NormalPlayer(b, "normal-bbbb2", rng, sentAt, onLatency);
    const cleo = new NormalPlayer(c, "victim-cleo3", seededRng(seed ^ 0xc1e0), new Map(), () => undefined);
    cleo.start();
    alice.start();
    await sleep(50);
    bob.start();
    await sleep(BASELINE_MS);

    const rssBefore = process.memoryUsage().rss;
    let rssMax = rssBefore;
    const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 100);
    const attackStarted = performance.now();
    let stats: AttackStats;
    try {
      stats = await spawnAttackers(
        {
          url: t.server.url,
          seed,
          total: TOTAL_MESSAGES,
          attackers: ATTACKERS,
          attackMs: ATTACK_MS,
          windowMs: ATTACK_WINDOW_MS,
          quietMs: QUIET_WINDOW_MS,
          normalRoom: normal.code,
          attackRoom: attack.code,
          attackHostToken: attack.hostToken,
        },
        // on-time plus quiet windows, plus reconnects, on a slow box
        ((ATTACK_MS / ATTACK_WINDOW_MS) * (ATTACK_WINDOW_MS + QUIET_WINDOW_MS)) * 1.8,
      );
    } finally {
      clearInterval(rssTimer);
    }
    const attackMs = performance.now() - attackStarted;
    await sleep(500);
    alice.stop();
    bob.stop();
    cleo.stop();

    // --- the server is up and the normal room still works
    const health = await fetch(`${t.server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(a.connected && b.connected).toBe(true);
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);

    // --- memory stayed bounded
    const rssGrowth = rssMax - rssBefore;

    // --- relay latency under attack: each sample is "attack" when measured in an attack
    // window (or within SETTLE_MS after it), "baseline" before the attack or in a quiet
    // window once SETTLE_MS has passed; samples after the last window are not used.
    const cycle = ATTACK_WINDOW_MS + QUIET_WINDOW_MS;
    const latency = { baseline: [] as number[], attack: [] as number[] };
    for (const { atWallMs, ms } of samples) {
      const t = atWallMs - stats.startedAtWallMs;
      if (t < 0) latency.baseline.push(ms);
      else if (atWallMs > stats.endedAtWallMs + SETTLE_MS) continue;
      else if (t % cycle < ATTACK_WINDOW_MS + SETTLE_MS || atWallMs > stats.endedAtWallMs) latency.attack.push(ms);
      else latency.baseline.push(ms);
    }
    const base99 = percentile(latency.baseline, 99);
    const attack99 = percentile(latency.attack, 99);
    const allowed = Math.max(2 * base99, base99 + P99_FLOOR_MS); // the rule and its reason: see the top of the file

    // --- every normal hit stored exactly once, nothing else in the recording
    const everyAcked = async (p: NormalPlayer) => {
      for (let i = 0; i < 100 && p.sent.some((h) => !p.acked.has(h.seq)); i++) await sleep(100);
    };
    await Promise.all([everyAcked(alice), everyAcked(bob), everyAcked(cleo)]);
    const stop = await a.emitWithAck("recording:stop", {});
    expect(stop.ok).toBe(true);
    const stored = await t.store.getRecording(rec.data.id);
    if (!stored) throw new Error("recording missing");
    const key = (h: { participantId?: string; from?: string; seq: number }) => `${h.participantId ?? h.from}:${h.seq}`;
    const expected = [...alice.sent, ...bob.sent].map((h) => ({ participantId: h.from, seq: h.seq, pad: h.pad, velocity: h.velocity, strikeAtMs: h.strikeAtMs }));
    const byKey = new Map(stored.hits.map((h) => [key(h), h]));
    expect(stored.hits.length).toBe(expected.length);
    expect(byKey.size).toBe(stored.hits.length); // no duplicates
    for (const h of expected) expect(byKey.get(key(h))).toMatchObject(h);
    expect(new Set(stored.hits.map((h) => h.participantId))).toEqual(new Set(["normal-aaaa1", "normal-bbbb2"]));

    // --- the attacked room: each of Cleo's hits struck during one of its recordings is stored once, in that one
    expect(cleo.errors).toEqual([]);
    const allAttacked = (await Promise.all((await t.store.listRecordings(attack.code)).map((r) => t.store.getRecording(r.id)))).map((r) => r!);
    expect(allAttacked.map((r) => r.id)).toContain(attackedRec.data.id);
    // A battle fought while nothing recorded is saved as a recording of its own (server/room/battle-record.ts):
    // it holds only the battle players' own turns and may overlap a recording the attackers started
    // during the battle. Cleo's hits there are checked as a subset; every other recording holds all of hers.
    // (told apart by having no owner token: every Start gives one, a battle's own recording has none)
    const ownerless = new Set((await Promise.all(allAttacked.map(async (r) => ((await t.store.getRecordingOwnerHash(r.id)) === null ? r.id : null)))).filter((id) => id !== null));
    const isBattleOwn = (r: (typeof allAttacked)[number]) => ownerless.has(r.id);
    const attackedRecordings = allAttacked.filter((r) => !isBattleOwn(r));
    const cleoHits = (rs: typeof allAttacked) => rs.flatMap((r) => r.hits.filter((h) => h.participantId === "victim-cleo3").map((h) => ({ recordingId: r.id, ...h })));
    const cleoStored = cleoHits(attackedRecordings);
    const during = (h: SentHit) => attackedRecordings.filter((r) => h.strikeAtMs >= r.startedAtMs && h.strikeAtMs <= (r.endedAtMs ?? Infinity)).map((r) => r.id);
    const cleoExpected = cleo.sent.flatMap((h) => during(h).map((recordingId) => ({ recordingId, participantId: h.from, seq: h.seq, pad: h.pad, velocity: h.velocity, strikeAtMs: h.strikeAtMs })));
    const recKey = (h: { recordingId: string; participantId: string; seq: number }) => `${h.recordingId}:${h.participantId}:${h.seq}`;
    expect(cleoExpected.length).toBeGreaterThan(0);
    expect(cleoStored.length).toBe(cleoExpected.length);
    expect(new Map(cleoStored.map((h) => [recKey(h), h]))).toEqual(new Map(cleoExpected.map((h) => [recKey(h), h])));
    const cleoSentBySeq = new Map(cleo.sent.map((h) => [h.seq, { participantId: h.from, seq: h.seq, pad: h.pad, velocity: h.velocity, strikeAtMs: h.strikeAtMs }]));
    for (const r of allAttacked.filter(isBattleOwn)) {
      const mine = cleoHits([r]);
      expect(new Set(mine.map((h) => h.seq)).size).toBe(mine.length); // once each
      for (const h of mine) {
        expect(h).toMatchObject(cleoSentBySeq.get(h.seq)!);
        expect(h.strikeAtMs).toBeGreaterThanOrEqual(r.startedAtMs);
        expect(h.strikeAtMs).toBeLessThanOrEqual(r.endedAtMs!);
      }
    }
    for (let i = 0; i < 100 && t.server.rooms.pendingCount > 0; i++) await sleep(100);
    expect(t.server.rooms.pendingCount).toBe(0); // nothing retained for good

    // --- nothing out of range anywhere in the database
    const file = t.databaseUrl.replace(/^file:/, "");
    const db = new Database(file, { readonly: true });
    try {
      const count = (sql: string, ...params: unknown[]) => (db.prepare(sql).get(...params) as { n: number }).n;
      const pads = PAD_IDS.map(() => "?").join(",");
      expect(count(`SELECT COUNT(*) AS n FROM "Hit" WHERE pad NOT IN (${pads}) OR velocity IS NULL OR velocity < 0 OR velocity > 1 OR seq < 1 OR strikeAtMs IS NULL OR abs(strikeAtMs) > 1e14`, ...PAD_IDS)).toBe(0);
      expect(count(`SELECT COUNT(*) AS n FROM "Hit" WHERE recordingId = ? AND participantId NOT IN ('normal-aaaa1','normal-bbbb2')`, rec.data.id)).toBe(0);
      expect(count(`SELECT COUNT(*) AS n FROM (SELECT recordingId, participantId, seq FROM "Hit" GROUP BY 1, 2, 3 HAVING COUNT(*) > 1)`)).toBe(0);
      expect(count(`SELECT COUNT(*) AS n FROM "Participant" WHERE length(name) > ? OR length(trim(name)) = 0`, LIMITS.nameMaxChars)).toBe(0);
      const grooves = GROOVE_IDS.map(() => "?").join(",");
      expect(
        count(
          `SELECT COUNT(*) AS n FROM "Room" WHERE tempoBpm < ? OR tempoBpm > ? OR beatsPerBar < 2 OR beatsPerBar > 12 OR beatUnit NOT IN (4, 8) OR mode NOT IN ('live','groove') OR groove NOT IN (${grooves})`,
          LIMITS.tempoMinBpm,
          LIMITS.tempoMaxBpm,
          ...GROOVE_IDS,
        ),
      ).toBe(0);
      expect(count(`SELECT COUNT(*) AS n FROM "Recording" WHERE length(title) > ? OR startedAtMs IS NULL`, LIMITS.titleMaxChars)).toBe(0);
      expect(count(`SELECT COUNT(*) AS n FROM "Hearing" WHERE seq < 1 OR soundedAtMs IS NULL`)).toBe(0);
      // (Spectators who join during a recording are listed as its participants — server/room/recording.ts
      // adds every joiner — so the attacking spectators are, with no hits. Not asserted here.)
    } finally {
      db.close();
    }

    // --- no prototype pollution in this (the server's) process
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    console.log(
      `[fuzz seed ${seed}] ${stats.sent} messages in ${(attackMs / 1000).toFixed(1)} s over ${stats.connections} connections ` +
        `(${stats.connectFailures} refused); kinds ${JSON.stringify(stats.byKind)}; disconnects ${JSON.stringify(stats.disconnects)}; ` +
        `errors ${JSON.stringify(stats.errors)}; RSS +${(rssGrowth / 1048576).toFixed(1)} MB (max ${(rssMax / 1048576).toFixed(0)} MB); ` +
        `relay p99 baseline ${base99.toFixed(2)} ms (n=${latency.baseline.length}), under attack ${attack99.toFixed(2)} ms (n=${latency.attack.length}, ` +
        `allowed ${allowed.toFixed(2)}), p50 ${percentile(latency.baseline, 50).toFixed(2)} → ${percentile(latency.attack, 50).toFixed(2)} ms; ` +
        `recording ${stored.hits.length} hits; attacked room: ${attackedRecordings.length} recordings (+ ${ownerless.size} battles' own), ${cleoStored.length} of ${cleoExpected.length} of Cleo's hits stored ` +
        `(${cleo.sent.length} struck, ${attackedRecordings.reduce((n, r) => n + r!.hits.length, 0)} hits in all)`,
    );
    expect(stats.sent).toBeGreaterThanOrEqual(TOTAL_MESSAGES);
    expect(stats.errors.abuse ?? 0).toBeGreaterThan(0); // the floods were cut off
    expect(stats.errors.rate_limited ?? 0).toBeGreaterThan(0);
    expect(rssGrowth).toBeLessThan(RSS_GROWTH_MAX_BYTES);
    expect(latency.attack.length).toBeGreaterThan(100);
    expect(attack99).toBeLessThanOrEqual(allowed);
  } finally {
    for (const s of sockets) s.close();
    await t.stop();
  }
}

const attackerConfig = process.env.BACKBEAT_FUZZ_ATTACKER;
if (attackerConfig) {
  // Child mode: this file was started by spawnAttackers; vitest is not running.
  const stats = await runAttackers(JSON.parse(attackerConfig) as AttackConfig);
  process.stdout.write(`${JSON.stringify(stats)}\n`);
  process.exit(0);
} else {
  describe("fuzz: hostile traffic while a normal room plays (sqlite)", () => {
    for (const { name, seed } of SEEDS) {
      it(name, () => fuzzOnce(seed), 90_000);
    }
  });
}
