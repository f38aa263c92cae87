/**
 * The AUDIBLE section of docs/benchmarks/timing-e2e.md (bench/audible-bench.ts
 * measures it), with the old "handed to the engine" figures beside the
 * sounded ones.
 */
import { AUDIBLE, type CellResult } from "./audible-bench";
import { RHYTHMS } from "./audible-rhythms";
import type { Spread } from "./audible";
import { DEFAULT_DETECTOR } from "./audio-tap";
import type { MachineInfo } from "./e2e-timing-report";

export const AUDIBLE_MARKERS = { begin: "<!-- bench:audible:begin -->", end: "<!-- bench:audible:end -->" } as const;

const f = (x: number | null | undefined, digits = 1) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "—");
const hint = (h: CellResult["latencyHint"]) => (h === "interactive" ? '"interactive"' : `${h} s`);
const mark = (ok: boolean) => (ok ? "met" : "**missed**");
/** audio clock jumps of ≥ 1 ms (smaller ones are a lone stray pair split off, not a glitch) */
const glitches = (jumpsMs: readonly number[]) => {
  const big = jumpsMs.filter((j) => Math.abs(j) >= 1);
  return big.length ? `, glitches (audio clock jumps) ${big.map((j) => f(j)).join(", ")} ms` : "";
};
const tri = (s: Spread) => `${f(s.p50Ms, 2)} / ${f(s.p95Ms, 2)} / ${f(s.p99Ms, 2)}`;

/** One row per cell: the figures a person hears, the floor, and the targets. */
export function renderAudibleTable(cells: readonly CellResult[]): string {
  const t = AUDIBLE.targets;
  const lines = [
    "| link | output (latencyHint → measured path) | audible groove error p50 / p95 / p99 (ms) | handed groove error p95 (old figure) | strike → sound median | floor (link p99.5 + path + quantum) | late % | skipped % | delay changes | monitoring median / floor (its spread p95) | missing / masked / extra onsets | targets: p95 ≤ " +
      `${t.audibleP95Ms} · late ≤ ${t.latePercent} % · ≤ ${t.aboveFloorMs} ms of floor · monitoring ≤ ${t.monitorAboveFloorMs} ms of floor |`,
    "|---|---|---:|---:|---:|---|---:|---:|---:|---|---|---|",
  ];
  for (const c of cells) {
    lines.push(
      `| ${c.profileLabel} | ${hint(c.latencyHint)} → ${f(c.outputPathMs)} ms | ${tri(c.audible)} | ${f(c.handed.p95Ms, 2)} | ${f(c.medianLatencyMs)} | ` +
        `${f(c.floorMs)} = ${f(c.linkP995Ms)} + ${f(c.outputPathMs)} + ${f(c.quantumMs)} | ${f(c.latePercent)} | ${f(c.skippedPercent)} | ${c.delayChanges} | ` +
        `${f(c.monitorMedianMs)} / ${f(c.monitorFloorMs)} (${f(c.monitorSpread.p95Ms)}) | ${c.missing} / ${c.masked} / ${c.extra} | ` +
        `${mark(c.met.audible)} · ${mark(c.met.late)} · ${mark(c.met.floor)} (${c.medianLatencyMs - c.floorMs >= 0 ? "+" : ""}${f(c.medianLatencyMs - c.floorMs)}) · ${mark(c.met.monitor)} (${c.monitorMedianMs - c.monitorFloorMs >= 0 ? "+" : ""}${f(c.monitorMedianMs - c.monitorFloorMs)}) |`,
    );
  }
  return lines.join("\n");
}

/** Per rhythm: where the error comes from. */
export function renderRhythmTable(cells: readonly CellResult[]): string {
  const lines = [
    "| link | output | rhythm | strikes | audible p50 / p95 / p99 | heard IOI error p50 / p95 / p99 | handed p50 / p95 / p99 | handed − (strike + delay) p95 | sounded − handed p50 / p99 | strike → sound median | late | skipped | delay changes | missing / masked / extra | monitoring median (min–max), spread p95, n (masked) | strike IOI p99 (page timer) |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
  ];
  for (const c of cells) {
    for (const r of c.rhythms) {
      lines.push(
        `| ${c.profile} | ${hint(c.latencyHint)} | ${r.rhythm} | ${r.strikes} | ${tri(r.audible)} | ${tri(r.ioi)} | ${tri(r.handed)} | ${f(r.handedVsDelay.p95Ms, 2)} | ` +
          `${f(r.soundedMinusHanded.p50Ms, 2)} / ${f(r.soundedMinusHanded.p99Ms, 2)} | ${f(r.medianLatencyMs)} | ${r.late} | ${r.skipped} | ${r.delayChanges} | ` +
          `${r.missing} / ${r.masked} / ${r.extra} | ${f(r.monitor.medianMs)} (${f(r.monitor.minMs)}–${f(r.monitor.maxMs)}), ${f(r.monitor.spread.p95Ms)}, ${r.monitor.n} (${r.monitor.masked}) | ${f(r.strikeIoiP99Ms)} |`,
      );
    }
  }
  return lines.join("\n");
}

