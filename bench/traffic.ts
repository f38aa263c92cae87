/**
 * `npm run bench:traffic`: what a steady room costs each client in downstream traffic
 * (issue 13, "Telemetry as deltas": target ≤ 0.2 `room:state`/s and ≤ 2 kB/s per client in a
 * steady room of 8 players). Writes docs/benchmarks/traffic.md.
 *
 * The server is the real one without Next (test/support/api-server.ts) in one child process on a
 * temporary SQLite database. The 8 players are the real client, JamConnection
 * (app/lib/connection/jam-connection.ts), in this process: real clock-sync pings (a burst, then
 * every 500 ms), quality reports every 2 s with the listening figures its playouts measure, and
 * steady hits (4 per second each, seeded pads, staggered). After the room settles, every
 * client counts for 30 s everything its engine.io socket receives: `room:state` events per
 * second, bytes per second (each WebSocket frame: the engine.io packet plus its frame header)
 * and the same split by event.
 *
 *   npm run bench:traffic -- [--label after] [--server-root <checkout>] [--measure-s 30] [--settle-s 10]
 *
 * `--server-root` runs the server of another checkout (e.g. a worktree at the commit before the
 * server change) against today's client, for a before/after; each label keeps its own section in
 * the report, so runs of both are compared side by side.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import type { JamConnection } from "../app/lib/connection/jam-connection";
import { Drummer } from "../test/support/drummer";
import { joined, nodeConnection } from "../test/support/jam-node";
import { countFrame, emptyCounts, type TrafficCounts } from "./traffic-count";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const LABEL = arg("label", "current");
const SERVER_ROOT = resolve(arg("server-root", ROOT));
const PLAYERS = Number(arg("players", "8"));
const HITS_PER_SECOND = 4;
const SETTLE_S = Number(arg("settle-s", "10"));
const MEASURE_S = Number(arg("measure-s", "30"));
const REPORT = join(ROOT, "docs/benchmarks/traffic.md");
const TARGET = { roomStatePerS: 0.2, bytesPerS: 2_000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => console.log(`[bench:traffic] ${msg}`);

async function startServer(root: string, databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "test/support/api-server.ts")], {
    cwd: root,
    // one machine plays 8 players: the per-address limits stand for 8 machines
    env: { ...process.env, NODE_ENV: "test", PORT: "0", HOST: "127.0.0.1", DATABASE_URL: databaseUrl, IP_CONNECTION_LIMITS: "off" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start:\n${out}`)), 60_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /backbeat-api ready on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    });
    child.once("exit", (code) => rej(new Error(`server exited (${code}):\n${out}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/** Counts what a connection's engine.io socket receives (and sends), from its first open on. */
function meter(conn: JamConnection): { counts: TrafficCounts; reset(): void } {
  const m = { counts: emptyCounts(), reset: () => (m.counts = emptyCounts()) };
  conn.socket.io.on("open", () => {
    const engine = conn.socket.io.engine;
    engine.on("packet", (p: { type: string; data?: unknown }) => countFrame(m.counts.in, p.type, p.data));
    engine.on("packetCreate", (p: { type: string; data?: unknown }) => countFrame(m.counts.out, p.type, p.data));
  });
  return m;
}

interface RunResult {
  label: string;
  serverCommit: string;
  players: number;
  measureS: number;
  perClient: { roomStatePerS: number; bytesInPerS: number; bytesOutPerS: number }[];
  byEvent: { event: string; msgsPerS: number; bytesPerS: number }[];
}

