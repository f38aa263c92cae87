"use client";
import { useEffect, useRef } from "react";
import { beatMs } from "../../core/metronome";
import type { RoomView } from "../../core/protocol";
import type { JamConnection } from "../lib/connection/jam-connection";

/** The bar's beats, lit on the shared clock. Fixed size: nothing moves around while playing. */
export function BeatDots({ conn, room }: { conn: JamConnection | null; room: RoomView }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let raf = 0;
    let lit = -1;
    const tick = () => {
      const el = ref.current;
      if (el && conn) {
        const step = beatMs(room.tempoBpm);
        const k = Math.floor((conn.sharedNow() - room.epochMs) / step);
        const inBar = ((k % room.beatsPerBar) + room.beatsPerBar) % room.beatsPerBar;
        // the DOM is touched once a beat, not every frame
        if (inBar !== lit) {
          lit = inBar;
          el.querySelectorAll("span").forEach((s, i) => {
            s.className = i === inBar ? `on${i === 0 ? " down" : ""}` : "";
          });
        }
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [conn, room.tempoBpm, room.beatsPerBar, room.epochMs]);
  return (
    <div className="beat-dots" ref={ref} role="img" aria-label={`${room.tempoBpm} BPM, ${room.beatsPerBar} beats per bar`}>
      {Array.from({ length: room.beatsPerBar }, (_, i) => (
        <span key={i} />
      ))}
    </div>
  );
}
