/**
 * `npm run bench:bundle`: how much JavaScript each page makes a visitor
 * download — home, a room, a replay — measured the honest way: the production
 * build is served by the real server, each page is loaded in Chromium with an
 * empty cache, and the JS responses it fetched on its own (no clicks) until
 * the network is idle are summed, gzipped (zlib's default level, as the
 * server's compression sends them). Then what the biggest parts are, from the
 * build's source maps (./bundle-sources.ts).
 *
 * Options:
 *   --no-build       measure the existing build in $NEXT_DIST_DIR (default .next-bundle)
 *   --json <file>    also write the figures as JSON
 *   --max-room-kb N  exit 1 when the room page is over N kB gzipped (default 180: issue 13)
 *
 * The build runs with BACKBEAT_BROWSER_SOURCEMAPS=1 (next.config.mjs) in its
 * own dist dir, so it never touches .next; the chunks' trailing
 * sourceMappingURL comment is removed before measuring, so sizes are those of
 * a build without maps. `next build` adds its dist dir's types to
 * tsconfig.json: the file is put back as it was.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { gzipSync } from "node:zlib";
import { AppServer, freePort } from "../e2e/server";
import { openStore } from "../server/storage";
import { composition, sourceMapUrlOf, withoutSourceMapComment, type SourceMapV3 } from "./bundle-sources";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const DIST = process.env.NEXT_DIST_DIR || ".next-bundle";
/** issue 13: "Room page JS ≤ 180 kB gzipped" */
const MAX_ROOM_KB = Number(option("--max-room-kb") ?? 180);
/** a page is done loading JS once no script was requested for this long after its load event */
const SCRIPT_QUIET_MS = 2000;
/** how many of a page's biggest parts to list */
const TOP_PARTS = 12;

interface Script {
  url: string;
  /** bytes as served by a build without source maps */
  rawBytes: number;
  gzipBytes: number;
  /** what the server itself sent as Content-Encoding (empty: uncompressed) */
  servedEncoding: string;
  /** finished before the page's load event (else: fetched by the page afterwards, e.g. a dynamic import on mount) */
  beforeLoad: boolean;
  code: string;
}

interface PageResult {
  page: string;
  path: string;
  scripts: number;
  rawKb: number;
  gzipKb: number;
  gzipKbBeforeLoad: number;
  parts: { part: string; gzipKb: number; rawKb: number }[];
  files: { file: string; gzipKb: number; rawKb: number; servedEncoding: string; beforeLoad: boolean }[];
}

const kb = (bytes: number) => Math.round((bytes / 1000) * 10) / 10;

function build(): void {
  const tsconfig = readFileSync("tsconfig.json", "utf8");
  try {
    execFileSync("npx", ["next", "build"], {
      stdio: "inherit",
      env: { ...process.env, NEXT_DIST_DIR: DIST, BACKBEAT_BROWSER_SOURCEMAPS: "1", NEXT_TELEMETRY_DISABLED: "1" },
    });
  } finally {
    writeFileSync("tsconfig.json", tsconfig);
  }
}

/** A finished recording with a few hits, so the replay page loads as a visitor sees it. */
async function seedRecording(databaseUrl: string): Promise<string> {
  const store = await openStore(databaseUrl);
  const id = "bundle-bench-recording";
  const startedAtMs = Date.now() - 60_000;
  try {
    await store.createRoom({ code: "bundle-bench-1", tempoBpm: 120, beatsPerBar: 4 });
    await store.upsertParticipant({ id: "bundle-player-01", roomCode: "bundle-bench-1", name: "Ada", color: "#f97316" });
    await store.createRecording({ id, roomCode: "bundle-bench-1", title: "Bundle bench", startedAtMs, tempoBpm: 120, beatsPerBar: 4, participantIds: ["bundle-player-01"] });
    const pads = ["kick", "hihatClosed", "snare", "hihatClosed"] as const;
    await store.addHits(
      id,
      Array.from({ length: 16 }, (_, i) => ({ participantId: "bundle-player-01", seq: i + 1, strikeAtMs: startedAtMs + 1000 + i * 250, pad: pads[i % 4]!, velocity: 0.8 })),
    );
    await store.finishRecording(id, startedAtMs + 6000);
  } finally {
    await store.close();
  }
  return id;
}

