"use client";
import { useEffect, useRef, useState } from "react";
import { GROOVE_IDS, GROOVE_NAMES, type GrooveId } from "../../../core/grooves";
import { METERS, meterLabel } from "../../../core/metronome";
import { LIMITS } from "../../../core/limits";
import type { RoomView } from "../../../core/protocol";
import { TapTempo } from "../../../core/tap-tempo";
import type { JamConnection } from "../../lib/connection/jam-connection";
import type { Act } from "./act";

/** Tempo, meter and backing groove (the host's; changes land on the next bar line), with tap tempo. */
export function TempoForm({ conn, room, isHost, act }: { conn: JamConnection | null; room: RoomView | null; isHost: boolean; act: Act }) {
  const [tempo, setTempo] = useState("100");
  const tapper = useRef(new TapTempo());
  const [beats, setBeats] = useState("4/4");
  const [groove, setGroove] = useState<GrooveId>("none");
  // Follow the room's grid when it changes (not on every room view: the fields are being edited).
  const synced = useRef<string>("");
  useEffect(() => {
    if (!room) return;
    const key = `${room.tempoBpm}/${room.beatsPerBar}/${room.beatUnit}/${room.groove}`;
    if (synced.current !== key) {
      synced.current = key;
      setTempo(String(room.tempoBpm));
      setBeats(meterLabel(room.beatsPerBar, room.beatUnit));
      setGroove(room.groove);
    }
  }, [room]);
  const tap = (timeStamp: number) => {
    const bpm = tapper.current.tap(timeStamp);
    if (bpm !== null) setTempo(String(bpm));
  };
  return (
    <div className="row">
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          const bpm = Number(tempo);
          if (!Number.isInteger(bpm) || bpm < LIMITS.tempoMinBpm || bpm > LIMITS.tempoMaxBpm) {
            void act(async () => ({ message: `Tempo must be a whole number from ${LIMITS.tempoMinBpm} to ${LIMITS.tempoMaxBpm} BPM.` }));
            return;
          }
          const meter = METERS.find((m) => m.id === beats) ?? METERS[0];
          if (conn) void act(() => conn.setTempo(bpm, meter.beatsPerBar, meter.beatUnit, groove));
        }}
      >
        <label htmlFor="tempo">Tempo (BPM)</label>
        <input id="tempo" className="tempo-input" type="number" min={LIMITS.tempoMinBpm} max={LIMITS.tempoMaxBpm} value={tempo} onChange={(e) => setTempo(e.target.value)} />
        <label htmlFor="beats">Meter</label>
        <select id="beats" value={beats} onChange={(e) => setBeats(e.target.value)} disabled={!isHost}>
          {METERS.map((m) => (
            <option key={m.id} value={m.id}>
              {m.id}
            </option>
          ))}
        </select>
        <label htmlFor="groove">Backing groove</label>
        <select id="groove" value={groove} onChange={(e) => setGroove(e.target.value as GrooveId)} disabled={!isHost}>
          {GROOVE_IDS.map((g) => (
            <option key={g} value={g}>
              {GROOVE_NAMES[g]}
            </option>
          ))}
        </select>
        <button
          type="button"
          disabled={!isHost}
          onPointerDown={(e) => tap(e.timeStamp)}
          onKeyDown={(e) => {
            if (e.key !== "Enter" && e.key !== " ") return;
            e.preventDefault();
            tap(e.timeStamp);
          }}
        >
          Tap tempo
        </button>
        <button type="submit" disabled={!conn || !isHost}>
          Apply
        </button>
        <span className="muted">{isHost ? "changes land on the next bar line" : "the host sets the tempo"}</span>
      </form>
    </div>
  );
}
