"use client";
import { useEffect, useRef, useState } from "react";
import { KIT, type PadId } from "../../../core/kit";
import { keyLabel, type KeyMap } from "../../../core/keymap";
import type { RoomView } from "../../../core/protocol";
import type { SessionSnapshot } from "../../lib/session";
import type { Strike } from "./use-strike-inputs";

/**
 * The drum pads: your strikes light them in your colour, partners' hits in theirs at the moment
 * they sound here. Spectators see them light but cannot play.
 */
export function Pads({
  room,
  lastRemote,
  keyMap,
  spectator,
  activeLocal,
  strike,
}: {
  room: RoomView | null;
  lastRemote: SessionSnapshot["lastRemote"];
  keyMap: KeyMap | null;
  spectator: boolean;
  activeLocal: PadId | null;
  strike: Strike;
}) {
  const remoteMember = lastRemote && room ? room.members.find((m) => m.id === lastRemote.from) : undefined;
  const [remoteFlash, setRemoteFlash] = useState<{ pad: PadId; color: string } | null>(null);
  /** how often each pad lit for a partner's hit (a data attribute: tests can't rely on catching a 120 ms flash) */
  const litCount = useRef<Partial<Record<PadId, number>>>({});
  useEffect(() => {
    if (!lastRemote) return;
    litCount.current[lastRemote.pad] = (litCount.current[lastRemote.pad] ?? 0) + 1;
    setRemoteFlash({ pad: lastRemote.pad, color: remoteMember?.color ?? "#22d3ee" });
    const t = window.setTimeout(() => setRemoteFlash(null), 120);
    return () => window.clearTimeout(t);
  }, [lastRemote, remoteMember?.color]);

  return (
    <div className={`pads${spectator ? " spectating" : ""}`}>
      {KIT.map((p) => (
        <button
          key={p.id}
          type="button"
          className={`pad${activeLocal === p.id ? " local-active" : ""}${remoteFlash?.pad === p.id ? " remote-active" : ""}`}
          data-remote-lit={litCount.current[p.id] ?? 0}
          style={remoteFlash?.pad === p.id ? ({ "--remote-color": remoteFlash.color } as React.CSSProperties) : undefined}
          disabled={spectator}
          aria-keyshortcuts={keyMap ? keyLabel(keyMap[p.id]) : undefined}
          onPointerDown={(e) => {
            e.preventDefault();
            const r = e.currentTarget.getBoundingClientRect();
            // Harder towards the pad's centre, like a real drum head; pressure when the device reports it.
            const dx = (e.clientX - (r.left + r.width / 2)) / (r.width / 2);
            const dy = (e.clientY - (r.top + r.height / 2)) / (r.height / 2);
            const fromCentre = Math.min(1, Math.hypot(dx, dy));
            const pressure = e.pointerType === "pen" && e.pressure > 0 ? e.pressure : null;
            const velocity = pressure ?? 1 - 0.5 * fromCentre;
            strike(p.id, Math.max(0.2, Math.min(1, velocity)), e.timeStamp);
          }}
          onClick={(e) => {
            // Keyboard activation (Enter/Space on a focused pad) has detail 0; pointer presses already struck.
            if (e.detail === 0) strike(p.id, 0.8, e.timeStamp);
          }}
        >
          <span>{p.name}</span>
          <span className="key" aria-hidden="true">{keyMap ? keyLabel(keyMap[p.id]) : "\u00a0"}</span>
        </button>
      ))}
    </div>
  );
}
