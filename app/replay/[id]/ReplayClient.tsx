"use client";
import { useEffect, useMemo, useRef, useState } from "react";
import { KIT } from "../../../core/kit";
import type { RecordingJson } from "../../../core/protocol";
import type { AudioEngine } from "../../lib/audio/engine";

const SCHEDULE_AHEAD_MS = 200;
const TICK_MS = 25;

interface ScheduledHit {
  participantId: string;
  seq: number;
  pad: string;
  /** position in the recording (ms from its start) */
  atMs: number;
  audioTime: number;
}

declare global {
  interface Window {
    __backbeatReplay?: { state: "paused" | "playing" | "ended"; positionMs: number; durationMs: number; scheduled: ScheduledHit[] };
  }
}

type Load = { kind: "loading" } | { kind: "missing" } | { kind: "failed"; message: string } | { kind: "ready"; rec: RecordingJson };

export default function ReplayClient({ id }: { id: string }) {
  const [load, setLoad] = useState<Load>({ kind: "loading" });
  useEffect(() => {
    fetch(`/api/recordings/${encodeURIComponent(id)}`)
      .then(async (res) => {
        if (res.status === 404) return setLoad({ kind: "missing" });
        if (!res.ok) return setLoad({ kind: "failed", message: `Server answered ${res.status}` });
        setLoad({ kind: "ready", rec: (await res.json()) as RecordingJson });
      })
      .catch((err: unknown) => setLoad({ kind: "failed", message: String(err) }));
  }, [id]);
  if (load.kind === "loading") return <p className="muted">Loading recording…</p>;
  if (load.kind === "missing")
    return (
      <div className="panel stack">
        <h1>Recording not found</h1>
        <p>This replay link does not match any recording. It may have been mistyped.</p>
        <p><a className="button primary" href="/">Start a jam</a></p>
      </div>
    );
  if (load.kind === "failed") return <p role="alert" className="error">Could not load the recording: {load.message}</p>;
  return <Player rec={load.rec} />;
}

function Player({ rec }: { rec: RecordingJson }) {
  const durationMs = useMemo(() => {
    const lastHit = rec.hits.at(-1)?.strikeAtMs ?? rec.startedAtMs;
    const end = Math.max(rec.endedAtMs ?? 0, lastHit + 500);
    return Math.max(0, end - rec.startedAtMs);
  }, [rec]);
  const colors = useMemo(() => new Map(rec.participants.map((p) => [p.id, p.color])), [rec]);
  const [state, setState] = useState<"paused" | "playing" | "ended">("paused");
  const [positionMs, setPositionMs] = useState(0);
  const engineRef = useRef<AudioEngine | null>(null);
  const play = useRef<{ audioStart: number; fromMs: number; nextIndex: number; timer: number } | null>(null);
  const scheduled = useRef<ScheduledHit[]>([]);
  const playheadRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    window.__backbeatReplay = { state, positionMs, durationMs, scheduled: scheduled.current };
  }, [state, positionMs, durationMs]);

  useEffect(() => () => {
    if (play.current) window.clearInterval(play.current.timer);
    engineRef.current?.dispose();
  }, []);

  async function onPlay() {
    if (!engineRef.current) {
      const { createAudioEngine } = await import("../../lib/audio/engine");
      engineRef.current = createAudioEngine();
    }
    const engine = engineRef.current;
    await engine.resume();
    const fromMs = state === "ended" ? 0 : positionMs;
    if (state === "ended") scheduled.current.length = 0;
    const audioStart = engine.context.currentTime + 0.1;
    const nextIndex = rec.hits.findIndex((h) => h.strikeAtMs - rec.startedAtMs >= fromMs);
    const p = { audioStart, fromMs, nextIndex: nextIndex === -1 ? rec.hits.length : nextIndex, timer: 0 };
    const tick = () => {
      const elapsedMs = (engine.context.currentTime - p.audioStart) * 1000;
      const horizonMs = p.fromMs + elapsedMs + SCHEDULE_AHEAD_MS;
      while (p.nextIndex < rec.hits.length) {
        const h = rec.hits[p.nextIndex]!;
        const atMs = h.strikeAtMs - rec.startedAtMs;
        if (atMs > horizonMs) break;
        const audioTime = p.audioStart + (atMs - p.fromMs) / 1000;
        engine.playHit(h.pad, audioTime, h.velocity);
        scheduled.current.push({ participantId: h.participantId, seq: h.seq, pad: h.pad, atMs, audioTime });
        p.nextIndex++;
      }
      const pos = Math.min(durationMs, p.fromMs + Math.max(0, elapsedMs));
      if (playheadRef.current) playheadRef.current.style.left = `${durationMs ? (100 * pos) / durationMs : 0}%`;
      setPositionMs(pos);
      if (pos >= durationMs) {
        window.clearInterval(p.timer);
        play.current = null;
        setState("ended");
      }
    };
    p.timer = window.setInterval(tick, TICK_MS);
    play.current = p;
    setState("playing");
    tick();
  }

  function onPause() {
    if (play.current) window.clearInterval(play.current.timer);
    play.current = null;
    setState("paused");
  }

  const laneHeight = 100 / KIT.length;
  const fmt = (ms: number) => `${Math.floor(ms / 60000)}:${String(Math.floor((ms / 1000) % 60)).padStart(2, "0")}`;
  return (
    <div className="stack">
      <div>
        <h1>{rec.title}</h1>
        <p className="muted">
          Room {rec.roomCode} · {new Date(rec.createdAt).toLocaleString()} · {rec.tempoBpm} BPM, {rec.beatsPerBar}/4 · {rec.hits.length} hits
        </p>
      </div>
      <div className="panel stack">
        <div className="row">
          {state === "playing" ? (
            <button type="button" className="primary" onClick={onPause}>Pause</button>
          ) : (
            <button type="button" className="primary" onClick={() => void onPlay()}>Play</button>
          )}
          <span className="stats" aria-live="off">
            {fmt(positionMs)} / {fmt(durationMs)}
          </span>
          <span className="muted" role="status">{state === "ended" ? "Finished" : ""}</span>
        </div>
        <div className="timeline" role="img" aria-label={`Timeline of ${rec.hits.length} hits over ${fmt(durationMs)}`}>
          {KIT.map((p, i) => (
            <span key={p.id} className="lane-label" style={{ top: `${i * laneHeight}%` }}>{p.name}</span>
          ))}
          {rec.hits.map((h) => {
            const lane = KIT.findIndex((p) => p.id === h.pad);
            const left = durationMs ? (100 * (h.strikeAtMs - rec.startedAtMs)) / durationMs : 0;
            return (
              <span
                key={`${h.participantId}-${h.seq}`}
                className="hit"
                style={{ left: `${left}%`, top: `calc(${lane * laneHeight}% + 4px)`, background: colors.get(h.participantId) ?? "#fff", opacity: 0.4 + 0.6 * h.velocity }}
              />
            );
          })}
          <div className="playhead" ref={playheadRef} style={{ left: "0%" }} />
        </div>
        <ul className="members">
          {rec.participants.map((p) => (
            <li key={p.id} className="member">
              <span className="swatch" style={{ background: p.color }} aria-hidden="true" />
              <span>{p.name}</span>
              <span className="quality muted">{rec.hits.filter((h) => h.participantId === p.id).length} hits</span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
