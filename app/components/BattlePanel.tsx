"use client";
import { useEffect, useRef, useState } from "react";
import { BATTLE_BARS, BATTLE_SUBDIVISIONS, battlePhaseAt, turnMs } from "../../core/battle";
import { barMs } from "../../core/metronome";
import type { RoomView } from "../../core/protocol";
import type { JamConnection } from "../lib/connection/jam-connection";
import { startFrameWake } from "../lib/frame-wake";

/**
 * Battle mode: the host sets it up; everyone sees whose turn it is with a
 * countdown on the shared clock; the result screen lists votes and timing.
 */
export function BattlePanel({
  conn,
  room,
  isHost,
  act,
}: {
  conn: JamConnection | null;
  room: RoomView;
  isHost: boolean;
  act: (fn: () => Promise<{ message: string } | null>) => Promise<void>;
}) {
  const [bars, setBars] = useState<2 | 4 | 8>(4);
  const [rounds, setRounds] = useState(2);
  const [subdivision, setSubdivision] = useState<4 | 8 | 16>(16);
  const battle = room.battle;
  const nameOf = (id: string) => room.members.find((m) => m.id === id)?.name ?? "A player who left";
  const barRef = useRef<HTMLSpanElement>(null);
  const [turnText, setTurnText] = useState("");

  useEffect(() => {
    if (!battle || battle.result || !conn) return;
    const cfg = battle.config;
    const bar = barMs(cfg.grid);
    let lastText = "";
    // The turn's progress bar runs as an animation of its own (the compositor draws it), started
    // once per turn from where the turn stands; the text is recomputed only in the frames where it
    // changes (app/lib/frame-wake.ts): a battle no longer keeps the page drawing every frame.
    let animatedTurn = -1;
    let fill: Animation | null = null;
    const stopWake = startFrameWake(() => {
      const now = conn.sharedNow();
      const phase = battlePhaseAt(cfg, now);
      const turn = phase.kind === "turn" ? phase.turn : null;
      let text = "Scoring…";
      let untilChange = Infinity;
      if (phase.kind === "countdown") {
        text = `Battle starts in ${phase.secondsLeft} s — ${nameOf(cfg.players[0]!)} plays first`;
        untilChange = phase.nextSecondInMs;
      } else if (phase.kind === "turn") {
        const barsLeft = Math.ceil((phase.turn.endMs - now) / bar);
        const next = phase.next;
        text = `${nameOf(phase.turn.player)}’s turn — ${barsLeft} bar${barsLeft === 1 ? "" : "s"} left${next ? ` · then ${nameOf(next.player)}` : " · last turn"}`;
        untilChange = ((phase.turn.endMs - now) % bar) + 1; // the next bar line
      }
      if (text !== lastText) {
        lastText = text;
        setTurnText(text);
      }
      const span = barRef.current;
      if (span && (turn?.index ?? -1) !== animatedTurn) {
        animatedTurn = turn?.index ?? -1;
        fill?.cancel();
        fill = turn
          ? span.animate([{ transform: `scaleX(${(now - turn.startMs) / turnMs(cfg)})` }, { transform: "scaleX(1)" }], {
              duration: Math.max(0, turn.endMs - now),
              easing: "linear",
              fill: "forwards",
            })
          : null;
      }
      return untilChange;
    });
    return () => {
      stopWake();
      fill?.cancel();
    };
  }, [battle, conn]);

  return (
    <section className="panel stack" aria-labelledby="battle-heading">
      <h2 id="battle-heading">Battle</h2>
      {battle && !battle.result && (
        <div className="stack">
          <p className="battle-turn" role="status" aria-live="polite">
            {turnText || "\u00a0"}
          </p>
          <div className="turn-bar" aria-hidden="true">
            <span ref={barRef} />
          </div>
          <p className="muted">
            {battle.config.players.map(nameOf).join(" vs ")} · {battle.config.barsPerTurn} bars each · {battle.config.rounds} round
            {battle.config.rounds > 1 ? "s" : ""} · react to vote for whoever is playing
          </p>
          {isHost && (
            <p>
              <button type="button" onClick={() => conn && void act(() => conn.stopBattle())}>
                Stop battle
              </button>
            </p>
          )}
        </div>
      )}
      {battle?.result && (
        <div className="stack" role="region" aria-label="Battle result">
          <p className="battle-winner">
            {battle.result.winner ? (
              <>
                🏆 <strong>{nameOf(battle.result.winner)}</strong> wins!
              </>
            ) : (
              "Nobody played — no winner."
            )}
          </p>
          <table className="latency-table">
            <caption className="visually-hidden">Battle scores</caption>
            <thead>
              <tr>
                <th scope="col">Player</th>
                <th scope="col">Votes</th>
                <th scope="col">Hits</th>
                <th scope="col">Off the grid</th>
                <th scope="col">Spread</th>
              </tr>
            </thead>
            <tbody>
              {battle.result.players.map((p) => (
                <tr key={p.player}>
                  <th scope="row">{nameOf(p.player)}</th>
                  <td>{p.votes}</td>
                  <td>{p.hits}</td>
                  <td>{p.timingMs === null ? "—" : `${p.timingMs.toFixed(1)} ms`}</td>
                  <td>{p.spreadMs === null ? "—" : `${p.spreadMs.toFixed(1)} ms`}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {isHost && (
            <p>
              <button type="button" onClick={() => conn && void act(() => conn.stopBattle())}>
                Close result
              </button>
            </p>
          )}
        </div>
      )}
      {!battle && isHost && (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (conn) void act(() => conn.startBattle({ barsPerTurn: bars, rounds, subdivision }));
          }}
        >
          <label htmlFor="battle-bars">Bars per turn</label>
          <select id="battle-bars" value={bars} onChange={(e) => setBars(Number(e.target.value) as 2 | 4 | 8)}>
            {BATTLE_BARS.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <label htmlFor="battle-rounds">Rounds</label>
          <select id="battle-rounds" value={rounds} onChange={(e) => setRounds(Number(e.target.value))}>
            {[1, 2, 3, 4].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <label htmlFor="battle-sub">Scored on</label>
          <select id="battle-sub" value={subdivision} onChange={(e) => setSubdivision(Number(e.target.value) as 4 | 8 | 16)}>
            {BATTLE_SUBDIVISIONS.map((n) => (
              <option key={n} value={n}>
                1/{n}
              </option>
            ))}
          </select>
          <button type="submit" className="primary">
            Start battle
          </button>
        </form>
      )}
      {!battle && !isHost && <p className="muted">The host can start a battle: players trade bars, everyone else votes with reactions.</p>}
    </section>
  );
}
