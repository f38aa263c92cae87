"use client";
import { useEffect, useRef } from "react";
import { KIT, type PadId } from "../../../core/kit";
import { keyLabel, type KeyMap } from "../../../core/keymap";
import type { RoomView } from "../../../core/protocol";
import type { JamSession, PadFlash } from "../../lib/session";
import type { Strike } from "./use-strike-inputs";

/** how long a pad stays lit: your strike, a partner's hit */
const LOCAL_FLASH_MS = 90;
const REMOTE_FLASH_MS = 120;

/**
 * The drum pads: your strikes light them in your colour, partners' hits in theirs at the moment
 * they sound here. Spectators see them light but cannot play; a player's pads are enabled once a
 * press is both heard and sent (`playable`: the session exists and the room's clock is synced).
 *
 * Lighting is done on the buttons themselves (data-local, data-remote, --remote-color, data-remote-lit), not
 * through React state: a hit re-renders nothing, so the main thread stays free for the next hit.
 */
export function Pads({
  session,
  room,
  keyMap,
  spectator,
  playable,
  strike,
}: {
  session: JamSession | null;
  room: RoomView | null;
  /** the computer keys to show on the pads; null: none (a touch screen, a spectator) */
  keyMap: KeyMap | null;
  spectator: boolean;
  /** a press now is heard and sent to the room (disabled until then) */
  playable: boolean;
  strike: Strike;
}) {
  const buttons = useRef<Partial<Record<PadId, HTMLButtonElement | null>>>({});
  const roomRef = useRef(room);
  roomRef.current = room;

  useEffect(() => {
    if (!session) return;
    const timers = new Map<string, number>();
    /** data-local / data-remote on the button while it is lit (globals.css) */
    const light = (el: HTMLElement, kind: "local" | "remote", ms: number) => {
      el.setAttribute(`data-${kind}`, "");
      const key = `${el.id}:${kind}`;
      window.clearTimeout(timers.get(key));
      timers.set(
        key,
        window.setTimeout(() => {
          el.removeAttribute(`data-${kind}`);
          timers.delete(key);
        }, ms),
      );
    };
    const off = session.onFlash((f: PadFlash) => {
      const el = buttons.current[f.pad];
      if (!el) return;
      if (f.from === null) return light(el, "local", LOCAL_FLASH_MS);
      // how often each pad lit for a partner's hit (a data attribute: tests can't rely on catching a 120 ms flash)
      el.dataset.remoteLit = String(Number(el.dataset.remoteLit ?? 0) + 1);
      const color = roomRef.current?.members.find((m) => m.id === f.from)?.color ?? "#22d3ee";
      el.style.setProperty("--remote-color", color);
      light(el, "remote", REMOTE_FLASH_MS);
    });
    return () => {
      off();
      for (const t of timers.values()) window.clearTimeout(t);
    };
  }, [session]);

  return (
    <div className={`pads${spectator ? " spectating" : ""}`}>
      {KIT.map((p) => (
        <button
          key={p.id}
          id={`pad-${p.id}`}
          ref={(el) => {
            buttons.current[p.id] = el;
          }}
          type="button"
          className="pad"
          disabled={spectator || !playable}
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
          {keyMap && (
            <span className="key" aria-hidden="true">
              {keyLabel(keyMap[p.id])}
            </span>
          )}
        </button>
      ))}
    </div>
  );
}
