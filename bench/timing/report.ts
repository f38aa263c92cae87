/** The markdown of docs/benchmarks/timing.md. */
import { execFileSync } from "node:child_process";
import os from "node:os";
import { audioLeadMs, DEADLINE_MARGIN_MS, renderQuantumMs } from "../../core/audio-deadline";
import type { LateTargetId } from "../../core/playout";
import { AUDIO_DEVICE_IDS, AUDIO_DEVICES, type AudioDeviceId } from "../../core/sim/audio-device";
import { asymmetryFloorMs, type NetworkProfile, type ProfileId } from "../../core/sim/network";
import { median, quantile, sortedAscending } from "../../core/stats";
import { DURATION_MS, ms, WARMUP_MS } from "./common";
import { directSection, type DirectResults } from "./direct-report";
import { targets, type CellSummary, type MethodSummary, type Target } from "./metrics";
import { FIRST_STRIKE_MS, FIXED_DELAY_MS, ORACLE_LATE_FRACTION, PLAYOUT_LABELS, PLAYOUT_METHODS } from "./playout";
import { HUMAN_SD_MS, RHYTHM_IDS, RHYTHMS, type RhythmId } from "./rhythms";
import { CONVERGED_WITHIN_MS, GRID_MS, QUALITY_REPORT_MS, SYNC_LABELS, SYNC_METHODS, TIMESYNC_FAST_INTERVAL_MS, type SyncMethod, type SyncSummary } from "./sync";

export interface CellResult {
  deviceId: AudioDeviceId;
  rhythm: RhythmId;
  summary: CellSummary;
}

export interface ProfileResult {
  id: ProfileId;
  profile: NetworkProfile;
  sync: Record<SyncMethod, SyncSummary>;
  cells: CellResult[];
  lateTargets: { target: LateTargetId; summary: MethodSummary }[];
}

/** The issue's profiles (loopback, metro, continental); the others are stress cases shown for information. */
const TARGET_PROFILES: readonly ProfileId[] = ["lan", "metro", "continental"];

function convergeText(c: readonly (number | null)[]): string {
  const never = c.filter((x) => x === null).length;
  const reached = sortedAscending(c.filter((x): x is number => x !== null));
  if (reached.length === 0) return "never";
  const mid = quantile(sortedAscending(c.map((x) => x ?? Infinity)), 0.5);
  const worst = never > 0 ? `never in ${never}/${c.length} seeds` : `${ms(reached[reached.length - 1]! / 1000, 2)} s`;
  return `${mid === Infinity ? "never" : `${ms(mid / 1000, 2)} s`} / ${worst}`;
}

function machine(): string[] {
  let uname = `${os.type()} ${os.release()} ${os.arch()}`;
  try {
    uname = execFileSync("uname", ["-a"], { encoding: "utf8" }).trim();
  } catch {
    // keep the os-module description
  }
  const cpus = os.cpus();
  return [
    `- Machine: \`${uname}\``,
    `- CPU: ${cpus[0]?.model ?? "unknown"} (${cpus.length} logical cores), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`,
    `- Node.js ${process.version}`,
  ];
}

const pct = (v: number) => (Number.isNaN(v) ? "—" : `${ms(v, 2)}%`);
const signed = (v: number, digits = 1) => `${v >= 0 ? "+" : ""}${ms(v, digits)}`;

