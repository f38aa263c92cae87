/**
 * `npm run bench:recording`: how fast recordings are stored and replayed.
 * Writes docs/benchmarks/recording.md.
 *
 * 1. Storage, on SQLite and PostgreSQL in one run. The server is
 *    test/support/api-server.ts (the real Backbeat server minus Next) in a
 *    child process; the players are the real client, JamConnection
 *    (app/lib/connection/jam-connection.ts, via test/support/jam-node.ts), in this process.
 *    Rooms of 2 players, each playing 20 hits/s, all recording; steps of
 *    200 → 500 → 1000 → 2000 hits/s in total (5 → 50 rooms), each run twice.
 *    Ack latency = this process's clock from emitting a hit to its `hits:ack`
 *    (the server acks only after the batch is stored). Throughput = hits
 *    acknowledged per second in the step's steady window; afterwards every
 *    recording is read back over the API and must hold every hit struck.
 * 2. A 100,000-hit recording inserted through openStore(...).addHits, then
 *    GET /api/recordings/<id> timed on both databases.
 * 3. In Chromium (needs a production build, `next build`): navigation → first
 *    hit scheduled after Play on /replay/<id> for that recording, and WAV
 *    render speed. Uses bench/replay-browser.ts when it exists, else measures
 *    through window.__backbeatReplay itself (see the report for which).
 *
 * Options: --skip-browser, --quick (one run per step, shorter steps),
 * env TEST_DATABASE_URL / BENCH_DATABASE_URL for PostgreSQL (default
 * postgresql://postgres@127.0.0.1:5432/test; a fresh schema, dropped after).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { PAD_IDS } from "../core/kit";
import type { RecordingJson } from "../core/http-api";
import { seededRng } from "../core/rng";
import { quantile } from "../core/stats";
import { ACK_INTERVAL_MS, FLUSH_INTERVAL_MS } from "../server/room/writer";
import { openStore } from "../server/storage";
import type { Hit } from "../core/hit";
import { Drummer } from "../test/support/drummer";
import type { JamConnection } from "../app/lib/connection/jam-connection";
import { drained, joined, nodeConnection } from "../test/support/jam-node";
import { spawnApiServer, type ApiServerProcess } from "../test/support/server-process";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REPORT = join(ROOT, "docs/benchmarks/recording.md");
const QUICK = process.argv.includes("--quick");
const SKIP_BROWSER = process.argv.includes("--skip-browser");
const PG_BASE = process.env.BENCH_DATABASE_URL?.trim() || process.env.TEST_DATABASE_URL?.trim() || "postgresql://postgres@127.0.0.1:5432/test";

const PER_PLAYER_HPS = 20;
const STEPS_HPS = [200, 500, 1000, 2000];
const RUNS = QUICK ? 1 : 2;
const STEP_MS = QUICK ? 4_000 : 8_000;
/** excluded from the throughput window (joins settle, first flushes) */
const WARMUP_MS = 1_000;
/** an ack waits for its batch (≤ FLUSH_INTERVAL_MS) and for its sender's ack slot (≤ ACK_INTERVAL_MS since the last): allow both plus 150 ms */
const P99_TARGET_MS = FLUSH_INTERVAL_MS + ACK_INTERVAL_MS + 150;
const BIG_HITS = 100_000;

// ---------- helpers ----------
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "—");
const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toString() : "—");
function log(msg: string): void {
  process.stderr.write(`[bench:recording] ${msg}\n`);
}

