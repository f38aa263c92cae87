"use client";
/**
 * "Share and export": links (replay, JSON, MIDI) and the audio exports made in
 * the browser: the mix (or one player) as a stereo WAV, and stems (one WAV per
 * player, zipped). A whole-recording export starts on the bar line at or
 * before the recording start, where the MIDI file's time 0 is, so the MIDI,
 * the mix and the stems line up at bar 1 in a DAW.
 */
import { useEffect, useRef, useState, type MouseEvent } from "react";
import { exportFileName } from "../../../core/export-name";
import type { RecordingJson } from "../../../core/http-api";
import { formatClock, selectPlayable, type ReplayEvents, type ReplayPlayer } from "../../../core/replay";
import type { ReplayTransport } from "../../lib/replay-player";

type RenderState =
  | { kind: "idle" }
  | { kind: "rendering"; progress: number }
  | { kind: "done"; url: string; fileName: string; bytes: number; renderedSec: number; speed: number; note: string }
  | { kind: "error"; message: string };

/** A render with a progress bar, a cancel button and a download link; revokes its object URL when replaced. */
function useRender() {
  const [state, setState] = useState<RenderState>({ kind: "idle" });
  const abortRef = useRef<AbortController | null>(null);
  const urlRef = useRef<string | null>(null);
  useEffect(() => () => {
    abortRef.current?.abort();
    if (urlRef.current) URL.revokeObjectURL(urlRef.current);
  }, []);
  async function run(render: (signal: AbortSignal, onProgress: (f: number) => void) => Promise<Omit<Extract<RenderState, { kind: "done" }>, "kind" | "url"> & { blob: Blob }>) {
    if (urlRef.current) URL.revokeObjectURL(urlRef.current);
    urlRef.current = null;
    const abort = new AbortController();
    abortRef.current = abort;
    setState({ kind: "rendering", progress: 0 });
    let lastUpdate = 0;
    try {
      const { blob, ...done } = await render(abort.signal, (f) => {
        const now = performance.now();
        if (now - lastUpdate > 50 || f === 1) {
          lastUpdate = now;
          setState({ kind: "rendering", progress: f });
        }
      });
      const url = URL.createObjectURL(blob);
      urlRef.current = url;
      setState({ kind: "done", url, ...done });
    } catch (err) {
      if (abort.signal.aborted) setState({ kind: "idle" });
      else setState({ kind: "error", message: err instanceof Error ? err.message : String(err) });
    } finally {
      abortRef.current = null;
    }
  }
  return { state, run, cancel: () => abortRef.current?.abort() };
}

function RenderStatus({ state, progressLabel, linkLabel, failed }: { state: RenderState; progressLabel: string; linkLabel: string; failed: string }) {
  return (
    <div className="wav-status" aria-live="polite">
      {state.kind === "rendering" && (
        <div className="row">
          <progress aria-label={progressLabel} max={1} value={state.progress} />
          <span className="stats">{Math.round(state.progress * 100)}%</span>
        </div>
      )}
      {state.kind === "done" && (
        <div className="row">
          <a className="button primary" href={state.url} download={state.fileName}>{linkLabel}</a>
          <span className="stats">
            {(state.bytes / 1e6).toFixed(1)} MB · {state.renderedSec.toFixed(1)} s rendered at {Math.round(state.speed)}× real time{state.note}
          </span>
        </div>
      )}
      {state.kind === "error" && <p className="error">{failed}: {state.message}</p>}
    </div>
  );
}