export interface AudibleRunInfo {
  machine: MachineInfo;
  durationS: number;
  /** e.g. "load average 3.1 at the start" */
  load: string;
}

export function renderAudibleSection(cells: readonly CellResult[], run: AudibleRunInfo): string {
  const m = run.machine;
  const met = (k: keyof CellResult["met"]) => cells.filter((c) => c.met[k]).length;
  const lines: string[] = [];
  lines.push(`## Audible: run of ${m.date}`, "");
  lines.push(
    `- machine: \`${m.uname}\`; CPU: ${m.cpu} (${m.cpus} logical CPUs); ${run.load}`,
    `- Chromium ${m.chromium}, Node.js ${m.node}; ${cells.length} cells in ${f(run.durationS / 60)} min`,
    `- links (one seeded delay proxy per page, in its own process): ${AUDIBLE.profiles.map((p) => `**${p.id}** up ${p.upstream.baseMs} ± ${p.upstream.jitterMs} / down ${p.downstream.baseMs} ± ${p.downstream.jitterMs} ms`).join("; ")} ` +
      "(partner's up-leg through its proxy, listener's down-leg through its own)",
    `- rhythms, played by the partner through the room page's keyboard path (keydown on window; truth = \`timeOrigin + event.timeStamp\`): ${RHYTHMS.map((r) => `**${r.name}**: ${r.description}`).join("; ")}`,
    `- both pages: metronome and backing off, latencyHint of the cell, late target "normal" (0.5 %); the listener plays nothing`,
    `- onsets: AudioWorklet tap on everything connected to each page's destination (bench/audio-tap.ts; fast ${DEFAULT_DETECTOR.fastMs} ms / slow ${DEFAULT_DETECTOR.slowMs} ms envelopes, ${DEFAULT_DETECTOR.refractoryMs} ms refractory), ` +
      "context frames mapped to the machine's clock through lines fitted to `getOutputTimestamp()` pairs sampled every 20 ms",
    "",
    renderAudibleTable(cells),
    "",
    `Targets met: audible p95 ≤ ${AUDIBLE.targets.audibleP95Ms} ms in ${met("audible")}/${cells.length} cells; late ≤ ${AUDIBLE.targets.latePercent} % in ${met("late")}/${cells.length}; ` +
      `median within ${AUDIBLE.targets.aboveFloorMs} ms of the floor in ${met("floor")}/${cells.length}; monitoring within ${AUDIBLE.targets.monitorAboveFloorMs} ms of its floor in ${met("monitor")}/${cells.length}.`,
    "",
    "Per rhythm:",
    "",
    renderRhythmTable(cells),
    "",
  );
  for (const c of cells) {
    lines.push(
      `- ${c.profile} / ${hint(c.latencyHint)}: browser-reported outputLatency + baseLatency ${f(c.reportedOutputLatencyMs)} ms, tap-measured path ${f(c.outputPathMs)} ms; ` +
        `strike → listener's hit handler p99.5 ${f(c.transitP995Ms)} ms (the link alone: ${f(c.linkP995Ms)} ms); ` +
        `listener's delay for the partner at the end ${f(c.finalDelayMs)} ms (prior from clock-sync legs ${f(c.priorTransitMs)} ms); ` +
        `app's own monitoring figure ${f(c.monitorAppMs)} ms; audio clock lines: listener residual p99 ${f(c.clockB.residualP99Ms, 2)} ms over ${c.clockB.n} pairs` +
        `${glitches(c.clockB.jumpsMs)}, partner ${f(c.clockA.residualP99Ms, 2)} ms${glitches(c.clockA.jumpsMs)}; ` +
        `worklet calls with a stale currentFrame (counted on) listener ${c.worklet.staleB}, partner ${c.worklet.staleA}; skips ${c.worklet.skippedB} / ${c.worklet.skippedA}`,
    );
  }
  lines.push("");
  return lines.join("\n");
}
