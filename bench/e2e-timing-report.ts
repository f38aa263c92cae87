/**
 * The report of the real-browser timing benchmark: machine, tables, and the
 * sections of docs/benchmarks/timing-e2e.md that each run replaces.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { DelayProxyStats } from "./delay-proxy";
import { BENCH } from "./e2e-timing";
import type { Summary, TimingResult } from "./e2e-timing-analysis";

// ---------- report ----------

export interface MachineInfo {
  date: string;
  uname: string;
  cpu: string;
  cpus: number;
  chromium: string;
  node: string;
}

/** "load average 0.12 0.30 0.41 <when>" from /proc/loadavg (the benches say what else ran). */
export function loadAverage(when: string): string {
  return `load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} ${when}`;
}

export function machineInfo(chromiumVersion: string): MachineInfo {
  let uname = "unknown";
  try {
    uname = execFileSync("uname", ["-a"], { encoding: "utf8" }).trim();
  } catch {
    /* not a Unix */
  }
  let cpu = "unknown";
  let cpus = 0;
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpu;
    cpus = (info.match(/^processor\s*:/gm) ?? []).length;
  } catch {
    /* no /proc */
  }
  return { date: new Date().toISOString(), uname, cpu, cpus, chromium: chromiumVersion, node: process.version };
}

const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "—");

function row(label: string, s: Summary | null, target: string): string {
  if (!s) return `| ${label} | — | — | — | — | — | — | — | ${target} |`;
  return `| ${label} | ${s.n} | ${f(s.meanMs)} | ${f(s.p50Ms)} | ${f(s.p95Ms)} | ${f(s.p99Ms)} | ${f(s.maxMs)} | ${target} |`;
}

export function renderTable(r: TimingResult): string {
  const [pa, pb] = r.pages;
  const t = `p95 ≤ ${BENCH.targetP95Ms}`;
  return [
    "| metric (ms; percentiles of \\|error\\|, mean is signed) | n | mean | p50 | p95 | p99 | max | target |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
    row("clock offset error, both pages (every 500 ms)", r.clockError, t),
    row(`↳ page ${pa.name}`, pa.clockError, ""),
    row(`↳ page ${pb.name}`, pb.clockError, ""),
    row("remote hit: true scheduled − (true strike + playout delay), both", r.schedule, t),
    row(`↳ heard on ${pa.name} (${pb.name}'s hits)`, pa.schedule, ""),
    row(`↳ heard on ${pb.name} (${pa.name}'s hits)`, pb.schedule, ""),
    row(`↳ sender's clock error at strike (${pb.name} → ${pa.name})`, pa.strikeClockError, ""),
    row(`↳ sender's clock error at strike (${pa.name} → ${pb.name})`, pb.strikeClockError, ""),
    row("remote inter-onset-interval error, both", r.ioi, ""),
    row("↳ part from playout-delay changes (page's own timeline)", r.ioiApp, ""),
    row("clock estimate steps at sync updates, both pages", r.offsetSteps, ""),
    row("audio scheduling error (AudioContext time vs ideal from true time)", r.audio, r.audio ? "" : "not measurable yet"),
  ].join("\n");
}

export interface RunInfo {
  machine: MachineInfo;
  proxies: { name: string; seed: number; stats: DelayProxyStats; timerLateInWindow: Summary }[];
  durationMs: number;
}

