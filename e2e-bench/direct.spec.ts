/**
 * The direct path in real browsers (issue 15, docs/direct-path.md "Measure it"): two Chromium pages
 * on this machine, each reaching the *server* through its own delaying proxy with the continental
 * profile (bench/audible-bench.ts), while the players reach each other directly (a WebRTC channel
 * over loopback). Two cells with the same seeds: relay-only (the pages have no WebRTC) and direct.
 * Each is measured as the audible benchmark measures a cell (the listener's speaker tapped:
 * strike → partner's sound, audible groove error), and the table goes to
 * docs/benchmarks/timing-e2e.md between the `bench:direct` markers.
 *
 *   npx playwright test -c playwright.bench.config.ts e2e-bench/direct.spec.ts
 *
 * Target (the issue): direct median ≤ output latency + 15 ms with audible groove error p95 ≤ 1.5 ms;
 * relay-only unchanged.
 */
import { expect, test } from "@playwright/test";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { AUDIBLE, analyseCell, audibleDiagSchema, CELL_RHYTHMS, type CellResult, type RhythmRun } from "../bench/audible-bench";
import { renderAudibleTable } from "../bench/audible-report";
import { spawnDelayProxy, type SpawnedDelayProxy } from "../bench/delay-proxy";
import { loadAverage, machineInfo, writeSection } from "../bench/e2e-timing-report";
import { createAndJoin, playCellRhythms, preparePlayer, readTap, silenceRoom, startTap } from "../bench/room-pages";
import { AppServer, freePort } from "../e2e/server";
import { startPageProfiles } from "./page-profiles";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const REPORT = path.join(root, "docs/benchmarks/timing-e2e.md");
const MARKERS = { begin: "<!-- bench:direct:begin -->", end: "<!-- bench:direct:end -->" } as const;
const PROFILE = AUDIBLE.profiles.find((p) => p.id === "continental")!;
const LATENCY_HINT = "interactive" as const;

let app: AppServer;
const proxies: SpawnedDelayProxy[] = [];
const cells: { path: "relay only" | "direct"; cell: CellResult; paths: unknown }[] = [];
const loadAt = loadAverage;
let loadStart = "";

test.beforeAll(async () => {
  loadStart = loadAt("at the start");
  app = new AppServer(await freePort());
  await app.start();
});
test.afterAll(async ({ browser }) => {
  for (const p of proxies) await p.stop().catch(() => undefined);
  await app?.stop();
  if (cells.length === 0) return;
  const m = machineInfo(browser.version());
  const table = renderAudibleTable(cells.map((c) => ({ ...c.cell, profileLabel: `${c.cell.profileLabel} · ${c.path}` })));
  console.log(`\n${table}\n`);
  const section = [
    `## Direct path: run of ${m.date}`,
    "",
    `- machine: \`${m.uname}\`; CPU: ${m.cpu} (${m.cpus} logical CPUs); ${loadStart}, ${loadAt("at the end")} (other engineers' jobs may have been running)`,
    `- Chromium ${m.chromium}; the server behind one delaying proxy per page (${PROFILE.label}); the players' direct channel over loopback; latencyHint ${LATENCY_HINT}`,
    "- relay only: the pages have no WebRTC; direct: the same seeds, the channel open before the first strike",
    "",
    table,
    "",
  ].join("\n");
  writeSection(REPORT, section, MARKERS);
});

const diagJson = (p: import("@playwright/test").Page) =>
  p.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __backbeat: object }).__backbeat)) as unknown);
type Bb = {
  participantId: string;
  hits: { kind: string; from: string }[];
  partners?: { from: string; delayChanges: number }[];
  paths?: { from: string; inUse: string | null; channel: { state: string } | null }[];
};

