/**
 * `npm run bench:idle-rooms`: does a server's memory stay bounded when rooms are
 * made and left (issue 12)? Writes docs/benchmarks/idle-rooms.md.
 *
 * The server is test/support/api-server.ts (the real Backbeat server minus Next)
 * in a child process on a temporary SQLite database, per-address limits off
 * (every visitor is this process, 127.0.0.1). Each room is one visit: POST
 * /api/rooms, a fresh Socket.IO connection joins it as host, then disconnects
 * (32 visits at a time). Two rounds of 10,000 rooms, after a warm-up of 500;
 * the server's RSS is read from /proc 10 s after each round and once the rooms
 * have left memory (`/api/health` roomsInMemory back to 0).
 *
 * Twice: with the default idle time (ROOM_IDLE_SECONDS=60), and with rooms kept
 * for a day (ROOM_IDLE_SECONDS=86400) — how every room stayed in memory before.
 * Not a timing benchmark: a busy machine changes how long it takes, not the memory.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";
import { PROTOCOL_VERSION, type ClientToServerEvents, type ServerToClientEvents } from "../core/protocol";
import { tempSqliteUrl } from "../test/integration/helpers";
import { spawnApiServer, type ApiServerProcess } from "../test/support/server-process";
import type { Socket } from "socket.io-client";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "docs/benchmarks/idle-rooms.md");
const ROUND = Number(process.env.BENCH_ROOMS ?? 10_000);
const WARMUP = 500;
const CONCURRENCY = 32;
/** the default idle time (server/room/service.ts DEFAULT_ROOM_IDLE_MS) and the sweep (10 s), plus slack */
const EVICT_WAIT_MS = 120_000;
/** quiet time before each RSS reading */
const SETTLE_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (kib: number) => kib / 1024;

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

async function roomsInMemory(url: string): Promise<number> {
  const res = await fetch(`${url}/api/health`);
  return ((await res.json()) as { roomsInMemory: number }).roomsInMemory;
}

/** One visit: make a room, join it as its host on a fresh connection, leave (close the tab). */
async function visit(url: string, i: number): Promise<void> {
  const res = await fetch(`${url}/api/rooms`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  if (res.status !== 201) throw new Error(`POST /api/rooms: ${res.status} ${await res.text()}`);
  const { code, hostToken } = (await res.json()) as { code: string; hostToken: string };
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { transports: ["websocket"], forceNew: true, reconnection: false });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    const joined = await socket.timeout(10_000).emitWithAck("join", {
      protocolVersion: PROTOCOL_VERSION,
      roomCode: code,
      participantId: `idle-${String(i).padStart(8, "0")}`,
      name: "Idle",
      hostToken,
    });
    if (!joined.ok) throw new Error(`join: ${joined.error.message}`);
  } finally {
    socket.close();
  }
}

async function visits(url: string, from: number, count: number): Promise<number> {
  const t0 = performance.now();
  let next = from;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < from + count) await visit(url, next++);
    }),
  );
  return (performance.now() - t0) / 1000;
}

async function untilEvicted(url: string): Promise<number | null> {
  const t0 = performance.now();
  while (performance.now() - t0 < EVICT_WAIT_MS) {
    if ((await roomsInMemory(url)) === 0) return (performance.now() - t0) / 1000;
    await sleep(1_000);
  }
  return null;
}

interface Sample {
  label: string;
  rssMiB: number;
  rooms: number;
  note: string;
}

async function run(idleSeconds: number): Promise<Sample[]> {
  const db = tempSqliteUrl();
  const server: ApiServerProcess = await spawnApiServer({
    databaseUrl: db.url,
    env: { ...process.env, IP_CONNECTION_LIMITS: "off", ROOM_IDLE_SECONDS: String(idleSeconds) },
  });
  const pid = server.pid!;
  const samples: Sample[] = [];
  const sample = async (label: string, note = "") => {
    // V8 collects once allocation stops (its memory reducer): read RSS after that, in both runs alike
    if (samples.length > 0) await sleep(SETTLE_MS);
    samples.push({ label, rssMiB: mib(rssKiB(pid)), rooms: await roomsInMemory(server.url), note });
    console.log(`  ${label}: RSS ${samples.at(-1)!.rssMiB.toFixed(1)} MiB, ${samples.at(-1)!.rooms} rooms in memory ${note}`);
  };
  try {
    await sample("started");
    await visits(server.url, 0, WARMUP);
    const evictable = idleSeconds < 3_600;
    if (evictable) await untilEvicted(server.url);
    await sample(`after a warm-up of ${WARMUP} rooms`, evictable ? "(left memory)" : "");
    for (let round = 1; round <= 2; round++) {
      const secs = await visits(server.url, WARMUP + (round - 1) * ROUND, ROUND);
      await sample(`after ${(round * ROUND).toLocaleString("en")} rooms made and left`, `(${secs.toFixed(0)} s, ${(ROUND / secs).toFixed(0)} rooms/s)`);
      if (evictable) {
        const waited = await untilEvicted(server.url);
        await sample(`  … idle rooms gone`, waited === null ? "(not within the wait!)" : `(${waited.toFixed(0)} s later)`);
      }
    }
  } finally {
    await server.stop();
    db.cleanup();
  }
  return samples;
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  let uname = `${os.type()} ${os.release()} ${os.arch()}`;
  try {
    uname = execFileSync("uname", ["-a"], { encoding: "utf8" }).trim();
  } catch {
    /* keep the short form */
  }
  return [
    `- Machine: \`${uname}\``,
    `- CPU: ${cpu} (${os.cpus().length} logical cores), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM — server and visitors on this machine`,
    `- Node.js ${process.version}`,
    `- Load average at the start (1/5/15 min): ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")}`,
  ].join("\n");
}

