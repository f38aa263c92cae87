"use client";
import { useEffect, useState } from "react";
import { REACTIONS, type Reaction } from "../../core/battle";
import type { RoomView } from "../../core/protocol";

const NAMES: Record<Reaction, string> = { "🔥": "fire", "👏": "applause", "😮": "wow", "😂": "laugh" };

/** Reaction buttons (votes during a battle turn) and the latest reaction, shown briefly in a fixed-size slot. */
export function Reactions({
  onReact,
  last,
  room,
}: {
  onReact: (r: Reaction) => void;
  last: { from: string; emoji: Reaction; key: number } | null;
  room: RoomView | null;
}) {
  const [shown, setShown] = useState<{ text: string; key: number } | null>(null);
  useEffect(() => {
    if (!last) return;
    const who = room?.members.find((m) => m.id === last.from)?.name ?? "Someone";
    setShown({ text: `${last.emoji} ${who}`, key: last.key });
    const t = window.setTimeout(() => setShown(null), 2000);
    return () => window.clearTimeout(t);
  }, [last, room]);
  return (
    <div className="row reactions" role="group" aria-label="Reactions">
      {REACTIONS.map((r) => (
        <button key={r} type="button" className="small" aria-label={`React with ${NAMES[r]}`} onClick={() => onReact(r)}>
          <span aria-hidden="true">{r}</span>
        </button>
      ))}
      <span className="reaction-slot" aria-live="polite">
        {shown && (
          <span key={shown.key} className="reaction-pop">
            {shown.text}
          </span>
        )}
      </span>
    </div>
  );
}
