"use client";
import { useCallback, useSyncExternalStore } from "react";
import type { RoomView } from "../../core/protocol";
import { DEFAULT_MIX, partnerLevel } from "../lib/mix-levels";
import type { JamSession } from "../lib/session";
import styles from "./MixPanel.module.css";

/**
 * The mix (issue 14): master, metronome (count-in and backing too) and each partner's level and
 * mute, remembered on this device (app/lib/mix-levels.ts). The session applies it to the audio
 * engine's buses whether or not this panel is shown; the panel only edits it.
 */
export function MixPanel({ session, room, me }: { session: JamSession | null; room: RoomView | null; me: string | undefined }) {
  const subscribe = useCallback((cb: () => void) => (session ? session.subscribeMix(cb) : () => undefined), [session]);
  const mix = useSyncExternalStore(subscribe, () => session?.mixLevels ?? DEFAULT_MIX, () => DEFAULT_MIX);
  const partners = (room?.members ?? []).filter((m) => m.id !== me && m.role === "player");
  return (
    <section className="panel stack" aria-labelledby="mix-heading">
      <h2 id="mix-heading">Mix</h2>
      <div className={styles.rows}>
        <Fader id="mix-master" label="Master" value={mix.master} onChange={(v) => session?.setMasterLevel(v)} />
        <Fader id="mix-clicks" label="Metronome" value={mix.clicks} onChange={(v) => session?.setClicksLevel(v)} />
        {partners.map((p) => {
          const level = partnerLevel(mix, p.id, p.name);
          return (
            <Fader
              key={p.id}
              id={`mix-${p.id}`}
              label={p.name}
              value={level.level}
              muted={level.muted}
              onChange={(v) => session?.setPartnerLevel(p.id, p.name, { level: v })}
              onMute={(muted) => session?.setPartnerLevel(p.id, p.name, { muted })}
            />
          );
        })}
      </div>
      <p className={`muted ${styles.note}`}>
        Metronome includes the count-in and the backing groove.{partners.length === 0 && " Each partner gets a fader and a mute here when they join."}
      </p>
    </section>
  );
}

/** One row: label, slider (0–100 %), its value, and a mute toggle where there is one. */
function Fader(p: { id: string; label: string; value: number; muted?: boolean; onChange: (v: number) => void; onMute?: (muted: boolean) => void }) {
  const percent = Math.round(p.value * 100);
  return (
    <>
      <label htmlFor={p.id} className={styles.label} title={p.label}>
        {p.label}
      </label>
      <input
        id={p.id}
        className={styles.slider}
        type="range"
        min={0}
        max={100}
        step={1}
        value={percent}
        aria-label={`${p.label} volume`}
        aria-valuetext={p.muted ? `${percent} %, muted` : `${percent} %`}
        onChange={(e) => p.onChange(Number(e.target.value) / 100)}
      />
      {/* not an <output>: a live region per fader would chatter while a slider moves; the slider's aria-valuetext says it */}
      <span className={styles.value} aria-hidden="true">
        {percent}%
      </span>
      {p.onMute ? (
        <button type="button" className={`small ${styles.mute}`} aria-pressed={!!p.muted} aria-label={`Mute ${p.label}`} onClick={() => p.onMute!(!p.muted)}>
          Mute
        </button>
      ) : (
        <span className={styles.spacer} />
      )}
    </>
  );
}