const table = (samples: Sample[]) =>
  ["| moment | server RSS (MiB) | rooms in memory | |", "|---|---|---|---|", ...samples.map((s) => `| ${s.label} | ${s.rssMiB.toFixed(1)} | ${s.rooms.toLocaleString("en")} | ${s.note} |`)].join("\n");

async function main(): Promise<void> {
  const startedAt = new Date();
  console.log("idle rooms leave memory (ROOM_IDLE_SECONDS=60, the default):");
  const evicting = await run(60);
  console.log("rooms kept for a day (ROOM_IDLE_SECONDS=86400: as before idle rooms left memory):");
  const keeping = await run(86_400);
  const gone = evicting.filter((x) => x.label.includes("idle rooms gone"));
  const peak = Math.max(...evicting.map((x) => x.rssMiB));
  const kept = keeping.filter((x) => x.label.startsWith("after") && x.label.includes("made and left"));
  const last = evicting.at(-1)!;
  const kept2 = keeping.at(-1)!;
  const growth = kept.length === 2 ? kept[1]!.rssMiB - kept[0]!.rssMiB : Number.NaN;
  const md = `# Idle rooms benchmark

Generated by \`npm run bench:idle-rooms\` (bench/idle-rooms.ts). Do not edit by hand.

- Date: ${startedAt.toISOString()}
${machine()}
- Wall-clock runtime: ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s

## Result

| after ${(2 * ROUND).toLocaleString("en")} rooms made and left (+ ${WARMUP} warm-up) | rooms in memory | server RSS |
|---|---|---|
| idle rooms leave memory (default, 60 s), once they are idle | ${last.rooms.toLocaleString("en")} | ${last.rssMiB.toFixed(0)} MiB |
| rooms kept in memory (as before) | ${kept2.rooms.toLocaleString("en")} | ${kept2.rssMiB.toFixed(0)} MiB |

Every time the visits stopped, the rooms in memory went back to ${gone.map((g) => g.rooms).join(" and ")} (${gone.map((g) => g.note.replace(/[()]/g, "")).join(", ")}).
With idle rooms leaving, RSS peaked at ${peak.toFixed(0)} MiB (the rooms of the last minute, plus garbage
not yet collected) and was ${gone.map((g) => `${g.rssMiB.toFixed(0)} MiB`).join(", then ")} once they had gone; kept, RSS grew with
every room (${Number.isNaN(growth) ? "" : `${growth >= 0 ? "+" : ""}${growth.toFixed(0)} MiB for the second ${ROUND.toLocaleString("en")}, `}${kept2.rssMiB.toFixed(0)} MiB at the end).

RSS is what the system sees, not what is live: V8 gives freed heap back when it chooses, so a
reading right after the rooms left can still hold heap they used. The rooms-in-memory column is the
exact measure; RSS shows it does not build up.

## Method

The server is test/support/api-server.ts (the real Backbeat server minus Next) in a child process on a
temporary SQLite database, with per-address limits off (IP_CONNECTION_LIMITS=off: every visitor is
127.0.0.1). Each room is one visit: \`POST /api/rooms\`, a fresh Socket.IO connection joins it as host,
then disconnects (${CONCURRENCY} visits at a time). A warm-up of ${WARMUP} rooms, then two rounds of
${ROUND.toLocaleString("en")}. RSS is VmRSS of the server process from /proc; "rooms in memory" is \`/api/health\`
\`roomsInMemory\`; each reading is taken after ${SETTLE_MS / 1000} s without visits. A room with nobody connected leaves memory after ROOM_IDLE_SECONDS (swept every 10 s);
its state stays in the database and the next join loads it.

### Idle rooms leave memory (ROOM_IDLE_SECONDS=60, the default)

${table(evicting)}

### Rooms kept in memory (ROOM_IDLE_SECONDS=86400: how every room stayed before)

${table(keeping)}
`;
  writeFileSync(OUT, md);
  console.log(`wrote ${OUT}`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
