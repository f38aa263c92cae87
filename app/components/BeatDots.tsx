"use client";
import { useEffect, useRef } from "react";
import { meterLabel } from "../../core/metronome";
import { startFrameWake } from "../lib/frame-wake";
import type { RoomView } from "../../core/protocol";
import type { JamSession } from "../lib/session";
import styles from "./BeatDots.module.css";

/** how long the box flashes on a beat (a click's attack is over well before) */
const FLASH_MS = 120;
/** with no beat handed yet, how often to look (the scheduler hands beats ≥ 100 ms before they sound) */
const NO_BEAT_POLL_MS = 80;

/**
 * The room's BPM counts its meter's beat unit (core/metronome.ts Grid.tempoBpm, core/protocol.ts
 * beatUnit): quarter notes in x/4, eighth notes in x/8 (6/8 at 120 is 120 eighths a minute).
 */
export function tempoNote(beatUnit: number): { symbol: string; name: string } {
  return beatUnit === 8 ? { symbol: "♪", name: "eighth notes" } : { symbol: "♩", name: "quarter notes" };
}

/** How the bar's beats are grouped on screen: compound meters (6/8, 9/8, 12/8) in threes, as they are felt; others as one group. */
export function beatGroups(beatsPerBar: number, beatUnit: number): number[] {
  if (beatUnit === 8 && beatsPerBar % 3 === 0) return Array.from({ length: beatsPerBar / 3 }, () => 3);
  return [beatsPerBar];
}

/**
 * The beat you can see (issue 14): the bar's dots, a big beat number and a flash, lit when each
 * click is HEARD — an animation frame compares the audio clock's output time with the time each
 * beat was handed to the engine (JamSession.heardBeat), so on a device with a long output
 * path the light waits for the sound. During a recording's count-in a big 4-3-2-1 over the
 * screen. Fixed size; the DOM is touched only when what is shown changes, never by React per beat,
 * and frames are asked for only around those changes (app/lib/frame-wake.ts).
 */
export function BeatDots({ session, room }: { session: JamSession | null; room: RoomView }) {
  const ref = useRef<HTMLDivElement>(null);
  const countRef = useRef<HTMLDivElement>(null);
  const beatUnit = room.beatUnit === 8 ? 8 : 4;
  const groups = beatGroups(room.beatsPerBar, beatUnit);
  const note = tempoNote(beatUnit);

  useEffect(() => {
    let shown = { beat: -1, flash: "", count: "" };
    return startFrameWake(() => {
      const el = ref.current;
      const countEl = countRef.current;
      if (!el || !countEl || !session) return NO_BEAT_POLL_MS;
      const heard = session.heardBeat();
      const beatLenMs = heard.beat ? 60_000 / heard.beat.tempoBpm : 0;
      // a beat long gone (the metronome's grid stopped being scheduled: not synced, tab asleep) shows nothing
      const b = heard.beat && heard.sinceMs < beatLenMs * 1.5 ? heard.beat : null;
      const next = {
        beat: b ? b.inBar : -1,
        flash: b && heard.sinceMs < FLASH_MS ? (b.inBar === 0 ? "down" : "beat") : "",
        count: b && b.count !== null ? String(b.count) : "",
      };
      if (next.beat !== shown.beat) {
        el.dataset.beat = String(next.beat);
        el.querySelectorAll<HTMLElement>("[data-dot]").forEach((d, i) => {
          d.toggleAttribute("data-on", i === next.beat);
        });
        const num = el.querySelector<HTMLElement>("[data-number]");
        if (num) num.textContent = next.beat >= 0 ? String(next.beat + 1) : "";
      }
      if (next.flash !== shown.flash) el.dataset.flash = next.flash;
      if (next.count !== shown.count) {
        countEl.textContent = next.count;
        countEl.hidden = next.count === "";
      }
      shown = next;
      // what shows next changes at the first of: the flash's end, the beat going stale, the next
      // beat (once handed to the engine, ≥ 150 ms ahead, its exact time; before, one beat on)
      return Math.min(
        next.flash ? FLASH_MS - heard.sinceMs : Infinity,
        b ? beatLenMs * 1.5 - heard.sinceMs : Infinity,
        heard.untilNextMs ?? (b ? beatLenMs - heard.sinceMs : NO_BEAT_POLL_MS),
      );
    });
  }, [session, room.beatsPerBar, beatUnit]);

  const firstOf = groups.map((_, g) => groups.slice(0, g).reduce((a, n) => a + n, 0));
  return (
    <>
      <div
        className={styles.display}
        ref={ref}
        role="img"
        data-testid="beat-display"
        data-beat="-1"
        aria-label={`${meterLabel(room.beatsPerBar, beatUnit)}, ${room.tempoBpm} ${note.name} a minute${groups.length > 1 ? `, felt in ${groups.length} groups of 3` : ""}`}
      >
        <span className={styles.number} data-number aria-hidden="true" />
        <span className={styles.side} aria-hidden="true">
          <span className={styles.dots}>
            {groups.map((n, g) => (
              <span key={g} className={styles.group} data-group>
                {Array.from({ length: n }, (_, j) => (
                  <span key={j} className={styles.dot} data-dot data-down={firstOf[g]! + j === 0 ? "" : undefined} />
                ))}
              </span>
            ))}
          </span>
          <span className={styles.unit} data-testid="tempo-note">
            {note.symbol} = {room.tempoBpm}
          </span>
        </span>
      </div>
      <div className={styles.countIn} ref={countRef} data-testid="count-in" aria-hidden="true" hidden />
    </>
  );
}
