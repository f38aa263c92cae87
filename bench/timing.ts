/**
 * `npm run bench:timing`: clock sync and playout on the simulated networks of
 * core/sim/network.ts and the simulated audio devices of
 * core/sim/audio-device.ts, in virtual time, with fixed seeds. Prints a report
 * and writes it to docs/benchmarks/timing.md.
 *
 * - bench/timing/sync.ts: clock sync (project, timesync, naive) and the
 *   clock-sync legs that give the playout its prior;
 * - bench/timing/rhythms.ts: what the partner plays (steady 16ths; a groove
 *   with fills and rests);
 * - bench/timing/playout.ts: the playout methods and when each hit is HEARD;
 * - bench/timing/metrics.ts: per-cell figures and the issue's targets;
 * - bench/timing/direct.ts: issue 15's direct path beside the relay (relay
 *   only, direct only, both with first copy wins) and the redundancy study;
 * - bench/timing/report.ts: the markdown (bench/timing/direct-report.ts: the
 *   direct path's section, between its markers).
 *
 * `--seeds=101-110` is the tuning mode: a compact summary on stdout, no report
 * written (tune there, confirm on the report's seeds).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LATE_TARGET_IDS, LATE_TARGETS } from "../core/playout";
import { AUDIO_DEVICE_IDS, AUDIO_DEVICES } from "../core/sim/audio-device";
import { directRoute } from "../core/sim/datagram";
import { PROFILE_IDS, PROFILES, SIM_START_MS } from "../core/sim/network";
import { median } from "../core/stats";
import { derivedSeed, DURATION_MS, ms, parseSeeds, REPORT_SEEDS } from "./timing/common";
import { summarize, summarizeCell, targets } from "./timing/metrics";
import { runCell } from "./timing/playout";
import { LOSSY_CONTINENTAL, REDUNDANCY_STUDY, runDirectCell, STUDY_BURSTS_MS, summarizePaths } from "./timing/direct";
import type { DirectResults } from "./timing/direct-report";
import { report, type CellResult, type ProfileResult } from "./timing/report";
import { RHYTHM_IDS } from "./timing/rhythms";
import { benchSync, legsTimeline } from "./timing/sync";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT_FILE = resolve(ROOT, "docs/benchmarks/timing.md");

const SEEDS_ARG = process.argv.find((a) => a.startsWith("--seeds="))?.slice("--seeds=".length);
const SEEDS: readonly number[] = SEEDS_ARG ? parseSeeds(SEEDS_ARG) : REPORT_SEEDS;

async function main(): Promise<void> {
  const t0 = performance.now();
  const results: ProfileResult[] = [];
  const direct: DirectResults = { profiles: [], study: { profile: LOSSY_CONTINENTAL, rhythm: "groove", rows: [] } };
  for (const id of PROFILE_IDS) {
    const profile = PROFILES[id];
    // the sender's and the listener's own ping streams (roles 1 and 2), apart from the hits' links
    const legs = new Map(SEEDS.map((s) => [s, legsTimeline(profile, derivedSeed(s, 1), derivedSeed(s, 2), SIM_START_MS + DURATION_MS)]));
    const cells: CellResult[] = [];
    for (const deviceId of AUDIO_DEVICE_IDS) {
      const device = AUDIO_DEVICES[deviceId];
      for (const rhythm of RHYTHM_IDS) {
        const runs = SEEDS.map((seed) => runCell({ profile, device, rhythm, seed, legs: legs.get(seed)! }));
        cells.push({ deviceId, rhythm, summary: summarizeCell(runs, device) });
      }
    }
    // quick ↔ safe: what each late target costs, on the headless device and the groove
    const lateTargets = LATE_TARGET_IDS.map((target) => ({
      target,
      summary: summarize(
        SEEDS.map(
          (seed) =>
            runCell({ profile, device: AUDIO_DEVICES.headless, rhythm: "groove", seed, legs: legs.get(seed)!, lateFraction: LATE_TARGETS[target] })
              .runs.adaptive,
        ),
      ),
    }));
    results.push({ id, profile, sync: await benchSync(profile, SEEDS), cells, lateTargets });
    direct.profiles.push({
      profile,
      cells: RHYTHM_IDS.map((rhythm) => ({ rhythm, paths: summarizePaths(SEEDS.map((seed) => runDirectCell({ profile, rhythm, seed, legs: legs.get(seed)! }))) })),
    });
  }
  {
    const profile = LOSSY_CONTINENTAL;
    const legs = new Map(SEEDS.map((s) => [s, legsTimeline(profile, derivedSeed(s, 1), derivedSeed(s, 2), SIM_START_MS + DURATION_MS)]));
    for (const redundancy of REDUNDANCY_STUDY) {
      for (const burstMs of STUDY_BURSTS_MS) {
        const route = directRoute(profile, { loss: { lossProb: 1 - (1 - profile.up.lossProb) * (1 - profile.down.lossProb), meanBurstMs: burstMs } });
        const runs = SEEDS.map((seed) => runDirectCell({ profile, rhythm: direct.study.rhythm, seed, legs: legs.get(seed)!, redundancy, route, withIndependent: false }));
        direct.study.rows.push({ redundancy, burstMs, paths: summarizePaths(runs) });
      }
    }
  }
  if (SEEDS_ARG) {
    printTuning(results);
    return;
  }
  const text = report(results, { seeds: SEEDS, runtimeMs: performance.now() - t0 }, direct);
  mkdirSync(dirname(OUT_FILE), { recursive: true });
  writeFileSync(OUT_FILE, text);
  process.stdout.write(text + `\nWritten to ${OUT_FILE}\n`);
}

const signed = (v: number) => `${v >= 0 ? "+" : ""}${ms(v, 1)}`;

/** Tuning run: one line per cell on stdout; the report keeps its own seeds. */
function printTuning(results: readonly ProfileResult[]): void {
  process.stdout.write(`seeds ${SEEDS.join(",")}\n`);
  for (const r of results) {
    const s = r.sync.project;
    process.stdout.write(`${r.profile.name}: sync p50/p95/max ${ms(s.p50Ms, 3)}/${ms(s.p95Ms, 3)}/${ms(s.maxMs, 2)}\n`);
    for (const c of r.cells) {
      const a = c.summary.methods.adaptive;
      const t = targets(c.summary);
      const miss = t.filter((x) => !x.met).map((x) => x.id);
      process.stdout.write(
        `  ${c.deviceId.padEnd(8)} ${c.rhythm.padEnd(6)} added ${ms(a.addedP50Ms, 1)} (floor ${signed(c.summary.aboveFloorMs.adaptive)}, oracle ${signed(c.summary.aboveFloorMs.oracle)})` +
          ` prior ${ms(c.summary.priorMs, 1)} first ${ms(median(a.firstDelaysMs), 1)}` +
          ` late ${ms(a.latePercent, 2)}% skip ${ms(a.skippedPercent, 2)}% groove ${ms(a.grooveP50Ms, 2)}/${ms(a.grooveP95Ms, 2)}/${ms(a.grooveP99Ms, 2)}` +
          ` ioi99 ${ms(a.ioiP99Ms, 2)} steps +${ms(a.ioiP99AfterWarmupMs - a.ioiP99NoStepsMs, 2)} changes ${ms(a.changesPerRun, 1)}` +
          ` unnoticed ${a.unnoticedLate}${miss.length ? `  MISS ${miss.join(",")}` : ""}\n`,
      );
    }
    for (const l of r.lateTargets) {
      process.stdout.write(`  target ${l.target.padEnd(6)} added ${ms(l.summary.addedP50Ms, 1)} late ${ms(l.summary.latePercent, 2)}%\n`);
    }
  }
}

await main();