function method(L: string[], seeds: readonly number[]): void {
  const headless = AUDIO_DEVICES.headless;
  const qMs = renderQuantumMs(headless.sampleRateHz);
  L.push("## Method");
  L.push("");
  L.push("- **Network.** One-way delay = base + one-sided heavy-tailed queueing jitter (Lomax, shape 4) + spikes +");
  L.push("  TCP retransmissions (RTO, doubling); each direction delivers in order (head-of-line blocking), as");
  L.push("  Socket.IO over TCP does. \"M±J\" = median one-way M ms, J = half the 5th–95th percentile spread.");
  L.push("- **Clock sync.** Error = estimated shared time − true shared time, for the client's local clock.");
  L.push("  *project*: `ClockSync` from core/clock-sync.ts, pinged at `nextPingDelayMs`, read through `toShared`;");
  L.push("  *timesync*: the real `timesync` 1.0.11 library code (lib/timesync.js) driven in virtual time — its");
  L.push("  timers replaced by a virtual queue, its `send` through the same simulated connection (seeded alike, so");
  L.push("  the k-th message on each link sees the same delay), its `now` the simulated local clock; once with its");
  L.push(`  defaults (5 requests 1 s apart, re-sync hourly) and once re-syncing every ${TIMESYNC_FAST_INTERVAL_MS / 1000} s`);
  L.push("  (timesync's lib/Promise.js requires the `promise` package, which timesync does not declare as a dependency;");
  L.push("  the bench hands it the native Promise instead);");
  L.push("  *naive*: the offset of the latest single exchange on the project's ping schedule.");
  L.push(`  Errors are sampled every ${GRID_MS} ms after ${WARMUP_MS / 1000} s, pooled over the seeds. Converge = time after which`);
  L.push(`  |error| stays ≤ ${CONVERGED_WITHIN_MS} ms (median seed / worst seed).`);
  L.push("- **Listener devices** (core/sim/audio-device.ts). Each has an output path P and 128-sample render quanta at");
  L.push(`  48 kHz (Q = ${ms(qMs, 3)} ms). \`currentTime\` runs P to P + Q ahead of the sample at the speaker, in whole quanta;`);
  L.push("  a sound handed at time T for audio time t sounds at t (to the sample) when t ≥ currentTime(T) + Q, otherwise");
  L.push("  at that block boundary — late, silently, as the browser does. The page reads the output path as");
  L.push("  `currentTime − getOutputTimestamp().contextTime` on every scheduler tick (25 ms) and hit, like the app.");
  L.push(`- **Rhythms**, played from ${FIRST_STRIKE_MS / 1000} s to ${DURATION_MS / 1000} s with a ${HUMAN_SD_MS} ms SD human spread:`);
  for (const r of RHYTHM_IDS) L.push(`  *${RHYTHMS[r].name}*: ${RHYTHMS[r].description}.`);
  L.push("  Hits go sender → server → listener through the simulator. Times are true shared times (a constant clock-sync");
  L.push("  error shifts every hit alike and is left out).");
  L.push("- **Playout methods**, each deciding for the same arrivals on the same device:");
  L.push("  *project*: `AdaptivePlayout` (core/playout.ts) driven as app/lib/session.ts and app/lib/partner-playout.ts do —");
  L.push(`  lead = \`audioLeadMs\` (measured path + one quantum + ${DEADLINE_MARGIN_MS} ms; ${ms(audioLeadMs({ outputPathMs: headless.outputPathMs + qMs, quantumMs: qMs }), 1)} ms on the headless device), rest = a beat,`);
  L.push("  default late target (normal, 0.5%); the prior = the sender's published up-leg p99 + the listener's down-leg p99");
  L.push(`  + 0.5 ms, from both players' own clock-sync pings (the app's schedule, from the start), refreshed at every`);
  L.push(`  quality report (${QUALITY_REPORT_MS / 1000} s); the decision's \`playAtMs\` is handed to the device at arrival, a skipped hit is not;`);
  L.push("  *play on arrival*: start(0) at arrival; *fixed*: strike + " + FIXED_DELAY_MS + " ms handed at arrival, whatever the device;");
  L.push(`  *oracle*: per seed, the smallest constant delay with ≤ ${ORACLE_LATE_FRACTION * 100}% of the hits heard late, knowing every arrival`);
  L.push("  and the device (its output path, the block being rendered and the block phase included).");
  L.push("- **Figures**, pooled over the seeds " + seeds.join(", ") + ":");
  L.push("  *added* = median (heard − strike); *late* = heard after its slot (by more than a sample) or skipped; *skipped* =");
  L.push("  not sounded; *groove error* = |heard delay − the run's median heard delay| over every heard hit from the FIRST;");
  L.push("  *IOI error* = |Δheard − Δstrike| over consecutive heard hits struck less than a beat apart;");
  L.push(`  *steps* = IOI error added by the delay changes: over those pairs struck ≥ ${WARMUP_MS / 1000} s after the first hit, p99 of the`);
  L.push("  IOI error minus p99 of the same with each pair's delay step (Δ(slot − strike)) taken out — each hit keeps its");
  L.push("  own lateness, only the delay in force is held constant (a change made in a rest falls between hits more than");
  L.push("  a beat apart, so only growth between two close hits counts here; rest changes show in the groove error);");
  L.push("  *floor* = link p99.5 one-way (sender → listener, over the cell's hits) + P + Q;");
  L.push("  *unnoticed* = hits heard late that the playout counted on time (what the issue found: must be 0).");
  L.push("");
}

