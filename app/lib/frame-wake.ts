/**
 * An animation-frame loop that sleeps between changes. A display that polls a clock every frame
 * (the beat you can see, whose turn it is) keeps the page drawing 60 frames a second — on a
 * phone that is battery, and on any machine main-thread time that hits compete with. Here `tick`
 * runs in an animation frame, updates what it shows, and returns how long (ms) until what it
 * shows next changes; the loop sleeps on a timer until a frame or so before that, then asks for
 * frames again, so a change still lands in the first frame at or after its time (as with a
 * frame-by-frame loop), in two or three frames per change instead of every frame.
 */

/** woken this long before a change: more than one frame (16.7 ms at 60 Hz) plus a timer's lateness */
export const FRAME_LEAD_MS = 25;
/** the longest sleep, whatever `tick` says (a change it could not foresee is seen within this) */
export const MAX_SLEEP_MS = 1000;

export interface FrameScheduler {
  requestFrame(fn: () => void): number;
  cancelFrame(id: number): void;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(id: unknown): void;
}

const browser: FrameScheduler = {
  requestFrame: (fn) => requestAnimationFrame(fn),
  cancelFrame: (id) => cancelAnimationFrame(id),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

/** Starts the loop (the first tick in the next frame); returns its stop. */
export function startFrameWake(tick: () => number, sched: FrameScheduler = browser): () => void {
  let frame = 0;
  let timer: unknown = null;
  let stopped = false;
  const onFrame = () => {
    frame = 0;
    if (stopped) return;
    const untilChange = tick();
    const sleep = Math.min(Number.isFinite(untilChange) ? untilChange : MAX_SLEEP_MS, MAX_SLEEP_MS) - FRAME_LEAD_MS;
    if (sleep <= 0) frame = sched.requestFrame(onFrame);
    else
      timer = sched.setTimer(() => {
        timer = null;
        if (!stopped) frame = sched.requestFrame(onFrame);
      }, sleep);
  };
  frame = sched.requestFrame(onFrame);
  return () => {
    stopped = true;
    if (frame) sched.cancelFrame(frame);
    if (timer !== null) sched.clearTimer(timer);
  };
}
