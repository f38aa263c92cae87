"use client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { RecordingJson } from "../../../core/http-api";
import {
  SUBDIVISIONS,
  buildEvents,
  formatClock,
  listenersWithHearings,
  mixEnabled,
  normalizeLoop,
  playerStatsBy,
  replayDurationMs,
  replayPlayers,
  selectPlayable,
  type LoopRegion,
  type ReplayView,
} from "../../../core/replay";
import { gridLabel, offsetFromGrid, recordingGrid } from "../../../core/timeline";
import { Timeline, type TimelineZoom } from "../../components/Timeline";
import { ReplayTransport, type PlayState } from "../../lib/replay-player";
import { StatsTable } from "./Stats";
import { Battles } from "./Battles";
import { ExportPanel } from "./Export";
import { BackToRoom } from "./BackToRoom";

/** performance.now() marks of the recording's fetch, copied into window.__backbeatReplay.perf */
const loadMarks = { fetchStartMs: null as number | null, fetchedMs: null as number | null };

type Load = { kind: "loading" } | { kind: "missing" } | { kind: "failed"; message: string } | { kind: "ready"; rec: RecordingJson };

export default function ReplayClient({ id }: { id: string }) {
  const [load, setLoad] = useState<Load>({ kind: "loading" });
  useEffect(() => {
    let cancelled = false;
    loadMarks.fetchStartMs = performance.now();
    fetch(`/api/recordings/${encodeURIComponent(id)}`)
      .then(async (res) => {
        if (cancelled) return;
        if (res.status === 404) return setLoad({ kind: "missing" });
        if (!res.ok) return setLoad({ kind: "failed", message: `Server answered ${res.status}` });
        const rec = (await res.json()) as RecordingJson;
        loadMarks.fetchedMs = performance.now();
        if (!cancelled) setLoad({ kind: "ready", rec: { ...rec, hearings: rec.hearings ?? [] } });
      })
      .catch((err: unknown) => !cancelled && setLoad({ kind: "failed", message: String(err) }));
    return () => {
      cancelled = true;
    };
  }, [id]);
  if (load.kind === "loading") return <p className="muted" role="status">Loading recording…</p>;
  if (load.kind === "missing")
    return (
      <div className="panel stack">
        <h1>Recording not found</h1>
        <p>This replay link does not match any recording. It may have been mistyped, or the recording was deleted.</p>
        <p><a className="button primary" href="/">Start a jam</a></p>
      </div>
    );
  if (load.kind === "failed") return <p role="alert" className="error">Could not load the recording: {load.message}</p>;
  return <Player rec={load.rec} />;
}

const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];

/** `?loop=12.5-20` (seconds) preselects a loop region; `?t=12.5` a start position. */
function readQuery(durationMs: number): { loop: LoopRegion | null; t: number | null } {
  if (typeof window === "undefined") return { loop: null, t: null };
  const q = new URLSearchParams(window.location.search);
  const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(q.get("loop") ?? "");
  const loop = m ? normalizeLoop(Number(m[1]) * 1000, Number(m[2]) * 1000, durationMs) : null;
  const t = Number(q.get("t"));
  return { loop, t: q.has("t") && Number.isFinite(t) ? Math.min(durationMs, Math.max(0, t * 1000)) : null };
}