function syncTable(L: string[], results: readonly ProfileResult[]): void {
  L.push("## Clock sync: |offset error| after 2 s");
  L.push("");
  L.push("| profile | method | p50 (ms) | p95 (ms) | max (ms) | converge ≤ 1 ms | exchanges / run |");
  L.push("|---|---|---:|---:|---:|---|---:|");
  for (const r of results) {
    for (const m of SYNC_METHODS) {
      const s = r.sync[m];
      L.push(
        `| ${r.profile.name} | ${SYNC_LABELS[m]} | ${ms(s.p50Ms, 3)} | ${ms(s.p95Ms, 3)} | ${ms(s.maxMs, 3)} | ${convergeText(s.convergeMs)} | ${Math.round(s.exchangesPerRun)} |`,
      );
    }
  }
  L.push("");
  L.push("Clock-sync targets (project): offset error p95 ≤ 1 ms after 2 s, and at least 5× lower than timesync's defaults.");
  L.push("");
  L.push("| profile | p95 ≤ 1 ms | vs timesync (defaults) |");
  L.push("|---|---|---|");
  for (const r of results) {
    const p = r.sync.project.p95Ms;
    const ratio = r.sync.timesync.p95Ms / p;
    L.push(`| ${r.profile.name} | ${p <= 1 ? "met" : "**missed**"}: ${ms(p, 3)} ms | ${ratio >= 5 ? "met" : "**missed**"}: ${ratio.toFixed(1)}× |`);
  }
  L.push("");
}

function cellName(r: ProfileResult, c: CellResult): string {
  return `| ${r.profile.name} | ${AUDIO_DEVICES[c.deviceId].outputPathMs} ms | ${RHYTHMS[c.rhythm].name} |`;
}

function adaptiveTable(L: string[], results: readonly ProfileResult[]): void {
  L.push("## Playout at the speaker: the project's AdaptivePlayout");
  L.push("");
  L.push("Delays in ms. *prior*: mean over seeds at the first hit; *first → final*: the delay at the first hit and at the end (median seed).");
  L.push("");
  L.push(
    "| profile | output path | rhythm | added | floor | added − floor | oracle − floor | prior | first → final | late | skipped | groove err p50 / p95 / p99 | IOI err p99 | changes / run (max) | steps | unnoticed |",
  );
  L.push("|---|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---|---:|---:|");
  for (const r of results) {
    for (const c of r.cells) {
      const s = c.summary;
      const a = s.methods.adaptive;
      L.push(
        `${cellName(r, c)} ${ms(a.addedP50Ms, 1)} | ${ms(s.floorMs, 1)} | ${signed(s.aboveFloorMs.adaptive)} | ${signed(s.aboveFloorMs.oracle)} | ${ms(s.priorMs, 1)} |` +
          ` ${ms(median(a.firstDelaysMs), 1)} → ${ms(median(a.delaysMs), 1)} | ${pct(a.latePercent)} | ${pct(a.skippedPercent)} |` +
          ` ${ms(a.grooveP50Ms, 2)} / ${ms(a.grooveP95Ms, 2)} / ${ms(a.grooveP99Ms, 2)} | ${ms(a.ioiP99Ms, 2)} |` +
          ` ${ms(a.changesPerRun, 1)} (${a.changesMax}) | ${signed(a.ioiP99AfterWarmupMs - a.ioiP99NoStepsMs, 2)} | ${a.unnoticedLate} |`,
      );
    }
  }
  L.push("");
}