async function createRoom(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/rooms`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  if (!res.ok) throw new Error(`POST /api/rooms answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { code: string }).code;
}

/**
 * The JS a page fetched by itself, from navigation until no script was
 * requested or in flight for SCRIPT_QUIET_MS after the load event. (Not
 * Playwright's "networkidle": the room page keeps talking to the server.)
 */
async function loadPage(browser: import("playwright-core").Browser, url: string, ready?: () => boolean): Promise<Script[]> {
  const context = await browser.newContext(); // empty cache per page
  const page = await context.newPage();
  let loaded = false;
  let inFlight = 0;
  let lastScriptAtMs = performance.now();
  const pending: Promise<Script | null>[] = [];
  const isScript = (req: import("playwright-core").Request) => req.resourceType() === "script";
  page.on("request", (req) => {
    if (!isScript(req)) return;
    inFlight++;
    lastScriptAtMs = performance.now();
  });
  const settled = (req: import("playwright-core").Request) => {
    if (!isScript(req)) return;
    inFlight--;
    lastScriptAtMs = performance.now();
  };
  page.on("requestfinished", settled);
  page.on("requestfailed", settled);
  page.on("response", (res) => {
    const beforeLoad = !loaded;
    if (res.request().resourceType() !== "script") return;
    pending.push(
      res.body().then(
        (body) => {
          const code = withoutSourceMapComment(body.toString("utf8"));
          const servedEncoding = res.headers()["content-encoding"] ?? "";
          return { url: res.url(), rawBytes: Buffer.byteLength(code), gzipBytes: gzipSync(code).length, servedEncoding, beforeLoad, code };
        },
        () => null, // a response without a body (redirect, aborted): nothing downloaded
      ),
    );
  });
  page.on("load", () => (loaded = true));
  await page.goto(url, { waitUntil: "load" });
  // A page that loads its data first (the replay) asks for more code only then: wait for it.
  if (ready) await page.waitForFunction(ready, null, { timeout: 60_000 });
  while (inFlight > 0 || performance.now() - lastScriptAtMs < SCRIPT_QUIET_MS) await new Promise((r) => setTimeout(r, 100));
  const scripts = (await Promise.all(pending)).filter((s): s is Script => s !== null);
  await context.close();
  return scripts;
}

/** The parts of a page's scripts by package or project file, from the build's source maps. */
function partsOf(scripts: Script[]): PageResult["parts"] {
  const gzip = new Map<string, number>();
  const raw = new Map<string, number>();
  for (const s of scripts) {
    const file = join(DIST, "static", "chunks", basename(new URL(s.url).pathname));
    const mapName = existsSync(file) ? sourceMapUrlOf(readFileSync(file, "utf8")) : null;
    const mapFile = mapName ? join(DIST, "static", "chunks", mapName) : null;
    const bytes = mapFile && existsSync(mapFile) ? composition(s.code, JSON.parse(readFileSync(mapFile, "utf8")) as SourceMapV3) : new Map([["(no source map)", s.rawBytes]]);
    const total = [...bytes.values()].reduce((a, b) => a + b, 0);
    for (const [part, n] of bytes) {
      raw.set(part, (raw.get(part) ?? 0) + n);
      gzip.set(part, (gzip.get(part) ?? 0) + (s.gzipBytes * n) / total);
    }
  }
  return [...gzip.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([part, g]) => ({ part, gzipKb: kb(g), rawKb: kb(raw.get(part) ?? 0) }));
}

/** Project files are listed one by one; here they are summed by folder for the overview. */
function byFolder(parts: PageResult["parts"]): PageResult["parts"] {
  const folders = new Map<string, { gzipKb: number; rawKb: number }>();
  for (const p of parts) {
    const isProject = /^(app|core|server)\//.test(p.part);
    const key = isProject ? `${p.part.split("/").slice(0, -1).join("/")}/*` : p.part;
    const f = folders.get(key) ?? { gzipKb: 0, rawKb: 0 };
    f.gzipKb += p.gzipKb;
    f.rawKb += p.rawKb;
    folders.set(key, f);
  }
  return [...folders.entries()].map(([part, f]) => ({ part, gzipKb: kb(f.gzipKb * 1000), rawKb: kb(f.rawKb * 1000) })).sort((a, b) => b.gzipKb - a.gzipKb);
}