async function run(): Promise<RunResult> {
  const dir = mkdtempSync(join(os.tmpdir(), "bb-traffic-"));
  const server = await startServer(SERVER_ROOT, `file:${join(dir, "traffic.db")}`);
  const conns: JamConnection[] = [];
  const drummers: Drummer[] = [];
  try {
    const res = await fetch(`${server.url}/api/rooms`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    const { code, hostToken } = (await res.json()) as { code: string; hostToken: string };
    const meters = [];
    for (let i = 0; i < PLAYERS; i++) {
      const c = nodeConnection({ url: server.url, roomCode: code, participantId: `traffic-${String(i).padStart(4, "0")}`, name: `P${i}`, hostToken: i === 0 ? hostToken : undefined });
      meters.push(meter(c));
      conns.push(c);
      await joined(c);
    }
    log(`${PLAYERS} players joined room ${code}; settling ${SETTLE_S} s`);
    // Staggered: the players do not all strike on the same millisecond.
    conns.forEach((c, i) => {
      const d = new Drummer(c, 7_000 + i, HITS_PER_SECOND);
      drummers.push(d);
      setTimeout(() => d.start(), (i * 1000) / HITS_PER_SECOND / PLAYERS);
    });
    await sleep(SETTLE_S * 1000);
    for (const m of meters) m.reset();
    log(`measuring ${MEASURE_S} s`);
    await sleep(MEASURE_S * 1000);
    const counts = meters.map((m) => m.counts);
    for (const d of drummers) d.stop();
    const events = new Map<string, { msgs: number; bytes: number }>();
    for (const c of counts) {
      for (const [event, v] of c.in.byEvent) {
        const e = events.get(event) ?? { msgs: 0, bytes: 0 };
        e.msgs += v.msgs;
        e.bytes += v.bytes;
        events.set(event, e);
      }
    }
    const perClientS = PLAYERS * MEASURE_S;
    return {
      label: LABEL,
      serverCommit: execFileSync("git", ["-C", SERVER_ROOT, "rev-parse", "--short", "HEAD"]).toString().trim() + (SERVER_ROOT === ROOT ? " (this tree)" : ""),
      players: PLAYERS,
      measureS: MEASURE_S,
      perClient: counts.map((c) => ({
        roomStatePerS: (c.in.byEvent.get("room:state")?.msgs ?? 0) / MEASURE_S,
        bytesInPerS: c.in.bytes / MEASURE_S,
        bytesOutPerS: c.out.bytes / MEASURE_S,
      })),
      byEvent: [...events.entries()]
        .map(([event, v]) => ({ event, msgsPerS: v.msgs / perClientS, bytesPerS: v.bytes / perClientS }))
        .sort((a, b) => b.bytesPerS - a.bytesPerS),
    };
  } finally {
    for (const d of drummers) d.stop();
    for (const c of conns) c.close();
    server.child.kill("SIGTERM");
    await new Promise((r) => server.child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- report ----------
const f = (x: number, d = 1) => x.toFixed(d);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function section(r: RunResult): string {
  const rs = r.perClient.map((c) => c.roomStatePerS);
  const bin = r.perClient.map((c) => c.bytesInPerS);
  const bout = r.perClient.map((c) => c.bytesOutPerS);
  const ok = (v: number, t: number) => (v <= t ? "met" : "**missed**");
  return [
    `<!-- run:${r.label} -->`,
    `### ${r.label}`,
    "",
    `- Run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC; server at ${r.serverCommit}; ${r.players} players, measured ${r.measureS} s per client after the room settled`,
    `- Machine: ${os.cpus()[0]?.model ?? "unknown"} (${os.cpus().length} logical cores), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")} (server and clients on this machine)`,
    "",
    "| per client | mean | min | max | target |",
    "|---|---:|---:|---:|---|",
    `| \`room:state\`/s received | ${f(mean(rs), 2)} | ${f(Math.min(...rs), 2)} | ${f(Math.max(...rs), 2)} | ≤ ${TARGET.roomStatePerS}: ${ok(mean(rs), TARGET.roomStatePerS)} |`,
    `| bytes/s received | ${f(mean(bin), 0)} | ${f(Math.min(...bin), 0)} | ${f(Math.max(...bin), 0)} | ≤ ${TARGET.bytesPerS}: ${ok(mean(bin), TARGET.bytesPerS)} |`,
    `| bytes/s sent | ${f(mean(bout), 0)} | ${f(Math.min(...bout), 0)} | ${f(Math.max(...bout), 0)} | |`,
    "",
    "Received per client, by event:",
    "",
    "| event | messages/s | bytes/s | share |",
    "|---|---:|---:|---:|",
    ...r.byEvent.map((e) => `| ${e.event} | ${f(e.msgsPerS, 2)} | ${f(e.bytesPerS, 0)} | ${f((100 * e.bytesPerS) / mean(bin), 0)} % |`),
    `<!-- /run:${r.label} -->`,
  ].join("\n");
}

function writeReport(r: RunResult): void {
  const old = existsSync(REPORT) ? readFileSync(REPORT, "utf8") : "";
  const runs = new Map<string, string>();
  for (const m of old.matchAll(/<!-- run:([\w-]+) -->[\s\S]*?<!-- \/run:\1 -->/g)) runs.set(m[1]!, m[0]);
  runs.set(r.label, section(r));
  const notes = /<!-- notes -->[\s\S]*?<!-- \/notes -->/.exec(old)?.[0] ?? "<!-- notes -->\n<!-- /notes -->";
  const md = [
    "# Traffic per client in a steady room",
    "",
    "Generated by `npm run bench:traffic` (bench/traffic.ts); each label's section is replaced by its next run, the notes are kept.",
    "",
    `Method: the real server without Next (test/support/api-server.ts) in one process on a temporary SQLite database;`,
    `${r.players} players are the real client (JamConnection, app/lib/connection/jam-connection.ts) in one Node process:`,
    `clock-sync pings (a burst on join, then every 500 ms), a quality report every 2 s with the listening figures`,
    `their playouts measure, ${HITS_PER_SECOND} hits/s each (seeded, staggered). After ${SETTLE_S} s of settling each client counts`,
    `for ${r.measureS} s every engine.io packet its socket receives: bytes are the packet as framed on the WebSocket (payload +`,
    "2–4 bytes of frame header; TCP/IP headers not counted). Target (issue 13): ≤ 0.2 `room:state`/s and ≤ 2 kB/s per client.",
    "",
    notes,
    "",
    ...[...runs.values()].flatMap((s) => [s, ""]),
  ].join("\n");
  writeFileSync(REPORT, md);
}

const result = await run();
writeReport(result);
const rs = mean(result.perClient.map((c) => c.roomStatePerS));
const bin = mean(result.perClient.map((c) => c.bytesInPerS));
log(`${result.label}: room:state ${f(rs, 2)}/s, ${f(bin, 0)} B/s received per client → ${REPORT}`);
process.exit(0);
