"use client";
import { turns } from "../../../core/battle";
import type { RecordingJson } from "../../../core/http-api";

/** Battles fought during the recording: turns, per-turn scores, votes and the winner (saved by the server). */
export function Battles({ rec, onSeek }: { rec: RecordingJson; onSeek: (positionMs: number) => void }) {
  const battles = rec.battles ?? [];
  if (battles.length === 0) return null;
  const nameOf = (id: string) => rec.participants.find((p) => p.id === id)?.name ?? "A player";
  return (
    <section className="panel stack" aria-labelledby="battles-heading">
      <h2 id="battles-heading">Battle{battles.length > 1 ? "s" : ""}</h2>
      {battles.map((b, i) => {
        const t = turns(b.config);
        return (
          <div key={b.config.id} className="stack">
            <p className="battle-winner">
              {battles.length > 1 ? `Battle ${i + 1}: ` : ""}
              {b.result.winner ? (
                <>
                  🏆 <strong>{nameOf(b.result.winner)}</strong> won
                </>
              ) : (
                "No winner"
              )}{" "}
              <span className="muted">
                · {b.config.players.map(nameOf).join(" vs ")} · {b.config.barsPerTurn} bars per turn · scored on 1/{b.config.subdivision}
              </span>
            </p>
            <table className="latency-table">
              <caption className="visually-hidden">Turns of battle {i + 1}</caption>
              <thead>
                <tr>
                  <th scope="col">Turn</th>
                  <th scope="col">Player</th>
                  <th scope="col">Hits</th>
                  <th scope="col">Median offset</th>
                  <th scope="col">Spread</th>
                  <th scope="col">Dynamics</th>
                </tr>
              </thead>
              <tbody>
                {b.result.turns.map((s) => {
                  const turn = t[s.turn];
                  return (
                    <tr key={s.turn}>
                      <th scope="row">
                        <button type="button" className="small" onClick={() => turn && onSeek(Math.max(0, turn.startMs - rec.startedAtMs))}>
                          Go to turn {s.turn + 1}
                        </button>
                      </th>
                      <td>{nameOf(s.player)}</td>
                      <td>{s.hits}</td>
                      <td>{s.medianOffsetMs === null ? "—" : `${s.medianOffsetMs.toFixed(1)} ms`}</td>
                      <td>{s.spreadMs === null ? "—" : `${s.spreadMs.toFixed(1)} ms`}</td>
                      <td>{s.meanVelocity === null ? "—" : `${Math.round(s.meanVelocity * 100)}% ± ${Math.round((s.velocityRange ?? 0) * 50)}`}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <p className="muted">
              Votes: {b.result.players.map((p) => `${nameOf(p.player)} ${p.votes}`).join(" · ")}
            </p>
          </div>
        );
      })}
    </section>
  );
}
