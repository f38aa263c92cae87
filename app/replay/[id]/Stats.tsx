"use client";
import { memo } from "react";
import type { PlayerStats, ReplayPlayer } from "../../../core/replay";

function ms(v: number): string {
  if (!Number.isFinite(v)) return "—";
  const r = Math.round(v * 10) / 10;
  return `${r > 0 ? "+" : r < 0 ? "−" : "±"}${Math.abs(r).toFixed(1)} ms`;
}

function StatsTableImpl({
  players,
  stats,
  listenerId,
  subdivisionLabel,
}: {
  players: ReplayPlayer[];
  stats: PlayerStats[];
  /** set in an "as heard" view */
  listenerId: string | null;
  subdivisionLabel: string;
}) {
  const heard = listenerId !== null;
  return (
    <div className="table-scroll">
      <table className="latency-table stats-table">
        <caption className="visually-hidden">Per-player timing against the {subdivisionLabel} grid</caption>
        <thead>
          <tr>
            <th scope="col">Player</th>
            <th scope="col">Hits</th>
            <th scope="col">Median offset</th>
            <th scope="col">Spread (IQR)</th>
            {heard && (
              <>
                <th scope="col">Heard</th>
                <th scope="col">Late</th>
                <th scope="col">Skipped</th>
                <th scope="col">Not reported</th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {players.map((p, i) => {
            const s = stats[i];
            if (!s) return null;
            const own = p.id === listenerId;
            return (
              <tr key={p.id}>
                <th scope="row">
                  <span className="swatch inline-swatch" style={{ background: p.color }} aria-hidden="true" /> {p.name}
                  {own && <span className="muted"> (listener)</span>}
                </th>
                <td>{s.hits}</td>
                <td>{ms(s.medianMs)}</td>
                <td>{Number.isFinite(s.iqrMs) ? `${(Math.round(s.iqrMs * 10) / 10).toFixed(1)} ms` : "—"}</td>
                {heard && (
                  <>
                    <td>{own ? "—" : s.sounded}</td>
                    <td>{own ? "—" : s.late}</td>
                    <td>{own ? "—" : s.skipped}</td>
                    <td>{own ? "—" : s.unheard}</td>
                  </>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export const StatsTable = memo(StatsTableImpl);