export function ExportPanel(p: {
  rec: RecordingJson;
  events: ReplayEvents;
  players: ReplayPlayer[];
  /** "as heard" view: whose */
  listenerId: string | null;
  viewLabel: string;
  /** the loop region when looping, else null: the whole recording */
  loop: { startMs: number; endMs: number } | null;
  /** where a whole-recording export starts (≤ 0: the bar line at or before the recording start) and ends */
  wholeFromMs: number;
  durationMs: number;
  transport: ReplayTransport | null;
}) {
  const { rec, events, players, listenerId } = p;
  const [wavMix, setWavMix] = useState("all");
  const wav = useRender();
  const stems = useRender();
  const [notice, setNotice] = useState("");
  const range = p.loop ?? { startMs: p.wholeFromMs, endMs: p.durationMs };
  const rangeS = (range.endMs - range.startMs) / 1000;
  // one naming style with the server's MIDI and JSON (core/export-name.ts)
  const viewPart = listenerId === null ? "" : `as ${players.find((x) => x.id === listenerId)?.name ?? "listener"} heard`;
  const tooLong = rangeS > 20 * 60;
  const busy = wav.state.kind === "rendering" || stems.state.kind === "rendering";
  const headroomNote = (scale: number) => (scale < 1 ? ` · turned down ${(-20 * Math.log10(scale)).toFixed(1)} dB to stay under −1 dBFS` : "");

  const exportWav = () =>
    wav.run(async (signal, onProgress) => {
      const only = wavMix === "all" ? null : wavMix;
      const playable = selectPlayable(events, players.map((x) => only === null || x.id === only));
      const { renderWav } = await import("../../lib/replay-wav");
      const r = await renderWav({ rec, events, playable, fromMs: range.startMs, toMs: range.endMs, signal, onProgress });
      const speed = r.renderedSec / (r.renderWallMs / 1000);
      if (p.transport) {
        p.transport.diag.wavRender = { renderedSec: r.renderedSec, wallMs: r.renderWallMs, totalWallMs: r.totalWallMs, speed, hits: r.hits, bytes: r.wav.byteLength, segments: r.segments, peakDbfs: r.peakDbfs, scale: r.scale, fromMs: range.startMs };
      }
      const who = only === null ? "mix" : (players.find((x) => x.id === only)?.name ?? "player");
      return { blob: new Blob([r.wav], { type: "audio/wav" }), fileName: exportFileName(rec.title, "wav", who, viewPart), bytes: r.wav.byteLength, renderedSec: r.renderedSec, speed, note: headroomNote(r.scale) };
    });

  const exportStems = () =>
    stems.run(async (signal, onProgress) => {
      const { renderStems } = await import("../../lib/replay-wav");
      const r = await renderStems({ rec, events, players, fromMs: range.startMs, toMs: range.endMs, signal, onProgress });
      const speed = (r.renderedSec * r.files.length) / (r.renderWallMs / 1000);
      if (p.transport) {
        p.transport.diag.stemsRender = { files: r.files, frames: r.frames, renderedSec: r.renderedSec, wallMs: r.renderWallMs, hits: r.hits, bytes: r.zip.byteLength, peakDbfs: r.peakDbfs, scale: r.scale, fromMs: range.startMs };
      }
      const blob = new Blob([r.zip.slice().buffer as ArrayBuffer], { type: "application/zip" });
      return { blob, fileName: exportFileName(rec.title, "zip", "stems", viewPart), bytes: r.zip.byteLength, renderedSec: r.renderedSec * r.files.length, speed, note: ` · ${r.files.length} stems${headroomNote(r.scale)}` };
    });

  async function copyLink(e: MouseEvent<HTMLAnchorElement>) {
    e.preventDefault();
    const url = `${window.location.origin}/replay/${encodeURIComponent(rec.id)}`;
    try {
      await navigator.clipboard.writeText(url);
      setNotice("Replay link copied");
    } catch {
      setNotice(`Could not copy: the link is ${url}`);
    }
  }

  const rangeText = p.loop ? "The loop region" : p.wholeFromMs < 0 ? "The whole recording from bar 1, as the MIDI file" : "The whole recording";
  return (
    <section className="panel stack" aria-labelledby="export-heading">
      <h2 id="export-heading">Share and export</h2>
      <div className="row">
        {/* a link (to this replay) that copies itself: also works with "Copy link address" */}
        <a className="button" href={`/replay/${encodeURIComponent(rec.id)}`} onClick={(e) => void copyLink(e)}>Copy replay link</a>
        <a className="button" href={`/api/recordings/${encodeURIComponent(rec.id)}?download=json`} download={exportFileName(rec.title, "json")}>Download JSON</a>
        <a className="button" href={`/api/recordings/${encodeURIComponent(rec.id)}/midi`} download={exportFileName(rec.title, "mid")}>Download MIDI</a>
      </div>
      <div className="row">
        <label className="field">
          <span>WAV mix</span>
          <select value={wavMix} onChange={(e) => setWavMix(e.target.value)} disabled={busy}>
            <option value="all">Whole mix</option>
            {players.map((x) => (
              <option key={x.id} value={x.id}>{x.name} only</option>
            ))}
          </select>
        </label>
        {wav.state.kind === "rendering" ? (
          <button type="button" onClick={wav.cancel}>Cancel export</button>
        ) : (
          <button type="button" onClick={() => void exportWav()} disabled={tooLong || busy}>Export WAV</button>
        )}
        {stems.state.kind === "rendering" ? (
          <button type="button" onClick={stems.cancel}>Cancel stems</button>
        ) : (
          <button type="button" onClick={() => void exportStems()} disabled={tooLong || busy} aria-describedby="export-range">Export stems (ZIP)</button>
        )}
        <span className="muted small" id="export-range">
          {tooLong ? "Longer than 20 minutes: set a loop region to export a part." : `${rangeText} (${formatClock(rangeS * 1000, true)}), ${p.viewLabel}. Stereo, peaks at most −1 dBFS; stems: one WAV per player, same start and length.`}
        </span>
      </div>
      <RenderStatus state={wav.state} progressLabel="Rendering WAV" linkLabel="Download WAV" failed="WAV export failed" />
      <RenderStatus state={stems.state} progressLabel="Rendering stems" linkLabel="Download stems (ZIP)" failed="Stems export failed" />
      <p className="muted export-notice" role="status">{notice}</p>
    </section>
  );
}