async function main(): Promise<void> {
  if (!flag("--no-build")) build();
  if (!existsSync(join(DIST, "BUILD_ID"))) throw new Error(`No build in ${DIST}: run without --no-build`);
  const databaseUrl = `file:${join(mkdtempSync(join(tmpdir(), "backbeat-bundle-")), "bundle.db")}`;
  const recordingId = await seedRecording(databaseUrl);
  const server = new AppServer(await freePort(), databaseUrl, { NEXT_DIST_DIR: DIST, IP_CONNECTION_LIMITS: "off" });
  await server.start();
  const { chromium } = await import("playwright-core");
  // the test suite's launch options (executable found by scripts/ensure-chromium.mjs)
  const config = (await import("../playwright.config")).default as { use?: { launchOptions?: { executablePath?: string; args?: string[] } } };
  const launch = config.use?.launchOptions ?? {};
  const browser = await chromium.launch({ executablePath: launch.executablePath, args: launch.args, headless: true });
  const chromiumVersion = browser.version();
  const results: PageResult[] = [];
  try {
    const pages = [
      { page: "home", path: "/" },
      { page: "room", path: `/room/${await createRoom(server.url)}` },
      // readyMs: the recording is loaded and the player has asked for the audio engine (app/lib/replay-player.ts preload)
      // (a function, not a string: the page's CSP forbids eval)
      { page: "replay", path: `/replay/${recordingId}`, ready: () => (window as { __backbeatReplay?: { perf: { readyMs?: number } } }).__backbeatReplay?.perf.readyMs != null },
    ];
    for (const { page, path, ready } of pages as { page: string; path: string; ready?: () => boolean }[]) {
      const scripts = await loadPage(browser, server.url + path, ready);
      const sum = (f: (s: Script) => number, only = (_: Script) => true) => kb(scripts.filter(only).reduce((a, s) => a + f(s), 0));
      const encodings = [...new Set(scripts.map((s) => s.servedEncoding || "none"))].join(", ");
      results.push({
        page,
        path,
        scripts: scripts.length,
        rawKb: sum((s) => s.rawBytes),
        gzipKb: sum((s) => s.gzipBytes),
        gzipKbBeforeLoad: sum((s) => s.gzipBytes, (s) => s.beforeLoad),
        parts: partsOf(scripts),
        files: scripts.map((s) => ({ file: new URL(s.url).pathname, gzipKb: kb(s.gzipBytes), rawKb: kb(s.rawBytes), servedEncoding: s.servedEncoding, beforeLoad: s.beforeLoad })),
      });
      console.error(`${page}: ${scripts.length} scripts, served encoding: ${encodings}`);
    }
  } finally {
    await browser.close();
    await server.stop();
  }

  const lines = [
    `Chromium ${chromiumVersion}, build ${DIST} (${readFileSync(join(DIST, "BUILD_ID"), "utf8").trim()}), ${new Date().toISOString()}`,
    "",
    "| page | scripts | JS minified (kB) | JS gzipped (kB) | of which before the load event (kB) |",
    "|---|---:|---:|---:|---:|",
    ...results.map((r) => `| ${r.page} | ${r.scripts} | ${r.rawKb} | **${r.gzipKb}** | ${r.gzipKbBeforeLoad} |`),
  ];
  for (const r of results) {
    lines.push("", `${r.page} (${r.path}), biggest parts (gzipped share estimated from minified bytes):`, "", "| part | gzipped (kB) | minified (kB) |", "|---|---:|---:|");
    for (const p of byFolder(r.parts).slice(0, TOP_PARTS)) lines.push(`| ${p.part} | ${p.gzipKb} | ${p.rawKb} |`);
  }
  console.log(lines.join("\n"));
  const json = option("--json");
  if (json) writeFileSync(json, JSON.stringify({ dist: DIST, atIso: new Date().toISOString(), results }, null, 2));

  const room = results.find((r) => r.page === "room")!;
  if (room.gzipKb > MAX_ROOM_KB) {
    console.error(`Room page JS must be within ${MAX_ROOM_KB} kB gzipped, got: ${room.gzipKb} kB`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
