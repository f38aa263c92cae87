"use client";
import { useEffect, useRef, useState } from "react";
import { GROOVE_IDS, GROOVE_NAMES, type GrooveId } from "../../../core/grooves";
import { METERS, meterLabel } from "../../../core/metronome";
import { LIMITS } from "../../../core/limits";
import type { RoomView } from "../../../core/protocol";
import { TapTempo } from "../../../core/tap-tempo";
import type { JamConnection } from "../../lib/connection/jam-connection";
import { describeGridChange, type GridFields } from "../../lib/grid-change";
import type { Act } from "./act";
import styles from "./TempoForm.module.css";

/**
 * Tempo, meter and backing groove (the host's), with tap tempo (issue 14, defect 6: nothing waits
 * silently).
 *
 * - Groove and meter are switches, like a drum machine's pattern buttons: a choice is sent at once
 *   and sounds from the next bar line. Nothing to confirm, nothing left pending.
 * - Tempo is a number being typed or tapped: every keystroke or tap estimate sent would make the
 *   band lurch through 1, 12, 120 BPM. It stays pending — marked, with the room's tempo beside it —
 *   until "Apply" (or Enter).
 * - Whatever the server accepted shows "… from the next bar" until that bar line passes, for
 *   everyone in the room.
 */
export function TempoForm({ conn, room, isHost, act }: { conn: JamConnection | null; room: RoomView | null; isHost: boolean; act: Act }) {
  const [tempo, setTempo] = useState("100");
  const tapper = useRef(new TapTempo());
  // Follow the room's tempo when it changes (not on every room view: the field is being edited).
  const syncedTempo = useRef<number | null>(null);
  useEffect(() => {
    if (!room || syncedTempo.current === room.tempoBpm) return;
    syncedTempo.current = room.tempoBpm;
    setTempo(String(room.tempoBpm));
  }, [room]);
  const landing = useLandingChange(conn, room);

  const tap = (timeStamp: number) => {
    const bpm = tapper.current.tap(timeStamp);
    if (bpm !== null) setTempo(String(bpm));
  };
  const roomMeter = room ? meterLabel(room.beatsPerBar, room.beatUnit) : "4/4";
  const roomGroove: GrooveId = room?.groove ?? "none";
  const pending = !!room && tempo !== String(room.tempoBpm);
  /** sends the room's grid with `change` applied: only what the player changed, the rest as it sounds */
  const send = (change: Partial<{ tempoBpm: number; meter: string; groove: GrooveId }>) => {
    if (!conn || !room) return;
    const meter = METERS.find((m) => m.id === (change.meter ?? roomMeter)) ?? METERS[0];
    void act(() => conn.setTempo(change.tempoBpm ?? room.tempoBpm, meter.beatsPerBar, meter.beatUnit, change.groove ?? roomGroove), "tempo:set");
  };

  return (
    <div className="stack">
      <form
        className="row"
        noValidate // an out-of-range tempo gets the room's one message (a notice), not the browser's bubble
        onSubmit={(e) => {
          e.preventDefault();
          const bpm = Number(tempo);
          if (!Number.isInteger(bpm) || bpm < LIMITS.tempoMinBpm || bpm > LIMITS.tempoMaxBpm) {
            void act(async () => ({ message: `Tempo must be a whole number from ${LIMITS.tempoMinBpm} to ${LIMITS.tempoMaxBpm} BPM.`, event: "tempo:set" }));
            return;
          }
          send({ tempoBpm: bpm });
        }}
      >
        <span className={styles.pair}>
          <label htmlFor="tempo">Tempo (BPM)</label>
          <input
            id="tempo"
            className={`tempo-input ${pending ? styles.pending : ""}`}
            type="number"
            min={LIMITS.tempoMinBpm}
            max={LIMITS.tempoMaxBpm}
            value={tempo}
            readOnly={!isHost}
            aria-describedby="tempo-pending"
            onChange={(e) => setTempo(e.target.value)}
          />
        </span>
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
        <button type="submit" className={pending ? "primary" : undefined} disabled={!conn || !isHost || !pending}>
          {pending ? `Apply ${tempo || "?"} BPM` : "Apply tempo"}
        </button>
        <span id="tempo-pending" className={pending ? styles.pendingNote : "visually-hidden"}>
          {pending && room ? `Not applied yet: the room plays ${room.tempoBpm} BPM until you apply.` : ""}
        </span>
      </form>
      <div className="row">
        <span className={styles.pair}>
          <label htmlFor="beats">Meter</label>
          <select id="beats" value={roomMeter} onChange={(e) => send({ meter: e.target.value })} disabled={!isHost || !conn}>
            {METERS.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id}
              </option>
            ))}
          </select>
        </span>
        <span className={styles.pair}>
          <label htmlFor="groove">Backing groove</label>
          <select id="groove" value={roomGroove} onChange={(e) => send({ groove: e.target.value as GrooveId })} disabled={!isHost || !conn}>
            {GROOVE_IDS.map((g) => (
              <option key={g} value={g}>
                {GROOVE_NAMES[g]}
              </option>
            ))}
          </select>
        </span>
      </div>
      <p className={`muted ${styles.hint}`} aria-live="polite" data-testid="grid-change">
        {landing ? (
          <strong className={styles.landing}>{landing} from the next bar</strong>
        ) : isHost ? (
          "Meter and groove change at the next bar line; type or tap a tempo, then Apply."
        ) : (
          "The host sets tempo, meter and groove."
        )}
      </p>
    </div>
  );
}

/** "Rock groove, 3/4" while a change the server accepted waits for its bar line (room.epochMs ahead), else null. */
function useLandingChange(conn: JamConnection | null, room: RoomView | null): string | null {
  const [landing, setLanding] = useState<string | null>(null);
  const prev = useRef<GridFields | null>(null);
  const key = room ? `${room.tempoBpm}/${room.beatsPerBar}/${room.beatUnit}/${room.groove}/${room.epochMs}` : "";
  useEffect(() => {
    if (!room) return;
    const next: GridFields = { tempoBpm: room.tempoBpm, beatsPerBar: room.beatsPerBar, beatUnit: room.beatUnit, groove: room.groove };
    const before = prev.current;
    prev.current = next;
    if (!before || !conn) return; // the first view: nothing changed
    const text = describeGridChange(before, next);
    const aheadMs = room.epochMs - conn.sharedNow();
    if (!text || aheadMs <= 0) return;
    setLanding(text);
    const t = window.setTimeout(() => setLanding(null), aheadMs);
    return () => window.clearTimeout(t);
    // keyed on the grid, not on every room view (member figures change those every few seconds)
  }, [key, conn]);
  return landing;
}