function methodsTable(L: string[], results: readonly ProfileResult[]): void {
  L.push("## Playout methods compared");
  L.push("");
  L.push("Each entry: added (ms) / late / groove error p95 (ms) / IOI error p99 (ms). Play on arrival has no slot, so no late figure.");
  L.push("");
  L.push(`| profile | output path | rhythm | ${PLAYOUT_METHODS.map((m) => PLAYOUT_LABELS[m]).join(" | ")} |`);
  L.push(`|---|---|---|${PLAYOUT_METHODS.map(() => "---").join("|")}|`);
  for (const r of results) {
    for (const c of r.cells) {
      const cols = PLAYOUT_METHODS.map((m) => {
        const s = c.summary.methods[m];
        return `${ms(s.addedP50Ms, 1)} / ${pct(s.latePercent)} / ${ms(s.grooveP95Ms, 2)} / ${ms(s.ioiP99Ms, 2)}`;
      });
      L.push(`${cellName(r, c)} ${cols.join(" | ")} |`);
    }
  }
  L.push("");
}

function lateTargetTable(L: string[], results: readonly ProfileResult[]): void {
  const ids = results[0]?.lateTargets.map((l) => l.target) ?? [];
  L.push("## Quick ↔ safe: what each late target costs");
  L.push("");
  L.push("Headless device (42 ms), groove rhythm. Each entry: added (ms) / late / groove error p95 (ms).");
  L.push("");
  L.push(`| profile | ${ids.join(" | ")} |`);
  L.push(`|---|${ids.map(() => "---").join("|")}|`);
  for (const r of results) {
    L.push(`| ${r.profile.name} | ${r.lateTargets.map((l) => `${ms(l.summary.addedP50Ms, 1)} / ${pct(l.summary.latePercent)} / ${ms(l.summary.grooveP95Ms, 2)}`).join(" | ")} |`);
  }
  L.push("");
}

function targetsSection(L: string[], results: readonly ProfileResult[]): void {
  L.push("## Targets (issue \"The groove as it sounds\"), per cell");
  L.push("");
  L.push("groove = groove error p95 ≤ 1.5 ms from the first hit; late ≤ 0.5% (default target); floor = median strike→sound");
  L.push("within 5 ms of the floor (value: added − floor); steps = delay changes add ≤ 1 ms to the IOI error p99 after 2 s.");
  L.push("");
  L.push("(A negative floor value means the median sat below the run's p99.5 path: only the route-change profile, whose");
  L.push("slower third sets its p99.5.)");
  L.push("");
  L.push("| profile | output path | rhythm | groove | late | floor | steps |");
  L.push("|---|---|---|---|---|---|---|");
  type Tally = Record<Target["id"], { met: number; all: number }>;
  const empty = (): Tally => ({ groove: { met: 0, all: 0 }, late: { met: 0, all: 0 }, floor: { met: 0, all: 0 }, steps: { met: 0, all: 0 } });
  const tally = { issue: empty(), stress: empty() };
  for (const r of results) {
    const t = TARGET_PROFILES.includes(r.id) ? tally.issue : tally.stress;
    for (const c of r.cells) {
      const ts = targets(c.summary);
      const cols = ts.map((x) => `${x.met ? "met" : "**MISSED**"}: ${x.id === "late" ? pct(x.value) : `${ms(x.value, 2)} ms`}`);
      L.push(`${cellName(r, c)} ${cols.join(" | ")} |`);
      for (const x of ts) {
        t[x.id].all++;
        if (x.met) t[x.id].met++;
      }
    }
  }
  L.push("");
  const names = (ids: readonly ProfileId[]) => results.filter((r) => ids.includes(r.id)).map((r) => r.profile.name).join(", ");
  const line = (t: Tally) => (Object.keys(t) as Target["id"][]).map((id) => `${id} ${t[id].met}/${t[id].all}`).join(", ");
  const stressIds = results.map((r) => r.id).filter((id) => !TARGET_PROFILES.includes(id));
  L.push(`- The issue's profiles (${names(TARGET_PROFILES)}) × ${AUDIO_DEVICE_IDS.length} output paths × ${RHYTHM_IDS.length} rhythms, cells meeting each target: ${line(tally.issue)}.`);
  L.push(`- Stress profiles (${names(stressIds)}), for information: ${line(tally.stress)}.`);
  L.push("");
  L.push("Reading it: the groove error counts every delay the run used against the one it used most, from the first hit.");
  L.push("On steady 16ths there is never a rest, so the delay starts from the prior and only grows (after a real miss);");
  L.push("in the groove it also changes at rests, following the window's 99.5th percentile. Compare *first → final* and");
  L.push("*changes* in the table above: where the prior (from ~20 clock-sync exchanges per leg) is far from what the run");
  L.push("needs, or a heavy tail moves the window's percentile, the level moves by more than 1.5 ms.");
  L.push("");
}

