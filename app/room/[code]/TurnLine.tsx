"use client";
import { useEffect, useState } from "react";
import { battleEndMs, turnAt } from "../../../core/battle";
import type { RoomView } from "../../../core/protocol";
import type { JamConnection } from "../../lib/connection/jam-connection";

/**
 * Whose turn it is, one line next to the vote (reaction) buttons, so a phone spectator sees it
 * without scrolling to the battle panel. Not a live region: the battle panel announces turns.
 * The text is recomputed each frame on the shared clock but set (re-rendered) only when it changes.
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
    let raf = 0;
    let last = "";
    const tick = () => {
      const now = conn.sharedNow();
      const turn = turnAt(cfg, now);
      let t = "";
      if (now < cfg.startAtMs) t = `Battle in ${Math.ceil((cfg.startAtMs - now) / 1000)} s — ${nameOf(cfg.players[0]!)} first`;
      else if (turn) t = `${nameOf(turn.player)}’s turn — vote now`;
      else if (now >= battleEndMs(cfg)) t = "Scoring…";
      if (t !== last) {
        last = t;
        setText(t);
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [battle, conn, room.members]);
  return (
    <p className="turn-line" data-testid="turn-line">
      {text || "\u00a0"}
    </p>
  );
}
