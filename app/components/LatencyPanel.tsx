"use client";
import { useEffect, useState } from "react";
import { latencyBand, LIVE_MAX_ONE_WAY_MS, recommendMode } from "../../core/play-mode";
import { DEFAULT_SKIP_LATE_AFTER_MS, LATE_TARGET_IDS, LATE_TARGETS, type LateTargetId } from "../../core/playout";
import { saveLateTarget } from "../lib/identity";
import { partnerOneWay } from "../lib/partner-latency";
import type { RoomView } from "../../core/protocol";
import type { PartnerPaths } from "../lib/diagnostics";
import type { Diagnostics, JamSession } from "../lib/session";

const fmt = (v: number | null | undefined, digits = 0) => (v === null || v === undefined ? "—" : `${v.toFixed(digits)} ms`);

/**
 * Honest numbers per partner: round trip, one-way delay, jitter, playout delay,
 * late hits, clock-sync quality, mode — coloured by the ensemble threshold
 * (≤25 ms green, ≤50 amber, else red). The quick ↔ safe choice is in view; the figures are behind
 * a disclosure (issue 14, defect 7: the room's plain-language summary is PartnerDistance).
 */
export function LatencyPanel({ session, room }: { session: JamSession | null; room: RoomView | null }) {
  const [diag, setDiag] = useState<Diagnostics | null>(null);
  useEffect(() => {
    if (!session) return;
    const tick = () => setDiag(session.diagnostics());
    tick();
    const t = window.setInterval(tick, 1000);
    return () => window.clearInterval(t);
  }, [session]);
  if (!room || !diag) return null;
  const partners = room.members.filter((m) => m.id !== diag.participantId && m.connected);
  const oneWays: number[] = [];
  return (
    <section className="panel" aria-labelledby="latency-heading">
      <h2 id="latency-heading">Latency</h2>
      <LateTargetChoice session={session} diag={diag} />
      <details className="latency-details">
        <summary>Technical figures</summary>
        <p className="stats">
          You: round trip {fmt(diag.rttMs, 1)} · clock ±{fmt(diag.clockErrorEstimateMs, 2)} (bound {fmt(diag.clockErrorBoundMs, 1)}
          {diag.clockSkewPpm !== null ? `, drift ${diag.clockSkewPpm.toFixed(0)} ppm` : ""}) · output {fmt(diag.outputPathMs ?? diag.outputLatencyMs, 1)}
          {diag.outputPathMs !== null && Math.abs(diag.outputPathMs - diag.outputLatencyMs) > 5 ? ` (browser says ${fmt(diag.outputLatencyMs, 1)})` : ""} · input
          offset {fmt(diag.inputOffsetMs, 1)}
        </p>
        <p className="stats" data-testid="monitor-latency">
          Your own hits: heard {fmt(diag.monitorLatencyMs, 1)} after you strike
          {diag.monitorFloorMs !== null ? ` (the fastest this device can: ${fmt(diag.monitorFloorMs, 1)})` : ""}
        </p>
        {partners.length === 0 ? (
          <p className="muted">Numbers appear when a partner joins.</p>
        ) : (
          <table className="latency-table">
            <caption className="visually-hidden">Timing per partner</caption>
            <thead>
              <tr>
                <th scope="col">Partner</th>
                <th scope="col">Path</th>
                <th scope="col">One-way</th>
                <th scope="col">Jitter</th>
                <th scope="col">Playout</th>
                <th scope="col">Late</th>
                <th scope="col">Clock</th>
              </tr>
            </thead>
            <tbody>
              {partners.map((m) => {
                const mine = diag.partners.find((p) => p.from === m.id);
                // Measured from their hits when there are some; else estimated from both round trips (the member list's figure too).
                const oneWay = partnerOneWay(mine?.oneWayMs, diag.rttMs, m.rttMs).ms;
                if (oneWay !== null) oneWays.push(oneWay);
                const band = latencyBand(oneWay);
                const theirs = m.listening.find((l) => l.from === diag.participantId);
                return (
                  <tr key={m.id}>
                    <th scope="row">
                      <span className="swatch" style={{ background: m.color, display: "inline-block", marginRight: 6 }} aria-hidden="true" />
                      {m.name}
                    </th>
                    <td data-testid={`path-${m.id}`}>
                      <PathCell paths={diag.paths.find((p) => p.from === m.id)} />
                    </td>
                    <td className={`q-${band === "unknown" ? "off" : band}`}>
                      {fmt(oneWay)}
                      {mine?.oneWayMs == null && oneWay !== null ? " (est.)" : ""}
                    </td>
                    <td>{fmt(mine?.jitterMs ?? null, 1)}</td>
                    <td>
                      {fmt(mine?.delayMs ?? null)}
                      {mine?.grooveBars ? ` (${mine.grooveBars} bar${mine.grooveBars > 1 ? "s" : ""})` : ""}
                      {theirs ? <span className="muted"> · they hear you +{Math.round(theirs.delayMs)} ms</span> : null}
                    </td>
                    <td>
                      {mine ? `${mine.latePercent.toFixed(1)}% of ${mine.hits}` : "—"}
                      {mine && mine.skipped > 0 ? <span className="muted"> · {mine.skipped} skipped</span> : null}
                    </td>
                    <td>±{fmt(m.clockErrorMs, 2)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <p className="stats">
          A partner hit that cannot be heard in its slot (its slot is closer than your output path) is played as soon as it can
          be; if that is more than {DEFAULT_SKIP_LATE_AFTER_MS} ms late, it is skipped so it cannot land off the beat. Until ~50 of a
          partner&apos;s hits are known, the three timing choices cost the same (the delay covers every hit seen).
        </p>
        <p className="stats" role="note">
          Mode: <strong>{room.mode === "live" ? "Live" : "Groove"}</strong>
          {oneWays.length > 0 && (
            <>
              {" "}
              · recommended: <strong>{recommendMode(Math.max(...oneWays)) === "live" ? "Live" : "Groove"}</strong> (live works up to ~
              {LIVE_MAX_ONE_WAY_MS} ms one way)
            </>
          )}
        </p>
      </details>
    </section>
  );
}

/**
 * Issue 15: the path a partner's hits are played from (the one that brought most of the last
 * first copies; before any hit, direct when the channel is open) and each path's one-way delay.
 */
function PathCell({ paths }: { paths: PartnerPaths | undefined }) {
  const open = paths?.channel?.state === "open";
  const inUse = paths?.inUse ?? (open ? "direct" : "relay");
  const direct = paths?.paths.direct.oneWayMs ?? (paths?.channel?.rttMs != null ? paths.channel.rttMs / 2 : null);
  const relay = paths?.paths.relay.oneWayMs ?? null;
  return (
    <>
      <strong>{inUse}</strong>
      <span className="muted">
        {" "}
        · direct {open || direct !== null ? fmt(direct, 1) : "off"} · relay {fmt(relay, 1)}
      </span>
    </>
  );
}

const TARGET_NAMES: Record<LateTargetId, string> = { tight: "Tight", normal: "Normal", safe: "Safe" };

/**
 * Quick ↔ safe: how many partner hits may miss their slot, with what each
 * choice costs in delay right now (the largest over partners). Stored per device.
 */
function LateTargetChoice({ session, diag }: { session: JamSession | null; diag: Diagnostics }) {
  const [target, setTarget] = useState<LateTargetId>(diag.lateTarget);
  const costOf = (id: LateTargetId) => {
    const xs = diag.partners.map((p) => p.costs[id]).filter((x): x is number => x !== null);
    return xs.length ? Math.max(...xs) : null;
  };
  return (
    <fieldset className="late-target">
      <legend>Partner timing</legend>
      {LATE_TARGET_IDS.map((id) => {
        const cost = costOf(id);
        return (
          <label key={id}>
            <input
              type="radio"
              name="late-target"
              value={id}
              checked={target === id}
              onChange={() => {
                setTarget(id);
                saveLateTarget(id);
                session?.setLateTarget(id);
              }}
            />{" "}
            {TARGET_NAMES[id]} <span className="muted">({(LATE_TARGETS[id] * 100).toFixed(1)}% late{cost !== null ? `, ${Math.round(cost)} ms` : ""})</span>
          </label>
        );
      })}
    </fieldset>
  );
}
