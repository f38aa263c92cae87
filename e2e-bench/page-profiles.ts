/**
 * Diagnostics for the direct bench (e2e-bench/direct.spec.ts), off unless asked for:
 * - DIRECT_HEAP=dir: a sampled heap profile of each room page (every allocation, also those
 *   collected since: `.heapprofile`, open in Chromium's DevTools Memory tab) — what the pages
 *   allocate while the rhythms play; long-lived allocations are what start V8's major collections;
 * - DIRECT_CPUPROF=dir: a CPU profile of each room page (`.cpuprofile`, 200 µs sampling).
 * Both add work to the pages: a run with them measures the profiler too.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { BrowserContext, CDPSession, Page } from "@playwright/test";

export interface PageProfiles {
  stop(): Promise<void>;
}

export async function startPageProfiles(pages: { name: string; ctx: BrowserContext; page: Page }[]): Promise<PageProfiles> {
  const heapDir = process.env.DIRECT_HEAP;
  const cpuDir = process.env.DIRECT_CPUPROF;
  const sessions: { name: string; cdp: CDPSession }[] = [];
  if (heapDir || cpuDir) for (const p of pages) sessions.push({ name: p.name, cdp: await p.ctx.newCDPSession(p.page) });
  for (const { cdp } of sessions) {
    if (heapDir) {
      await cdp.send("HeapProfiler.enable");
      // the two include flags are in Chromium's protocol, not yet in Playwright's types
      await cdp.send("HeapProfiler.startSampling", { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
    }
    if (cpuDir) {
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
      await cdp.send("Profiler.start");
    }
  }
  return {
    async stop() {
      for (const { name, cdp } of sessions) {
        if (cpuDir) writeFileSync(path.join(cpuDir, `${name}-${Date.now()}.cpuprofile`), JSON.stringify((await cdp.send("Profiler.stop")).profile));
        if (heapDir) writeFileSync(path.join(heapDir, `${name}-${Date.now()}.heapprofile`), JSON.stringify((await cdp.send("HeapProfiler.stopSampling")).profile));
        await cdp.detach();
      }
    },
  };
}