export function renderSection(r: TimingResult, run: RunInfo): string {
  const m = run.machine;
  const link = BENCH.link;
  const lines: string[] = [];
  lines.push(`## Handed to the engine: run of ${m.date}`, "");
  lines.push(
    `- machine: \`${m.uname}\``,
    `- CPU: ${m.cpu} (${m.cpus} logical CPUs)`,
    `- Chromium ${m.chromium}, Node.js ${m.node}`,
    `- link: one delay proxy per browser, upstream ${link.upstream.baseMs} ± ${link.upstream.jitterMs} ms and downstream ` +
      `${link.downstream.baseMs} ± ${link.downstream.jitterMs} ms (normal, sd = jitter/2, clipped at ±jitter; order preserved), ` +
      `seeds ${run.proxies.map((p) => `${p.name}=${p.seed}`).join(", ")}`,
    `- play: both pages at once, 16ths at 100 BPM (${BENCH.stepMs} ms), ${BENCH.steps} strikes each (${f(run.durationMs / 1000, 1)} s), ` +
      `B shifted by ${BENCH.phaseBMs} ms; strikes are keydown events dispatched on window (the pads' keyboard path)`,
    "",
  );
  lines.push(renderTable(r), "");
  const [pa, pb] = r.pages;
  for (const p of [pa, pb]) {
    lines.push(
      `- page ${p.name}: ${p.remoteReceived}/${p.remoteExpected} partner hits received, ${p.late} late (${p.skipped} of them skipped); ` +
        `page's best RTT ${p.rttMs === null ? "—" : f(p.rttMs, 1)} ms; reported output latency ${p.outputLatencyMs === null ? "—" : f(p.outputLatencyMs, 1)} ms; ` +
        `playout delay at the end ${f(p.playoutDelayMs, 1)} ms` +
        `${p.perHitPlayoutDelay ? " (per-hit values used)" : " (page-level value, no per-hit field)"}; ` +
        `${p.exactLocalTime ? "exact local times from the page" : `local times reconstructed from the sampled clock mapping (${p.ambiguous} hits arrived within ${BENCH.pollMs} ms of a sync update, ≤ ${f(p.ambiguityMaxMs)} ms uncertain)`}; ` +
        `estimated skew ${p.skewPpm ? `${f(p.skewPpm.min, 1)}…${f(p.skewPpm.max, 1)} ppm (truly 0)` : "not reported"}`,
    );
  }
  lines.push(`- late hits: ${f(r.latePercent, 1)} %`);
  for (const p of run.proxies) {
    const s = p.stats;
    lines.push(
      `- proxy ${p.name}: ${s.connections} connections; measured one-way delay up ${f(s.upstream.delayMinMs, 1)}–${f(s.upstream.delayMaxMs, 1)} ms ` +
        `(mean ${f(s.upstream.delayMeanMs, 1)}, ${s.upstream.chunks} chunks), down ${f(s.downstream.delayMinMs, 1)}–${f(s.downstream.delayMaxMs, 1)} ms ` +
        `(mean ${f(s.downstream.delayMeanMs, 1)}, ${s.downstream.chunks} chunks); timer lateness ≤ ${f(Math.max(s.upstream.timerLateMaxMs, s.downstream.timerLateMaxMs), 1)} ms over the run, ` +
        `p95 ${f(p.timerLateInWindow.p95Ms)} / max ${f(p.timerLateInWindow.maxMs)} ms while playing`,
    );
  }
  if (r.audioMissing) lines.push(`- audio scheduling error not measured: \`__backbeat\` lacks ${r.audioMissing}.`);
  lines.push(
    "",
    `**Target (p95 ≤ ${BENCH.targetP95Ms} ms for both the clock offset error and the remote scheduling error through a ` +
      `${link.upstream.baseMs} ± ${link.upstream.jitterMs} ms proxy): ${r.targetMet ? "MET" : "NOT MET"}** — ` +
      `clock offset error p95 ${f(r.clockError.p95Ms)} ms, remote scheduling error p95 ${f(r.schedule.p95Ms)} ms.`,
    "",
  );
  return lines.join("\n");
}

/** the "handed to the engine" section's markers; the audible section has its own (bench/audible-report.ts) */
export const HANDED_MARKERS = { begin: "<!-- bench:e2e:begin -->", end: "<!-- bench:e2e:end -->" } as const;

/** Only for a missing document; the real one explains both sections (docs/benchmarks/timing-e2e.md). */
const HEADER = `# Timing benchmark in real browsers

\`npm run bench:e2e\` (\`e2e-bench/timing.spec.ts\`, \`bench/e2e-timing.ts\`; the audible section: \`e2e-bench/audible.spec.ts\`) starts the production server,
puts a seeded delaying proxy (\`bench/delay-proxy.ts\`) in front of it for each of two Chromium
contexts, creates a room, joins both, lets clock sync settle, then has both players play 16th
notes for ~30 s. Because browsers and server share this machine's clock, errors are TRUE errors,
not the app's own estimates (docs/diagnostics.md):

- **clock offset error**: \`__backbeat.sharedNow() − (performance.timeOrigin + performance.now())\`, sampled every 500 ms per page;
- **remote scheduling error**: for each partner hit, the true time the receiving page aimed it at
  (its local time \`scheduledAtMs − offset in force at arrival\`, plus \`timeOrigin\`) minus
  (the true strike time \`timeOrigin + event.timeStamp\` of the sender + the playout delay in force);
  it is the difference of the two pages' clock errors at strike and at arrival;
- **inter-onset-interval error**: consecutive partner hits' spacing as scheduled minus as struck (true
  times); the row under it is the same on the page's own timeline, i.e. only what its playout-delay
  changes do to the rhythm;
- **clock estimate steps**: how far the page's clock estimate jumps at each sync update;
- **audio scheduling error**: the AudioContext time given to the engine minus the ideal one from the
  true time (needs diagnostics fields, see the run notes).

The proxies run in their own processes; their "timer lateness" is how late a chunk left compared
with its seeded delivery time (CPU contention on the machine), i.e. jitter on top of the link's.
A single run has a few hundred samples per row, so p95/p99 move by ~1 ms between runs.

The sections between markers are replaced by every run.
`;

/** Replaces the section between `markers` (appends it the first time); the rest of the document stays. */
export function writeSection(path: string, section: string, markers: { begin: string; end: string } = HANDED_MARKERS): void {
  mkdirSync(dirname(path), { recursive: true });
  let doc = existsSync(path) ? readFileSync(path, "utf8") : HEADER;
  const block = `${markers.begin}\n${section}\n${markers.end}`;
  const i = doc.indexOf(markers.begin);
  const j = doc.indexOf(markers.end);
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + markers.end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, doc);
}