for (const direct of [false, true]) {
  test(`direct path bench: ${PROFILE.id}, ${direct ? "direct" : "relay only"}`, async ({ browser }) => {
    test.setTimeout(180_000);
    const target = { listenPort: 0, targetHost: "127.0.0.1", targetPort: app.port, upstream: PROFILE.upstream, downstream: PROFILE.downstream };
    const seed = 3 * AUDIBLE.seedBase; // the audible bench's continental seeds
    const [proxyA, proxyB] = await Promise.all([spawnDelayProxy({ ...target, seed: seed + 1 }), spawnDelayProxy({ ...target, seed: seed + 2 })]);
    proxies.push(proxyA, proxyB);
    const ctxA = await browser.newContext({ baseURL: `http://127.0.0.1:${proxyA.port}`, bypassCSP: true });
    const ctxB = await browser.newContext({ baseURL: `http://127.0.0.1:${proxyB.port}`, bypassCSP: true });
    for (const ctx of [ctxA, ctxB]) await preparePlayer(ctx, { latencyHint: LATENCY_HINT, lateTarget: "normal", tap: true, directPath: direct });
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();
    await createAndJoin(a, b, ["Ada", "Bo"], AUDIBLE.minSyncSamples);
    for (const p of [a, b]) await silenceRoom(p);
    const partnerId = ((await diagJson(a)) as Bb).participantId;
    const pathAtB = async () => ((await diagJson(b)) as Bb).paths?.find((x) => x.from === partnerId) ?? null;
    if (direct) await expect.poll(async () => (await pathAtB())?.channel?.state, { timeout: 30_000 }).toBe("open");
    await a.waitForTimeout(1_000);
    for (const p of [a, b]) await startTap(p);
    await a.waitForTimeout(AUDIBLE.settleMs);

    // DIRECT_TRACE=dir: a Chromium trace (every renderer's main thread, GC and paint) while the rhythms play
    const trace = process.env.DIRECT_TRACE ? path.join(process.env.DIRECT_TRACE, `${direct ? "direct" : "relay"}-${Date.now()}.trace.json`) : null;
    if (trace) await browser.startTracing(undefined, { path: trace, categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "v8.execute", "blink.user_timing", "toplevel"] });
    // DIRECT_HEAP=dir / DIRECT_CPUPROF=dir: heap and CPU profiles of both room pages (e2e-bench/page-profiles.ts)
    const profiles = await startPageProfiles([{ name: "A", ctx: ctxA, page: a }, { name: "B", ctx: ctxB, page: b }]);
    const runs: RhythmRun[] = await playCellRhythms(a, b, partnerId, CELL_RHYTHMS, AUDIBLE.gapMs);
    if (trace) await browser.stopTracing();
    await profiles.stop();
    const paths = await pathAtB();
    const [diagA, diagB, tapA, tapB] = await Promise.all([diagJson(a), diagJson(b), readTap(a), readTap(b)]);
    await Promise.all([ctxA.close(), ctxB.close()]);
    const [repA, repB] = await Promise.all([proxyA.stop(), proxyB.stop()]);
    proxies.splice(proxies.indexOf(proxyA), 2);
    const cell = analyseCell({
      profile: PROFILE,
      latencyHint: LATENCY_HINT,
      runs,
      diagA: audibleDiagSchema.parse(diagA),
      diagB: audibleDiagSchema.parse(diagB),
      tapA,
      tapB,
      traceA: repA.trace,
      traceB: repB.trace,
      timeOrigin: performance.timeOrigin,
    });
    cells.push({ path: direct ? "direct" : "relay only", cell, paths });
    // DIRECT_DUMP=dir: the listener's log of the partner's hits (transit, delay in force) for a look by hand
    if (process.env.DIRECT_DUMP) {
      type Logged = { kind: string; from: string; seq: number; strikeAtMs: number; timedStrikeAtMs: number; receivedAtMs: number; playoutDelayMs?: number };
      const hits = ((diagB as { hits: Logged[] }).hits)
        .filter((h) => h.kind === "remote" && h.from === partnerId)
        .map((h) => ({
          seq: h.seq,
          strikeAtMs: h.strikeAtMs,
          transitMs: h.receivedAtMs - h.strikeAtMs,
          delayMs: h.playoutDelayMs,
          // what the playout saw: the strike as it timed it (over the direct path, the sender's own clock)
          playedTransitMs: h.receivedAtMs - h.timedStrikeAtMs,
        }));
      writeFileSync(path.join(process.env.DIRECT_DUMP, `${direct ? "direct" : "relay"}-${Date.now()}.json`), JSON.stringify({ hits, paths, runs: runs.map((r) => ({ rhythm: r.rhythm, n: r.stampsMs.length })) }));
    }
    // the run must be sound: every strike played, and the path the cell names is the one used
    expect(cell.strikes, "strikes played").toBe(CELL_RHYTHMS.reduce((s, r) => s + r.hits.length, 0));
    if (direct) expect(paths?.inUse, "the listener played the partner from the direct path").toBe("direct");
    else expect(paths?.channel ?? null, "relay only: no direct channel").toBeNull();
  });
}
