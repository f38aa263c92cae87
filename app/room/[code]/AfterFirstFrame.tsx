"use client";
import { useEffect, useState, type ReactNode } from "react";

/**
 * Its children render after the room's first frame, not in it (issue 14, "Fast on a phone";
 * bench/phone-open.ts): the pads and the transport are painted — and playable — before the side
 * panels and the settings sheet's content are built, which on a phone's CPU is tens of ms. For
 * parts that sit below or beside the instrument (or in a closed sheet): nothing above them moves.
 */
export function AfterFirstFrame({ children }: { children: ReactNode }) {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    const frame = requestAnimationFrame(() => setShown(true));
    return () => cancelAnimationFrame(frame);
  }, []);
  return shown ? children : null;
}
