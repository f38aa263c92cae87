"use client";
import { useEffect, useState } from "react";
import { KIT, type PadId } from "../../core/kit";
import { assignKey, defaultKeyMap, keyLabel, RESERVED_KEYS, type KeyMap } from "../../core/keymap";
import type { MidiInput, MidiInputState } from "../lib/midi-input";

/** Keyboard map (re-mappable) and Web MIDI device choice. */
export function InputSettings({ keyMap, onKeyMap, midi }: { keyMap: KeyMap; onKeyMap: (m: KeyMap) => void; midi: MidiInput | null }) {
  const [open, setOpen] = useState(false);
  const [capturing, setCapturing] = useState<PadId | null>(null);
  const [midiState, setMidiState] = useState<MidiInputState | null>(null);
  useEffect(() => (midi ? midi.subscribe(setMidiState) : undefined), [midi]);

  useEffect(() => {
    if (!capturing) return;
    const onKey = (e: KeyboardEvent) => {
      e.preventDefault();
      e.stopPropagation();
      const k = e.key.toLowerCase();
      if (k === "escape") return setCapturing(null);
      if (RESERVED_KEYS.has(k) || e.metaKey || e.ctrlKey || e.altKey) return;
      onKeyMap(assignKey(keyMap, capturing, k));
      setCapturing(null);
    };
    window.addEventListener("keydown", onKey, true); // before the pads' handler
    return () => window.removeEventListener("keydown", onKey, true);
  }, [capturing, keyMap, onKeyMap]);

  return (
    <div className="stack">
      <div className="row">
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          Input settings
        </button>
        {midiState && midiState.devices.some((d) => d.connected) && (
          <span className="muted">MIDI: {midiState.devices.filter((d) => d.connected).length} device(s)</span>
        )}
      </div>
      {open && (
        <div className="panel-inner stack" role="group" aria-label="Input settings">
          <h3 className="subhead">Keyboard</h3>
          <ul className="keymap">
            {KIT.map((p) => (
              <li key={p.id} className="row">
                <span className="keymap-pad">{p.name}</span>
                <kbd>{keyLabel(keyMap[p.id])}</kbd>
                <button type="button" className="small" aria-label={`Change key for ${p.name}`} onClick={() => setCapturing(p.id)}>
                  {capturing === p.id ? "Press a key…" : "Change"}
                </button>
              </li>
            ))}
          </ul>
          <div className="row">
            <button type="button" className="small" onClick={() => onKeyMap(defaultKeyMap())}>
              Reset keys
            </button>
            <span className="muted" role="status" aria-live="polite">
              {capturing ? `Press the new key for ${KIT.find((p) => p.id === capturing)?.name} (Escape cancels)` : ""}
            </span>
          </div>
          <h3 className="subhead">MIDI drum kit</h3>
          {!midiState?.supported ? (
            <p className="muted">This browser has no Web MIDI (Chrome and Edge do).</p>
          ) : midiState.devices.length === 0 && !midiState.error ? (
            <p className="row">
              <button type="button" className="small" onClick={() => void midi?.enable()}>
                Use MIDI input
              </button>
              <span className="muted">General MIDI drum notes; plug in any time.</span>
            </p>
          ) : (
            <p className="row">
              <label htmlFor="midi-device">MIDI input</label>
              <select id="midi-device" value={midiState.selected} onChange={(e) => midi?.select(e.target.value)}>
                <option value="all">All devices</option>
                {midiState.devices.map((d) => (
                  <option key={d.id} value={d.id} disabled={!d.connected}>
                    {d.name}
                    {d.connected ? "" : " (unplugged)"}
                  </option>
                ))}
              </select>
            </p>
          )}
          {midiState?.error && (
            <p role="alert" className="error">
              {midiState.error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
