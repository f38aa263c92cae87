/**
 * The "Direct path" section of docs/benchmarks/timing.md (issue 15), between
 * DIRECT_START and DIRECT_END: relay only, direct only and both (first copy
 * wins) side by side on every profile, and the redundancy study behind
 * DIRECT_REDUNDANCY.
 */
import { DIRECT_REDUNDANCY, DIRECT_REDUNDANCY_MAX_AGE_MS } from "../../core/direct-packet";
import { directRoute, DIRECT_ROUTE_FRACTION, LOSS_BURST_MS } from "../../core/sim/datagram";
import type { NetworkProfile } from "../../core/sim/network";
import { ms } from "./common";
import { PATH_MODE_LABELS, PATH_MODES, type PathSummary, type PathMode } from "./direct";
import { RHYTHMS, type RhythmId } from "./rhythms";

export const DIRECT_START = "<!-- direct-path:start (bench/timing/direct-report.ts) -->";
export const DIRECT_END = "<!-- direct-path:end -->";

export interface DirectProfileResult {
  profile: NetworkProfile;
  cells: { rhythm: RhythmId; paths: Record<PathMode, PathSummary> }[];
}

export interface RedundancyStudyRow {
  redundancy: number;
  burstMs: number;
  paths: Record<PathMode, PathSummary>;
}

export interface DirectResults {
  profiles: DirectProfileResult[];
  study: { profile: NetworkProfile; rhythm: RhythmId; rows: RedundancyStudyRow[] };
}

const pct = (v: number) => (Number.isNaN(v) ? "—" : `${ms(v, 2)}%`);
const entry = (s: PathSummary) => `${ms(s.addedP50Ms, 1)} / ${pct(s.latePercent)} / ${ms(s.grooveP95Ms, 2)}`;

export function directSection(d: DirectResults): string[] {
  const L: string[] = [DIRECT_START, "## Direct path (issue 15): relay only, direct only, both", ""];
  L.push("The same strikes heard three ways on the headless device (42 ms output path), the project's AdaptivePlayout deciding:");
  L.push("*relay only* = the tables above (TCP: a lost message is resent after the RTO and holds back every hit behind it);");
  L.push("*direct only* = a WebRTC data channel without retransmission (core/sim/datagram.ts): no head-of-line blocking,");
  L.push(`each packet carries the hit and the last ${DIRECT_REDUNDANCY} struck within ${DIRECT_REDUNDANCY_MAX_AGE_MS} ms (core/direct-packet.ts), a hit whose every copy is`);
  L.push("lost is never heard (counted late); *both* = every copy of both paths through core/first-copy.ts, the first copy");
  L.push("of each hit played and the playout learning from those. Priors: the relay's from its clock-sync legs; direct and");
  L.push("both from half the round trip of pings over the data channel (p99, one every 250 ms).");
  L.push("");
  L.push(`**The direct route.** Base = ${DIRECT_ROUTE_FRACTION} × (sender's up base + listener's down base): it skips the detour to the`);
  L.push("server (taken as a quarter of the relay route) but crosses both access networks, where the queueing is: each");
  L.push("hit's direct copy meets the very jitter and spikes its relay copy meets on the two legs (so first copy wins");
  L.push("gains nothing from two independent tails, only from the shorter route and from never waiting for a");
  L.push("retransmission); route changes scale like the base. *both, independent queues* draws the direct route's");
  L.push("queueing afresh instead: the optimistic case, queues in the core. Loss: the two legs' share together, in");
  L.push(`episodes of ${LOSS_BURST_MS} ms on average (every packet sent during one is lost). No server processing.`);
  L.push("");
  L.push("| profile | relay base (up + down) | direct base | direct loss |");
  L.push("|---|---:|---:|---:|");
  for (const r of d.profiles) {
    const route = directRoute(r.profile);
    L.push(`| ${r.profile.name} | ${ms(r.profile.up.baseMs + r.profile.down.baseMs, 1)} ms | ${ms(route.baseMs, 1)} ms | ${pct(100 * route.loss.lossProb)} |`);
  }
  L.push("");
  L.push("Each entry: added = median strike → sound (ms) / late (after its slot, skipped or never heard) / groove error p95 (ms).");
  L.push("");
  L.push(`| profile | rhythm | ${PATH_MODES.map((m) => PATH_MODE_LABELS[m]).join(" | ")} | both: direct first | direct only: never heard |`);
  L.push(`|---|---|${PATH_MODES.map(() => "---").join("|")}|---:|---:|`);
  for (const r of d.profiles) {
    for (const c of r.cells) {
      L.push(
        `| ${r.profile.name} | ${RHYTHMS[c.rhythm].name} | ${PATH_MODES.map((m) => entry(c.paths[m])).join(" | ")} |` +
          ` ${pct(c.paths.both.directFirstPercent)} | ${pct(c.paths.direct.lostPercent)} |`,
      );
    }
  }
  L.push("");
  const s = d.study;
  L.push(`### Redundancy: how many earlier hits each packet repeats`);
  L.push("");
  L.push(`${s.profile.name} (≈ 2% of direct packets lost), ${RHYTHMS[s.rhythm].name}, loss episodes of mean length`);
  L.push("*burst*. Each entry: never heard (direct only) / late (direct only) / late (both).");
  L.push("");
  const bursts = [...new Set(s.rows.map((r) => r.burstMs))];
  const ns = [...new Set(s.rows.map((r) => r.redundancy))];
  L.push(`| repeats | ${bursts.map((b) => `burst ${b} ms`).join(" | ")} |`);
  L.push(`|---:|${bursts.map(() => "---").join("|")}|`);
  for (const n of ns) {
    const cols = bursts.map((b) => {
      const row = s.rows.find((r) => r.redundancy === n && r.burstMs === b)!;
      return `${pct(row.paths.direct.lostPercent)} / ${pct(row.paths.direct.latePercent)} / ${pct(row.paths.both.latePercent)}`;
    });
    L.push(`| ${n}${n === DIRECT_REDUNDANCY ? " (chosen)" : ""} | ${cols.join(" | ")} |`);
  }
  L.push("");
  L.push(DIRECT_END);
  L.push("");
  return L;
}