export function report(results: readonly ProfileResult[], run: { seeds: readonly number[]; runtimeMs: number }, direct?: DirectResults): string {
  const L: string[] = [];
  L.push("# Timing benchmark");
  L.push("");
  L.push("Generated by `npm run bench:timing` (bench/timing.ts, bench/timing/) on the seeded network simulator in");
  L.push("core/sim/network.ts and the simulated audio devices of core/sim/audio-device.ts, in virtual time. Do not edit by hand.");
  L.push("");
  L.push(`- Date: ${new Date().toISOString()}`);
  L.push(...machine());
  L.push(`- Seeds ${run.seeds.join(", ")} per profile, ${DURATION_MS / 1000} s of virtual time each`);
  L.push(`- Wall-clock runtime: ${(run.runtimeMs / 1000).toFixed(1)} s`);
  L.push("");
  method(L, run.seeds);
  L.push("## Profiles and devices");
  L.push("");
  L.push("| profile | network | base up / down (ms) | clock drift | asymmetry floor |");
  L.push("|---|---|---|---|---|");
  for (const r of results) {
    const p = r.profile;
    L.push(`| ${p.name} | ${p.description} | ${ms(p.up.baseMs, 1)} / ${ms(p.down.baseMs, 1)} | ${p.clock.driftPpm} ppm | ${ms(Math.abs(asymmetryFloorMs(p)), 2)} ms |`);
  }
  L.push("");
  L.push("| device | output path P | sample rate | quantum Q |");
  L.push("|---|---:|---:|---:|");
  for (const id of AUDIO_DEVICE_IDS) {
    const d = AUDIO_DEVICES[id];
    L.push(`| ${d.name} | ${d.outputPathMs} ms | ${d.sampleRateHz} Hz | ${ms(renderQuantumMs(d.sampleRateHz), 3)} ms |`);
  }
  L.push("");
  syncTable(L, results);
  adaptiveTable(L, results);
  targetsSection(L, results);
  methodsTable(L, results);
  lateTargetTable(L, results);
  if (direct) L.push(...directSection(direct));
  L.push("## Limits");
  L.push("");
  L.push("- A constant asymmetry between the up and down BASE delays is invisible to any two-way exchange: every");
  L.push("  method's offset error is then half of it (the asymmetric-base profile). It moves delay between the legs");
  L.push("  but not their sum, so the playout's prior is not hurt by it.");
  L.push("- A constant offset error shifts when a partner's hits land but not their spacing.");
  L.push("- A route change moves every transit at once: the delay must follow it (a step heard once), so the groove");
  L.push("  error from the first hit includes that step on the route-change profile.");
  L.push("- The device model is ideal otherwise: no main-thread jitter between reading the clock and calling start(),");
  L.push("  no clock-mapping error (the app fits `getOutputTimestamp()`; measured residual ±0.07 ms). The real-browser");
  L.push("  figures are in timing-e2e.md.");
  L.push("- These are simulated networks; they say how the algorithms behave on these models, not on a given real path.");
  L.push("");
  return L.join("\n");
}
