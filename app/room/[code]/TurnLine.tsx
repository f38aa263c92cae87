"use client";
import { useEffect, useState } from "react";
import { battlePhaseAt } from "../../../core/battle";
import type { RoomView } from "../../../core/protocol";
import type { JamConnection } from "../../lib/connection/jam-connection";
import { startFrameWake } from "../../lib/frame-wake";

/**
 * Whose turn it is, one line next to the vote (reaction) buttons, so a phone spectator sees it
 * without scrolling to the battle panel. Not a live region: the battle panel announces turns.
 * The text is recomputed on the shared clock in the frames where it changes (app/lib/frame-wake.ts)
 * and set (re-rendered) only when it does.
 */
export function TurnLine({ conn, room }: { conn: JamConnection | null; room: RoomView }) {
  const battle = room.battle;
  const [text, setText] = useState("");
  useEffect(() => {
    if (!battle || battle.result || !conn) {
      setText("");
      return;
    }
    const cfg = battle.config;
    const nameOf = (id: string) => room.members.find((m) => m.id === id)?.name ?? "A player who left";
    let last = "";
    return startFrameWake(() => {
      const now = conn.sharedNow();
      const phase = battlePhaseAt(cfg, now);
      let t = "Scoring…";
      let untilChange = Infinity;
      if (phase.kind === "countdown") {
        t = `Battle in ${phase.secondsLeft} s — ${nameOf(cfg.players[0]!)} first`;
        untilChange = phase.nextSecondInMs;
      } else if (phase.kind === "turn") {
        t = `${nameOf(phase.turn.player)}’s turn — vote now`;
        untilChange = phase.turn.endMs - now;
      }
      if (t !== last) {
        last = t;
        setText(t);
      }
      return untilChange;
    });
  }, [battle, conn, room.members]);
  return (
    <p className="turn-line" data-testid="turn-line">
      {text || "\u00a0"}
    </p>
  );
}
