"use client";
/**
 * The computer keyboard and Web MIDI as pads: both strike with their event's own timestamp
 * (the strike time is taken from the input, not from when the handler ran).
 */
import { useEffect, useState } from "react";
import type { PadId } from "../../../core/kit";
import { padForKeyIn, type KeyMap } from "../../../core/keymap";
import { MidiInput } from "../../lib/midi-input";

export type Strike = (pad: PadId, velocity: number, timeStamp: number) => void;

export function useKeyboardPads(keyMap: KeyMap | null, strike: Strike): void {
  useEffect(() => {
    if (!keyMap) return;
    function onKey(e: KeyboardEvent) {
      if (e.repeat || e.metaKey || e.ctrlKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
      const pad = padForKeyIn(keyMap!, e.key);
      if (!pad) return;
      e.preventDefault();
      strike(pad, e.shiftKey ? 1 : 0.8, e.timeStamp);
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [strike, keyMap]);
}

/** Web MIDI: note-ons strike with the MIDI event's timestamp; `window.__backbeatMidi.inject` takes the same path (tests). */
export function useMidiPads(strike: Strike): MidiInput | null {
  const [midi, setMidi] = useState<MidiInput | null>(null);
  useEffect(() => {
    const m = new MidiInput((hit, timeStamp) => strike(hit.pad, hit.velocity, timeStamp));
    setMidi(m);
    (window as { __backbeatMidi?: { inject: (data: number[], timeStamp?: number) => boolean } }).__backbeatMidi = {
      inject: (data, timeStamp) => m.inject(data, timeStamp),
    };
    return () => {
      m.dispose();
      delete (window as { __backbeatMidi?: unknown }).__backbeatMidi;
    };
  }, [strike]);
  return midi;
}