function Player({ rec }: { rec: RecordingJson }) {
  // Browsers get the generic server-rendered title (see page.tsx). Next may re-render its
  // <title> after this effect (streamed metadata), so the recording's title is kept.
  useEffect(() => {
    const want = `${rec.title} · Backbeat`;
    const keep = () => {
      if (document.title !== want) document.title = want;
    };
    keep();
    const mo = new MutationObserver(keep);
    mo.observe(document.head, { subtree: true, childList: true, characterData: true });
    return () => mo.disconnect();
  }, [rec.title]);
  const players = useMemo(() => replayPlayers(rec), [rec]);
  const durationMs = useMemo(() => replayDurationMs(rec), [rec]);
  const listeners = useMemo(() => {
    const ids = new Set(listenersWithHearings(rec));
    return players.filter((p) => ids.has(p.id));
  }, [rec, players]);
  const played = useMemo(() => buildEvents(rec, { kind: "played" }, players), [rec, players]);
  // The recording's stored timeline (beat epoch and tempo changes); fitted to the hits for recordings made before.
  const grid = useMemo(() => recordingGrid(rec), [rec]);

  const [viewKey, setViewKey] = useState("played");
  const view: ReplayView = viewKey.startsWith("heard:") ? { kind: "heard", listenerId: viewKey.slice(6) } : { kind: "played" };
  const listenerId = view.kind === "heard" ? view.listenerId : null;
  const events = useMemo(
    () => (listenerId === null ? played : buildEvents(rec, { kind: "heard", listenerId }, players)),
    [rec, players, played, listenerId],
  );
  const [muted, setMuted] = useState<boolean[]>(() => players.map(() => false));
  const [soloed, setSoloed] = useState<boolean[]>(() => players.map(() => false));
  const enabled = useMemo(() => mixEnabled(muted, soloed), [muted, soloed]);
  const playable = useMemo(() => selectPlayable(events, enabled), [events, enabled]);
  const [subdivision, setSubdivision] = useState<string>("16");
  const sub = SUBDIVISIONS.find((s) => s.id === subdivision) ?? SUBDIVISIONS[2];
  const stats = useMemo(() => playerStatsBy(events, players.length, (atMs) => offsetFromGrid(grid, sub.note, atMs)), [events, players, grid, sub.note]);

  const initial = useMemo(() => readQuery(durationMs), [durationMs]);
  const [speed, setSpeed] = useState(1);
  const [loop, setLoop] = useState<LoopRegion | null>(initial.loop);
  const [loopOn, setLoopOn] = useState(initial.loop !== null);
  const [zoom, setZoom] = useState<TimelineZoom>(() => (durationMs > 60_000 ? 16 : "whole"));
  const [playState, setPlayState] = useState<PlayState>("paused");
  const [pos, setPos] = useState(initial.t ?? 0);
  const [transport, setTransport] = useState<ReplayTransport | null>(null);
  const [loopMsg, setLoopMsg] = useState("");

  const effectiveLoop = loopOn ? (loop ?? { startMs: 0, endMs: durationMs }) : null;
  const content = useMemo(
    () => ({ events, playable, mode: listenerId === null ? "played" : `heard:${listenerId}`, enabledPlayers: players.filter((_, i) => enabled[i]).map((p) => p.id) }),
    [events, playable, listenerId, players, enabled],
  );
  const contentRef = useRef(content);
  contentRef.current = content;

  useEffect(() => {
    const t = new ReplayTransport(rec, durationMs, contentRef.current);
    t.preload();
    if (initial.t !== null) t.seek(initial.t);
    Object.assign(t.diag.perf, loadMarks);
    t.diag.perf.readyMs = performance.now();
    const off = t.subscribe(() => {
      setPlayState(t.state);
      setPos(t.position());
    });
    setTransport(t);
    return () => {
      off();
      t.dispose();
    };
  }, [rec, durationMs, initial]);

  useEffect(() => transport?.setContent(content), [transport, content]);
  useEffect(() => transport?.setSpeed(speed), [transport, speed]);
  const loopKey = effectiveLoop ? `${effectiveLoop.startMs}-${effectiveLoop.endMs}` : "";
  useEffect(() => {
    transport?.setLoop(loopKey ? { startMs: Number(loopKey.split("-")[0]), endMs: Number(loopKey.split("-")[1]) } : null);
  }, [transport, loopKey]);

  // the readout and the slider's ARIA values follow the audio clock at 10 Hz (the playhead at frame rate)
  useEffect(() => {
    if (!transport || playState !== "playing") return;
    const timer = window.setInterval(() => setPos(transport.position()), 100);
    return () => window.clearInterval(timer);
  }, [transport, playState]);

  const getPosition = useCallback(() => transport?.position() ?? pos, [transport, pos]);
  const onSeek = useCallback(
    (ms: number) => {
      transport?.seek(ms);
      setPos(ms);
    },
    [transport],
  );
  const onLoopSelect = useCallback((r: LoopRegion) => {
    setLoop(r);
    setLoopOn(true);
  }, []);

  const toggle = (arr: boolean[], i: number) => arr.map((v, j) => (j === i ? !v : v));
  const setLoopStart = () => {
    const p = transport?.position() ?? pos;
    const end = loop && loop.endMs > p ? loop.endMs : durationMs;
    const r = normalizeLoop(p, end, durationMs);
    setLoopMsg(r ? "" : "A loop must be at least 0.1 s long.");
    if (r) setLoop(r);
  };
  const setLoopEnd = () => {
    const p = transport?.position() ?? pos;
    const start = loop && loop.startMs < p ? loop.startMs : 0;
    const r = normalizeLoop(start, p, durationMs);
    setLoopMsg(r ? "" : "A loop must be at least 0.1 s long.");
    if (r) {
      setLoop(r);
      setLoopOn(true);
    }
  };

  const names = players.map((p) => p.name).join(", ");
  const viewLabel = listenerId === null ? "as played" : `as ${players.find((p) => p.id === listenerId)?.name ?? "?"} heard it`;
  const summary = `Timeline of ${rec.hits.length} hits by ${names || "nobody"} over ${formatClock(durationMs)}, ${viewLabel}, in ${players.length} colours on 8 drum lanes, with the ${gridLabel(grid)} grid.`;
  const statusText = playState === "ended" ? "Finished" : playState === "playing" ? (effectiveLoop ? "Playing (looping)" : "Playing") : pos > 0 ? "Paused" : "";

  return (
    <div className="stack replay">
      <div>
        <h1>{rec.title}</h1>
        <p className="muted">
          <BackToRoom roomCode={rec.roomCode} /> · {new Date(rec.createdAt).toLocaleString()} · {gridLabel(grid)} · {rec.hits.length} hits · {formatClock(durationMs)}
        </p>
      </div>

      <section className="panel stack" aria-label="Player">
        <div className="row replay-transport">
          {playState === "playing" ? (
            <button type="button" className="primary play-button" onClick={() => transport?.pause()}>Pause</button>
          ) : (
            <button type="button" className="primary play-button" disabled={!transport} onClick={() => void transport?.play()}>Play</button>
          )}
          <span className="stats time-readout" aria-hidden="true">
            {formatClock(pos, true)} / {formatClock(durationMs, true)}
          </span>
          <span className="muted play-status" role="status">{statusText}</span>
        </div>
        <div className="row replay-options">
          <label className="field">
            <span>View</span>
            <select value={viewKey} onChange={(e) => setViewKey(e.target.value)}>
              <option value="played">As played</option>
              {listeners.map((p) => (
                <option key={p.id} value={`heard:${p.id}`}>As {p.name} heard it</option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Speed</span>
            <select value={String(speed)} onChange={(e) => setSpeed(Number(e.target.value))}>
              {SPEEDS.map((s) => (
                <option key={s} value={String(s)}>{s}×</option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Zoom</span>
            <select value={String(zoom)} onChange={(e) => setZoom(e.target.value === "whole" ? "whole" : (Number(e.target.value) as 16 | 4))}>
              <option value="whole">Whole recording</option>
              <option value="16">16 bars</option>
              <option value="4">4 bars</option>
            </select>
          </label>
        </div>

        <Timeline
          events={events}
          players={players}
          enabled={enabled}
          durationMs={durationMs}
          grid={grid}
          note={sub.note}
          loop={effectiveLoop}
          loopOn={loopOn}
          zoom={zoom}
          positionMs={pos}
          getPosition={getPosition}
          playing={playState === "playing"}
          heardView={listenerId !== null}
          summary={summary}
          onSeek={onSeek}
          onLoopSelect={onLoopSelect}
        />
        <p className="muted small">
          Click or drag the timeline to seek (arrow keys: 1 s, Shift+arrows: 1 beat, Page Up/Down: 10 s); Shift+drag selects a loop.
          Grid lines: bars bright, beats dim, numbered as in the MIDI file.{" "}
          {grid.source === "stored"
            ? "The grid is the room's own: its beats and every tempo change, as recorded."
            : "This recording was made before the room's beats were stored with it: the grid's phase is fitted to the hits."}
          {listenerId !== null && " Outlined ghosts mark where a partner's hit was struck; a yellow foot marks a late hit, an empty box a skipped one, faint ones were not reported."}
        </p>

        <div className="row loop-controls">
          <button type="button" aria-pressed={loopOn} onClick={() => setLoopOn((v) => !v)}>Loop</button>
          <button type="button" onClick={setLoopStart}>Set loop start</button>
          <button type="button" onClick={setLoopEnd}>Set loop end</button>
          <button type="button" onClick={() => { setLoop(null); setLoopOn(false); }} disabled={!loop && !loopOn}>Clear loop</button>
          <span role="status" className="error loop-message">{loopMsg}</span>
          <span className="stats loop-readout">
            {effectiveLoop ? `Loop ${formatClock(effectiveLoop.startMs, true)}–${formatClock(effectiveLoop.endMs, true)}` : loop ? `Loop region ${formatClock(loop.startMs, true)}–${formatClock(loop.endMs, true)} (off)` : "No loop"}
          </span>
        </div>

        <ul className="members replay-players" aria-label="Players">
          {players.map((p, i) => (
            <li key={p.id} className="member">
              <span className="swatch" style={{ background: p.color }} aria-hidden="true" />
              <span className={enabled[i] ? "" : "muted"}>{p.name}</span>
              <span className="player-buttons">
                <button type="button" className="small-button" aria-pressed={muted[i] ?? false} aria-label={`Mute ${p.name}`} onClick={() => setMuted((m) => toggle(m, i))}>Mute</button>
                <button type="button" className="small-button" aria-pressed={soloed[i] ?? false} aria-label={`Solo ${p.name}`} onClick={() => setSoloed((s) => toggle(s, i))}>Solo</button>
              </span>
            </li>
          ))}
        </ul>
      </section>

      <section className="panel stack" aria-labelledby="timing-heading">
        <div className="row">
          <h2 id="timing-heading">Timing</h2>
          <label className="field">
            <span>Subdivision</span>
            <select value={subdivision} onChange={(e) => setSubdivision(e.target.value)}>
              {SUBDIVISIONS.map((s) => (
                <option key={s.id} value={s.id}>{s.label}</option>
              ))}
            </select>
          </label>
        </div>
        <StatsTable players={players} stats={stats} listenerId={listenerId} subdivisionLabel={sub.label} />
        <p className="muted small">
          Offsets are from the nearest {sub.label} grid line, {viewLabel}; negative is early. Spread is the interquartile range (middle half of the offsets).
        </p>
      </section>

      <Battles rec={rec} onSeek={onSeek} />

      <ExportPanel
        rec={rec}
        events={events}
        players={players}
        listenerId={listenerId}
        viewLabel={viewLabel}
        loop={effectiveLoop}
        wholeFromMs={grid.originMs}
        durationMs={durationMs}
        transport={transport}
      />
    </div>
  );
}
