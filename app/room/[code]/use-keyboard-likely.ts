"use client";
import { useEffect, useState } from "react";

/** a touch screen with no mouse: a computer keyboard is unlikely (a phone, a tablet) */
const TOUCH_ONLY = "(hover: none) and (pointer: coarse)";

/**
 * Whether computer-key hints mean anything on this device: not on a touch screen (issue 14,
 * defect 3). False until mounted, so the server's HTML and the first render agree.
 */
export function useKeyboardLikely(): boolean {
  const [likely, setLikely] = useState(false);
  useEffect(() => {
    const mq = window.matchMedia(TOUCH_ONLY);
    const update = () => setLikely(!mq.matches);
    update();
    mq.addEventListener("change", update);
    return () => mq.removeEventListener("change", update);
  }, []);
  return likely;
}
