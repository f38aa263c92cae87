/**
 * The AUDIBLE section of `npm run bench:e2e`: what the listener's speaker
 * plays (bench/audible-bench.ts), per link profile × output latency. One test
 * per cell; the section of docs/benchmarks/timing-e2e.md is written once all
 * cells ran (or with AUDIBLE_WRITE=1). For a quick look at one cell:
 *   AUDIBLE_PROFILES=loopback AUDIBLE_HINTS=interactive npx playwright test -c playwright.bench.config.ts e2e-bench/audible.spec.ts
 * AUDIBLE_DUMP=dir keeps every cell's raw capture (taps, diagnostics, proxy traces); with
 * AUDIBLE_SNIPPET_MS=20 the taps also keep the waveform ±20 ms around every onset.
 */
import { expect, test } from "@playwright/test";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { AUDIBLE, analyseCell, audibleDiagSchema, CELL_RHYTHMS, type CellCapture, type CellResult, type LatencyHint, type RhythmRun } from "../bench/audible-bench";
import { AUDIBLE_MARKERS, renderAudibleSection, renderAudibleTable } from "../bench/audible-report";
import { spawnDelayProxy, type SpawnedDelayProxy } from "../bench/delay-proxy";
import { loadAverage, machineInfo, writeSection } from "../bench/e2e-timing-report";
import { createAndJoin, playCellRhythms, preparePlayer, readTap, silenceRoom, startTap } from "../bench/room-pages";
import { AppServer, freePort } from "../e2e/server";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const REPORT = path.join(root, "docs/benchmarks/timing-e2e.md");

const only = (name: string) => process.env[name]?.split(",").map((s) => s.trim());
const profiles = AUDIBLE.profiles.filter((p) => !only("AUDIBLE_PROFILES") || only("AUDIBLE_PROFILES")!.includes(p.id));
const hints = AUDIBLE.latencyHints.filter((h) => !only("AUDIBLE_HINTS") || only("AUDIBLE_HINTS")!.includes(String(h)));
const full = profiles.length === AUDIBLE.profiles.length && hints.length === AUDIBLE.latencyHints.length;

let app: AppServer;
const proxies: SpawnedDelayProxy[] = [];
const cells: CellResult[] = [];
const loadAt = loadAverage;
let loadStart = "";
const startedMs = performance.now();

test.beforeAll(async () => {
  loadStart = loadAt("at the start");
  app = new AppServer(await freePort());
  await app.start();
});
test.afterAll(async ({ browser }) => {
  for (const p of proxies) await p.stop().catch(() => undefined);
  await app?.stop();
  if (cells.length === 0) return;
  console.log(`\n${renderAudibleTable(cells)}\n`);
  if (full || process.env.AUDIBLE_WRITE === "1") {
    const section = renderAudibleSection(cells, {
      machine: machineInfo(browser.version()),
      durationS: (performance.now() - startedMs) / 1000,
      load: `${loadStart}, ${loadAt("at the end")} (other engineers' jobs may have been running)`,
    });
    writeSection(REPORT, section, AUDIBLE_MARKERS);
    console.log(`(written to ${path.relative(root, REPORT)})`);
  }
});

const diagJson = (p: import("@playwright/test").Page) =>
  p.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __backbeat: object }).__backbeat)) as unknown);

for (const profile of profiles) {
  for (const latencyHint of hints) {
    test(`audible: ${profile.id}, latencyHint ${latencyHint}`, async ({ browser }) => {
      test.setTimeout(180_000);
      const target = { listenPort: 0, targetHost: "127.0.0.1", targetPort: app.port, upstream: profile.upstream, downstream: profile.downstream };
      const seed = (AUDIBLE.profiles.findIndex((p) => p.id === profile.id) + 1) * AUDIBLE.seedBase;
      const [proxyA, proxyB] = await Promise.all([spawnDelayProxy({ ...target, seed: seed + 1 }), spawnDelayProxy({ ...target, seed: seed + 2 })]);
      proxies.push(proxyA, proxyB);
      // both pages tap: B hears the partner, A hears its own hits (local monitoring)
      const ctxA = await browser.newContext({ baseURL: `http://127.0.0.1:${proxyA.port}`, bypassCSP: true });
      const ctxB = await browser.newContext({ baseURL: `http://127.0.0.1:${proxyB.port}`, bypassCSP: true });
      const snippetMs = Number(process.env.AUDIBLE_SNIPPET_MS ?? 0);
      for (const ctx of [ctxA, ctxB]) await preparePlayer(ctx, { latencyHint: latencyHint as LatencyHint, lateTarget: "normal", tap: true, snippetMs });
      const a = await ctxA.newPage();
      const b = await ctxB.newPage();
      await createAndJoin(a, b, ["Ada", "Bo"], AUDIBLE.minSyncSamples);
      for (const p of [a, b]) await silenceRoom(p);
      // clicks handed to the engine before the metronome went off still sound (up to lead + 150 ms later)
      await a.waitForTimeout(1_000);
      for (const p of [a, b]) {
        const started = await startTap(p);
        expect(started.contexts.flatMap((c) => c.tapped), "the engine's output stage is tapped").toContain("WaveShaperNode");
      }
      await a.waitForTimeout(AUDIBLE.settleMs);
      const partnerId = await a.evaluate(() => (window as unknown as { __backbeat: { participantId: string } }).__backbeat.participantId);

      const runs: RhythmRun[] = await playCellRhythms(a, b, partnerId, CELL_RHYTHMS, AUDIBLE.gapMs);
      const [diagA, diagB, tapA, tapB] = await Promise.all([diagJson(a), diagJson(b), readTap(a), readTap(b)]);
      await Promise.all([ctxA.close(), ctxB.close()]);
      const [repA, repB] = await Promise.all([proxyA.stop(), proxyB.stop()]);
      proxies.splice(proxies.indexOf(proxyA), 2);
      const capture: CellCapture = {
        profile,
        latencyHint: latencyHint as LatencyHint,
        runs,
        diagA: audibleDiagSchema.parse(diagA),
        diagB: audibleDiagSchema.parse(diagB),
        tapA,
        tapB,
        traceA: repA.trace,
        traceB: repB.trace,
        timeOrigin: performance.timeOrigin,
      };
      if (process.env.AUDIBLE_DUMP) {
        mkdirSync(process.env.AUDIBLE_DUMP, { recursive: true });
        writeFileSync(path.join(process.env.AUDIBLE_DUMP, `${profile.id}-${latencyHint}.json`), JSON.stringify(capture));
      }
      const cell = analyseCell(capture);
      cells.push(cell);
      console.log(renderAudibleTable([cell]).split("\n").at(-1));
      // the run must be sound, whatever the numbers: every hit the listener logged was there to be heard
      expect(cell.strikes, "strikes played").toBe(CELL_RHYTHMS.reduce((s, r) => s + r.hits.length, 0));
    });
  }
}