interface Db {
  kind: "sqlite" | "postgres";
  url: string;
  cleanup(): Promise<void>;
}
function sqliteDb(): Db {
  const dir = mkdtempSync(join(os.tmpdir(), "backbeat-bench-"));
  return { kind: "sqlite", url: `file:${join(dir, "bench.db")}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}
async function postgresDb(): Promise<Db | string> {
  const client = new pg.Client({ connectionString: PG_BASE });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (err) {
    return `PostgreSQL at ${PG_BASE.replace(/\/\/[^@]*@/, "//…@")} unreachable: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    await client.end().catch(() => undefined);
  }
  const schema = `bb_bench_${randomBytes(6).toString("hex")}`;
  const url = new URL(PG_BASE);
  url.searchParams.set("schema", schema);
  return {
    kind: "postgres",
    url: url.toString(),
    async cleanup() {
      const c = new pg.Client({ connectionString: PG_BASE });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

/** user+system CPU seconds of a process (Linux /proc) */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

// ---------- 1. storage throughput ----------
interface StepResult {
  kind: Db["kind"];
  targetHps: number;
  run: number;
  rooms: number;
  players: number;
  struck: number;
  offeredHps: number;
  ackedHps: number;
  p50: number;
  p99: number;
  max: number;
  /** from the last strike to the last ack */
  drainMs: number;
  stored: number;
  lost: number;
  serverCpuPct: number;
  benchLoopP99Ms: number;
  /** 1-minute load average at the end of the step (other work on the machine shows here) */
  load1: number;
}

async function createRoom(url: string): Promise<string> {
  const res = await fetch(`${url}/api/rooms`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  if (res.status !== 201) throw new Error(`create room: ${res.status}`);
  return ((await res.json()) as { code: string }).code;
}

async function runStep(server: ApiServerProcess, kind: Db["kind"], targetHps: number, run: number): Promise<StepResult> {
  const players = Math.round(targetHps / PER_PLAYER_HPS);
  const rooms = Math.ceil(players / 2);
  const latencies: { sentAt: number; ackAt: number }[] = [];
  const clients: JamConnection[] = [];
  const drummers: Drummer[] = [];
  const recordings: { id: string; host: JamConnection; players: { pid: string; drummer: Drummer }[] }[] = [];
  try {
    for (let r = 0; r < rooms; r++) {
      const code = await createRoom(server.url);
      const inRoom: { pid: string; drummer: Drummer }[] = [];
      for (let p = 0; p < 2 && clients.length < players; p++) {
        const n = clients.length;
        const pid = `bench-${run}-${targetHps}-${String(n).padStart(4, "0")}`;
        const c = nodeConnection({ url: server.url, roomCode: code, participantId: pid, name: `P${n}` });
        // Ack latency: from striking a hit sent live to its hits:ack, on this process's clock.
        const sentAt = new Map<number, number>();
        c.onAck((seqs) => {
          const ackAt = performance.timeOrigin + performance.now();
          for (const seq of seqs) {
            const at = sentAt.get(seq);
            if (at !== undefined) latencies.push({ sentAt: at, ackAt });
            sentAt.delete(seq);
          }
        });
        const striker = {
          strike: (pad: Parameters<JamConnection["strike"]>[0], velocity: number) => {
            const live = c.status.kind === "joined";
            const hit = c.strike(pad, velocity);
            if (live) sentAt.set(hit.seq, performance.timeOrigin + performance.now());
            return hit;
          },
        };
        clients.push(c);
        const d = new Drummer(striker, 1000 * run + n, PER_PLAYER_HPS);
        drummers.push(d);
        inRoom.push({ pid, drummer: d });
      }
      await Promise.all(clients.slice(-inRoom.length).map((c) => joined(c)));
      const host = clients[clients.length - inRoom.length]!;
      const res = await host.startRecording();
      if (!res.ok) throw new Error(res.error.message);
      recordings.push({ id: res.data.id, host, players: inRoom });
    }
    await sleep(100);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    const cpu0 = cpuSeconds(server.pid);
    const t0 = performance.timeOrigin + performance.now();
    // Staggered starts: players do not all strike on the same millisecond.
    const periodMs = 1000 / PER_PLAYER_HPS;
    drummers.forEach((d, i) => setTimeout(() => d.start(), (i * periodMs) / drummers.length));
    loop.enable();
    await sleep(STEP_MS);
    for (const d of drummers) d.stop();
    const tEnd = performance.timeOrigin + performance.now();
    loop.disable();
    await Promise.all(clients.map((c) => drained(c, 30_000)));
    const tDrained = performance.timeOrigin + performance.now();
    const cpu1 = cpuSeconds(server.pid);
    for (const r of recordings) {
      const res = await r.host.stopRecording();
      if (!res.ok) throw new Error(res.error.message);
    }
    let stored = 0;
    let lost = 0;
    for (const r of recordings) {
      const rec = (await (await fetch(`${server.url}/api/recordings/${r.id}`)).json()) as RecordingJson;
      stored += rec.hits.length;
      const got = new Set(rec.hits.map((h) => `${h.participantId}/${h.seq}`));
      for (const { pid, drummer } of r.players) for (const h of drummer.struck) if (!got.has(`${pid}/${h.seq}`)) lost++;
    }
    const struck = drummers.reduce((s, d) => s + d.struck.length, 0);
    const winStart = t0 + WARMUP_MS;
    const inWindow = latencies.filter((l) => l.sentAt >= winStart && l.sentAt <= tEnd);
    const lat = inWindow.map((l) => l.ackAt - l.sentAt).sort((a, b) => a - b);
    // hits sent in the window that were acknowledged (acks come in bursts, one per sender per ACK_INTERVAL_MS:
    // counting acks received within the window would measure where its edges cut those bursts)
    const ackedInWindow = inWindow.length;
    return {
      kind,
      targetHps,
      run,
      rooms,
      players,
      struck,
      offeredHps: struck / ((tEnd - t0) / 1000),
      ackedHps: ackedInWindow / ((tEnd - winStart) / 1000),
      p50: quantile(lat, 0.5),
      p99: quantile(lat, 0.99),
      max: lat.at(-1) ?? NaN,
      drainMs: tDrained - tEnd,
      stored,
      lost,
      serverCpuPct: ((cpu1 - cpu0) / ((tDrained - t0) / 1000)) * 100,
      benchLoopP99Ms: loop.percentile(99) / 1e6,
      load1: os.loadavg()[0]!,
    };
  } finally {
    for (const d of drummers) d.stop();
    for (const c of clients) c.close();
  }
}

async function storageBench(db: Db): Promise<StepResult[]> {
  // Up to 100 players, all from 127.0.0.1: the per-address connection limits would refuse them.
  const server = await spawnApiServer({ databaseUrl: db.url, env: { ...process.env, IP_CONNECTION_LIMITS: "off" } });
  const out: StepResult[] = [];
  try {
    for (const hps of STEPS_HPS) {
      for (let run = 1; run <= RUNS; run++) {
        const r = await runStep(server, db.kind, hps, run);
        log(`${db.kind} ${hps} hits/s run ${run}: acked ${f0(r.ackedHps)}/s, p50 ${f1(r.p50)} ms, p99 ${f1(r.p99)} ms, lost ${r.lost}`);
        out.push(r);
        await sleep(500);
      }
    }
  } finally {
    await server.stop();
  }
  return out;
}

// ---------- 2. a 100,000-hit recording ----------
interface BigResult {
  kind: Db["kind"];
  recordingId: string;
  durationS: number;
  insertMs: number;
  /** GET /api/recordings/<id>: wall ms (3 tries) */
  getMs: number[];
  bytes: number;
}

/** Two players, 16th-note-ish grooves with human spread, 10 hits/s each: ~83 minutes. */
function bigHits(startMs: number): Hit[] {
  const rng = seededRng(100);
  const hits: Hit[] = [];
  const players = ["big-player-01", "big-player-02"];
  const perPlayer = BIG_HITS / players.length;
  players.forEach((pid, p) => {
    for (let i = 0; i < perPlayer; i++) {
      const pad = PAD_IDS[Math.floor(rng() * PAD_IDS.length)]!;
      hits.push({ participantId: pid, seq: i + 1, strikeAtMs: startMs + i * 100 + p * 50 + (rng() - 0.5) * 10, pad, velocity: Math.round((0.3 + rng() * 0.7) * 100) / 100 });
    }
  });
  return hits;
}

async function bigRecording(db: Db): Promise<BigResult> {
  const store = await openStore(db.url);
  const id = `big-${randomBytes(6).toString("hex")}`;
  const startMs = Date.now() - 6_000_000;
  const hits = bigHits(startMs);
  const t0 = performance.now();
  try {
    await store.createRoom({ code: "bench-big-1", tempoBpm: 150, beatsPerBar: 4 });
    await store.upsertParticipant({ id: "big-player-01", roomCode: "bench-big-1", name: "Ada", color: "#f97316" });
    await store.upsertParticipant({ id: "big-player-02", roomCode: "bench-big-1", name: "Bo", color: "#22d3ee" });
    await store.createRecording({ id, roomCode: "bench-big-1", title: "100k hits", startedAtMs: startMs, tempoBpm: 150, beatsPerBar: 4, participantIds: ["big-player-01", "big-player-02"] });
    for (let i = 0; i < hits.length; i += 1000) await store.addHits(id, hits.slice(i, i + 1000));
    const endMs = Math.max(...hits.map((h) => h.strikeAtMs)) + 1000;
    await store.finishRecording(id, endMs);
    const insertMs = performance.now() - t0;
    await store.close();
    const server = await spawnApiServer({ databaseUrl: db.url });
    try {
      const getMs: number[] = [];
      let bytes = 0;
      for (let i = 0; i < 3; i++) {
        const s = performance.now();
        const res = await fetch(`${server.url}/api/recordings/${id}`);
        const body = await res.text();
        getMs.push(performance.now() - s);
        bytes = body.length;
        const rec = JSON.parse(body) as RecordingJson;
        if (rec.hits.length !== BIG_HITS) throw new Error(`expected ${BIG_HITS} hits, got ${rec.hits.length}`);
      }
      return { kind: db.kind, recordingId: id, durationS: (endMs - startMs) / 1000, insertMs, getMs, bytes };
    } finally {
      await server.stop();
    }
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}

// ---------- 3. the browser ----------
interface BrowserResult {
  source: string;
  /** what was measured, as lines for the report */
  lines: string[];
  raw: unknown;
}

async function browserBench(sqliteUrl: string, recordingId: string): Promise<BrowserResult | string> {
  const dist = process.env.NEXT_DIST_DIR || ".next"; // next.config.mjs builds and serves from there
  if (!existsSync(join(ROOT, dist, "BUILD_ID"))) return `no production build (${dist}/BUILD_ID missing): run \`next build\` first`;
  const { AppServer, freePort } = await import("../e2e/server");
  const app = new AppServer(await freePort(), sqliteUrl);
  await app.start();
  try {
    const helper = join(ROOT, "bench", "replay-browser.ts");
    if (existsSync(helper)) {
      const mod = (await import(pathToFileURL(helper).href)) as Record<string, unknown>;
      const fn = (mod.measureReplayBrowser ?? Object.values(mod).find((v) => typeof v === "function")) as
        | ((baseUrl: string, id: string) => Promise<{ summary?: string[]; wav?: { speed: number } | null }>)
        | undefined;
      if (!fn) return "bench/replay-browser.ts exports no function";
      const raw = await fn(app.url, recordingId);
      const lines = [...(raw.summary ?? [])];
      if (raw.wav) lines.push(`- WAV target ≥ 50× real time: ${raw.wav.speed >= 50 ? "**met**" : "**not met**"} (${raw.wav.speed.toFixed(0)}×)`);
      return { source: "bench/replay-browser.ts (`measureReplayBrowser`)", lines, raw };
    }
    return await measureReplayOurselves(app.url, recordingId);
  } finally {
    await app.stop();
  }
}

async function measureReplayOurselves(baseUrl: string, recordingId: string): Promise<BrowserResult> {
  const { chromium } = await import("playwright-core");
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  const browser = await chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-gpu", "--disable-quic"],
  });
  const lines: string[] = [];
  const raw: Record<string, unknown> = { chromium: browser.version() };
  try {
    const tries: { readyMs: number; firstMs: number; playToFirstMs: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await browser.newPage();
      await page.goto(`${baseUrl}/replay/${recordingId}`, { timeout: 120_000 });
      await page.waitForFunction(() => window.__backbeatReplay?.perf.readyMs != null, null, { timeout: 120_000 });
      await page.getByRole("button", { name: "Play", exact: true }).click();
      await page.waitForFunction(() => window.__backbeatReplay?.perf.firstScheduledMs != null, null, { timeout: 60_000 });
      const perf = await page.evaluate(() => window.__backbeatReplay!.perf);
      tries.push({ readyMs: perf.readyMs!, firstMs: perf.firstScheduledMs!, playToFirstMs: perf.firstScheduledMs! - perf.playPressedMs! });
      await page.close();
    }
    raw.replay = tries;
    const med = (k: keyof (typeof tries)[number]) => tries.map((t) => t[k]).sort((a, b) => a - b)[1]!;
    lines.push(
      `- Navigation → replay ready (hits loaded, transport built): median **${f0(med("readyMs"))} ms** (3 loads: ${tries.map((t) => f0(t.readyMs)).join(", ")})`,
      `- Navigation → first hit scheduled after Play: median **${f0(med("firstMs"))} ms**; Play → first hit scheduled: median ${f1(med("playToFirstMs"))} ms. (The click comes from Playwright as soon as the page is ready, so navigation → first hit includes the automation's round trip.)`,
    );
    // WAV: the page renders at most 20 minutes; export the default range if allowed.
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/replay/${recordingId}`, { timeout: 120_000 });
    await page.waitForFunction(() => window.__backbeatReplay?.perf.readyMs != null, null, { timeout: 120_000 });
    const exportButton = page.getByRole("button", { name: "Export WAV" });
    if (await exportButton.isDisabled()) {
      lines.push("- WAV render: **not measured** on this recording — the page refuses to export more than 20 minutes at once.");
      raw.wav = null;
    } else {
      await exportButton.click();
      await page.waitForFunction(() => window.__backbeatReplay?.wavRender != null, null, { timeout: 600_000 });
      const w = await page.evaluate(() => window.__backbeatReplay!.wavRender!);
      raw.wav = w;
      lines.push(`- WAV render: ${f1(w.renderedSec)} s of audio in ${f0(w.wallMs)} ms → **${f0(w.speed)}× real time** (render + encoding: ${f0(w.totalWallMs)} ms)`);
    }
    await page.close();
  } finally {
    await browser.close();
  }
  return { source: "bench/recording.ts (window.__backbeatReplay)", lines, raw };
}

// ---------- report ----------
function machine(): string[] {
  let uname = "unknown";
  try {
    uname = execFileSync("uname", ["-a"], { encoding: "utf8" }).trim();
  } catch {
    /* not Unix */
  }
  const cpu = os.cpus()[0]?.model ?? "unknown";
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: \`${uname}\``,
    `- CPU: ${cpu} (${os.cpus().length} logical cores), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM — server, database and load generator all on this machine`,
    `- Node.js ${process.version}`,
    `- Load average at the start (1/5/15 min): ${os.loadavg().map((x) => x.toFixed(1)).join(" / ")} — anything well above 0 means other work shared the CPUs and inflates latencies`,
  ];
}

function storageTable(rows: StepResult[]): string[] {
  const out = [
    "| db | target hits/s | run | rooms × 2 players | offered hits/s | acked hits/s | ack p50 (ms) | ack p99 (ms) | ack max (ms) | drain after stop (ms) | stored / struck | server CPU | load-gen loop p99 (ms) | load avg |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    out.push(
      `| ${r.kind} | ${r.targetHps} | ${r.run} | ${r.rooms} | ${f0(r.offeredHps)} | ${f0(r.ackedHps)} | ${f1(r.p50)} | ${f1(r.p99)} | ${f0(r.max)} | ${f0(r.drainMs)} | ${r.stored} / ${r.struck}${r.lost ? ` (**${r.lost} lost**)` : ""} | ${f0(r.serverCpuPct)}% | ${f1(r.benchLoopP99Ms)} | ${f1(r.load1)} |`,
    );
  }
  return out;
}

function sustained(rows: StepResult[], kind: Db["kind"]): string {
  const byStep = STEPS_HPS.map((hps) => rows.filter((r) => r.kind === kind && r.targetHps === hps));
  let best: { hps: number; acked: number[]; p99: number[] } | null = null;
  for (const [i, runs] of byStep.entries()) {
    if (runs.length === 0) break;
    const ok = runs.every((r) => r.p99 < P99_TARGET_MS && r.lost === 0 && r.ackedHps >= 0.95 * r.offeredHps);
    if (!ok) break;
    best = { hps: STEPS_HPS[i]!, acked: runs.map((r) => r.ackedHps), p99: runs.map((r) => r.p99) };
  }
  if (!best) return `- **${kind}**: no step kept ack p99 under ${P99_TARGET_MS} ms with nothing lost`;
  const span = (xs: number[], fmt: (x: number) => string) => (xs.length > 1 ? `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}` : fmt(xs[0]!));
  const top = best.hps === STEPS_HPS.at(-1) ? " (the highest step tried: the limit is above it)" : "";
  return `- **${kind}**: sustained **${best.hps} hits/s**${top} — acked ${span(best.acked, f0)} hits/s, ack p99 ${span(best.p99, f1)} ms over ${RUNS} run(s)`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const machineLines = machine();
  const dbs: Db[] = [sqliteDb()];
  const pgDb = await postgresDb();
  const notes: string[] = [];
  if (typeof pgDb === "string") notes.push(`PostgreSQL not measured: ${pgDb}`);
  else dbs.push(pgDb);

  const steps: StepResult[] = [];
  const bigs: BigResult[] = [];
  let browser: BrowserResult | string = "skipped (--skip-browser)";
  try {
    for (const db of dbs) {
      log(`storage on ${db.kind}`);
      steps.push(...(await storageBench(db)));
    }
    for (const db of dbs) {
      log(`100k-hit recording on ${db.kind}`);
      bigs.push(await bigRecording(db));
    }
    if (!SKIP_BROWSER) {
      const sq = bigs.find((b) => b.kind === "sqlite")!;
      log("browser replay");
      browser = await browserBench(dbs[0]!.url, sq.recordingId).catch((err: unknown) => `failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  } finally {
    for (const db of dbs) await db.cleanup().catch(() => undefined);
  }

  const md: string[] = [
    "# Recording benchmark",
    "",
    "Generated by `npm run bench:recording` (bench/recording.ts). Do not edit by hand.",
    "",
    ...machineLines,
    `- Wall-clock runtime: ${f0((performance.now() - started) / 1000)} s${QUICK ? " (--quick)" : ""}`,
    ...notes.map((n) => `- ${n}`),
    "",
    "## Storage: hits stored per second and acknowledgement latency",
    "",
    `Method: the server (test/support/api-server.ts: the real server minus Next) runs in a child process; the`,
    `players are the real client (JamConnection, app/lib/connection/jam-connection.ts, with the real`,
    `HitOutbox) in the benchmark process. Rooms of 2 players, each playing ${PER_PLAYER_HPS} hits/s (seeded pads and`,
    `velocities), every room recording; each step runs ${STEP_MS / 1000} s, ${RUNS}× on a fresh set of rooms. Ack latency =`,
    `emit of a hit → its \`hits:ack\` (sent only after the batch is stored; batches every ${FLUSH_INTERVAL_MS} ms, one`,
    `transaction per recording; and a sender gets at most one ack per ${ACK_INTERVAL_MS} ms, listing every hit stored since the last,`,
    `so the ack latency is mostly that pacing, not the database), on the load generator's clock, for hits sent after a ${WARMUP_MS / 1000} s warm-up.`,
    `Acked hits/s counts the hits sent in that window that were acknowledged (by the end of the drain after Stop). After each step every recording is read back over the API:`,
    "*stored / struck* must match. Server CPU = the server process's user+system time / wall time (100% = one core).",
    "",
    `### Sustained rate (every run of the step: ack p99 < ${P99_TARGET_MS} ms, acked ≥ 95% of offered, nothing lost)`,
    "",
    ...dbs.map((d) => sustained(steps, d.kind)),
    "",
    "### Every step",
    "",
    ...storageTable(steps),
    "",
    "## A 100,000-hit recording",
    "",
    `Two players, 10 hits/s each (~${f0((bigs[0]?.durationS ?? 0) / 60)} minutes), inserted through \`openStore(...).addHits\` in batches of 1,000;`,
    "then `GET /api/recordings/<id>` (what the replay page loads) from the child-process server, 3 times.",
    "",
    "| db | insert 100k hits (ms) | insert hits/s | GET /api/recordings/<id> (ms, 3 tries) | response size |",
    "|---|---|---|---|---|",
    ...bigs.map((b) => `| ${b.kind} | ${f0(b.insertMs)} | ${f0(BIG_HITS / (b.insertMs / 1000))} | ${b.getMs.map(f0).join(", ")} | ${(b.bytes / 1e6).toFixed(1)} MB |`),
    "",
    "## In Chromium: load and start replaying; WAV render speed",
    "",
  ];
  if (typeof browser === "string") md.push(`Not measured: ${browser}.`);
  else {
    md.push(`Measured by ${browser.source} on the SQLite 100k-hit recording, production build (e2e/server.ts AppServer).`, "", ...browser.lines);
    md.push("", "<details><summary>raw</summary>", "", "```json", JSON.stringify(browser.raw, null, 2), "```", "", "</details>");
  }
  md.push("");
  mkdirSync(dirname(REPORT), { recursive: true });
  writeFileSync(REPORT, md.join("\n"));
  process.stdout.write(md.join("\n") + "\n");
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  },
);
