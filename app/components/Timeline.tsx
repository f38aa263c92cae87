"use client";
/**
 * The replay timeline: lanes per drum, hits coloured per player, the tempo
 * grid (bars stronger than beats), the loop region and a moving playhead, on
 * a <canvas> (a 100,000-hit recording is 100,000 rectangles, not DOM nodes;
 * in the whole-recording view hits are drawn at most once per pixel, lane and
 * player). The canvas is an image with a text summary; seeking is done on a
 * transparent slider laid over it (click / drag; arrow keys, Page Up/Down,
 * Home/End; Shift+drag selects a loop region).
 */
import { memo, useCallback, useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { KIT } from "../../core/kit";
import { STATUS, formatClock, keySeek, lowerBound, normalizeLoop, type LoopRegion, type ReplayEvents, type ReplayPlayer } from "../../core/replay";
import { barAt, barStartMs, gridLinesIn, segmentAt, type ReplayGrid } from "../../core/timeline";

export type TimelineZoom = "whole" | 16 | 4;

interface Props {
  events: ReplayEvents;
  players: ReplayPlayer[];
  enabled: boolean[];
  durationMs: number;
  /** the recording's grid (core/timeline.ts): tempo changes move the lines */
  grid: ReplayGrid;
  /** the finest grid lines drawn, as a note value (4, 8, 16) */
  note: number;
  loop: LoopRegion | null;
  loopOn: boolean;
  zoom: TimelineZoom;
  /** throttled position for the slider's ARIA values */
  positionMs: number;
  /** exact position, read every animation frame while playing */
  getPosition: () => number;
  playing: boolean;
  /** the view is "as heard": draw where other players' hits were struck as ghosts */
  heardView: boolean;
  summary: string;
  onSeek: (ms: number) => void;
  onLoopSelect: (region: LoopRegion) => void;
}

const GUTTER = 86;
const RULER = 16;

function laneHeightFor(width: number): number {
  return width < 520 ? 18 : 24;
}

interface Win {
  startMs: number;
  lenMs: number;
}

function windowFor(zoom: TimelineZoom, posMs: number, durationMs: number, grid: ReplayGrid): Win {
  if (zoom === "whole") return { startMs: 0, lenMs: Math.max(1, durationMs) };
  // page-wise, on bar lines, so the grid stands still while the playhead moves
  const page = Math.floor(barAt(grid, posMs) / zoom);
  const startMs = barStartMs(grid, page * zoom);
  const lenMs = barStartMs(grid, (page + 1) * zoom) - startMs;
  if (lenMs >= durationMs) return { startMs: 0, lenMs: Math.max(1, durationMs) };
  return { startMs, lenMs };
}

function draw(canvas: HTMLCanvasElement, cssW: number, cssH: number, p: Props, win: Win): void {
  const dpr = window.devicePixelRatio || 1;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const laneH = laneHeightFor(cssW);
  const plotW = Math.max(1, cssW - GUTTER);
  const pxPerMs = plotW / win.lenMs;
  const xOf = (ms: number) => GUTTER + (ms - win.startMs) * pxPerMs;
  const endMs = win.startMs + win.lenMs;

  ctx.fillStyle = "#1d2331";
  ctx.fillRect(0, 0, cssW, cssH);
  // lanes
  for (let i = 0; i < KIT.length; i++) {
    if (i % 2 === 1) {
      ctx.fillStyle = "rgba(255,255,255,0.025)";
      ctx.fillRect(GUTTER, RULER + i * laneH, plotW, laneH);
    }
  }
  // outside the recording
  ctx.fillStyle = "rgba(0,0,0,0.35)";
  if (win.startMs < 0) ctx.fillRect(GUTTER, RULER, Math.min(plotW, -win.startMs * pxPerMs), cssH - RULER);
  if (endMs > p.durationMs) {
    const x = Math.max(GUTTER, xOf(p.durationMs));
    ctx.fillRect(x, RULER, cssW - x, cssH - RULER);
  }
  // loop region
  if (p.loop) {
    const x0 = Math.max(GUTTER, xOf(p.loop.startMs));
    const x1 = Math.min(cssW, xOf(p.loop.endMs));
    if (x1 > x0) {
      ctx.fillStyle = p.loopOn ? "rgba(34,211,238,0.14)" : "rgba(34,211,238,0.06)";
      ctx.fillRect(x0, RULER, x1 - x0, cssH - RULER);
      ctx.fillStyle = p.loopOn ? "#22d3ee" : "rgba(34,211,238,0.5)";
      ctx.fillRect(x0, 0, x1 - x0, 3);
    }
  }
  // grid: draw a level only when its lines are far enough apart to read (sizes of the densest grid in view)
  let beatMs = Infinity;
  let barLen = Infinity;
  let beatUnit = 4;
  for (const s of p.grid.segments) {
    if (s.fromMs >= endMs) break;
    if (s.beatMs < beatMs) ({ beatMs, beatUnit } = s);
    barLen = Math.min(barLen, s.beatMs * s.beatsPerBar);
  }
  const barPx = barLen * pxPerMs;
  const beatPx = beatMs * pxPerMs;
  const subPx = ((beatMs * beatUnit) / Math.max(p.note, beatUnit)) * pxPerMs; // (beats are always drawn)
  const level = beatPx < 4 ? "bar" : subPx >= 6 ? p.note : "beat";
  if (beatPx >= 4 || barPx >= 3) {
    const barEvery = barPx >= 3 ? 1 : Math.ceil(3 / barPx);
    const lines = gridLinesIn(p.grid, level, win.startMs, endMs);
    const barLabelEvery = Math.max(1, Math.ceil(36 / barPx));
    ctx.font = "10px system-ui, sans-serif";
    ctx.textBaseline = "top";
    for (const l of lines) {
      const kind = l.kind;
      const barIndex = l.bar;
      if (kind === 2 && barIndex % barEvery !== 0) continue;
      const x = Math.round(xOf(l.atMs)) + 0.5;
      ctx.fillStyle = kind === 2 ? "rgba(255,255,255,0.32)" : kind === 1 ? "rgba(255,255,255,0.13)" : "rgba(255,255,255,0.055)";
      ctx.fillRect(x - 0.5, RULER, kind === 2 ? 1.5 : 1, cssH - RULER);
      if (kind === 2 && barIndex % barLabelEvery === 0 && barIndex >= 0) {
        ctx.fillStyle = "#9aa3b5";
        ctx.fillText(String(barIndex + 1), x + 3, 3);
      }
    }
  }
  // hits
  const ev = p.events;
  const nPlayers = Math.max(1, p.players.length);
  const rowH = (laneH - 4) / nPlayers;
  const hitW = Math.min(8, Math.max(2, 40 * pxPerMs));
  const i0 = lowerBound(ev.atMs, win.startMs - 40);
  const i1 = lowerBound(ev.atMs, endMs);
  const dense = i1 - i0 > plotW * 2;
  const seen = dense ? new Uint8Array(Math.ceil(plotW + 2) * KIT.length * nPlayers) : null;
  const ghosts = p.heardView && !dense;
  let lastStyle = "";
  let lastAlpha = -1;
  for (let k = i0; k < i1; k++) {
    const at = ev.atMs[k]!;
    const lane = ev.lane[k]!;
    const player = ev.player[k]!;
    const x = xOf(at);
    if (seen) {
      const key = (Math.floor(x - GUTTER + 1) * KIT.length + lane) * nPlayers + player;
      if (seen[key]) continue;
      seen[key] = 1;
    }
    const status = ev.status[k]!;
    const on = p.enabled[player] !== false;
    const color = p.players[player]?.color ?? "#cbd5e1";
    const y = RULER + lane * laneH + 2 + player * rowH;
    const h = Math.max(2, rowH - 1);
    let alpha = status === STATUS.unheard ? 0.12 : 0.45 + 0.55 * ev.velocity[k]!;
    if (!on) alpha = Math.min(alpha, 0.15);
    if (alpha !== lastAlpha) ctx.globalAlpha = lastAlpha = alpha;
    if (status === STATUS.skipped) {
      ctx.strokeStyle = color;
      ctx.lineWidth = 1;
      ctx.strokeRect(x - hitW / 2 + 0.5, y + 0.5, hitW - 1, h - 1);
      continue;
    }
    if (color !== lastStyle) ctx.fillStyle = lastStyle = color;
    ctx.fillRect(x - hitW / 2, y, hitW, h);
    if (status === STATUS.late) {
      ctx.fillStyle = lastStyle = "#fbbf24";
      ctx.fillRect(x - hitW / 2, y + h - 2, hitW, 2);
    }
    if (ghosts && status !== STATUS.unheard && Math.abs(ev.strikeMs[k]! - at) > 0.5) {
      const gx = xOf(ev.strikeMs[k]!);
      ctx.globalAlpha = lastAlpha = 0.5;
      ctx.strokeStyle = color;
      ctx.lineWidth = 1;
      ctx.strokeRect(gx - hitW / 2 + 0.5, y + 0.5, hitW - 1, h - 1);
      ctx.beginPath();
      ctx.moveTo(gx, y + h / 2);
      ctx.lineTo(x - hitW / 2, y + h / 2);
      ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
  // lane labels (over everything, in the gutter)
  ctx.fillStyle = "#151924";
  ctx.fillRect(0, 0, GUTTER, cssH);
  ctx.font = `${laneH < 20 ? 10 : 11}px system-ui, sans-serif`;
  ctx.textBaseline = "middle";
  ctx.fillStyle = "#9aa3b5";
  KIT.forEach((pad, i) => ctx.fillText(pad.name, 6, RULER + i * laneH + laneH / 2, GUTTER - 10));
}

function TimelineImpl(p: Props) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const headRef = useRef<HTMLDivElement>(null);
  const [cssW, setCssW] = useState(0);
  const laneH = laneHeightFor(cssW || 800);
  const cssH = RULER + KIT.length * laneH;
  const propsRef = useRef(p);
  propsRef.current = p;
  const drawnKey = useRef<string>("");
  const [selection, setSelection] = useState<LoopRegion | null>(null);
  const drag = useRef<{ mode: "seek" | "loop"; fromMs: number; win: Win } | null>(null);

  useEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setCssW(Math.floor(el.clientWidth)));
    ro.observe(el);
    setCssW(Math.floor(el.clientWidth));
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const c = canvasRef.current;
    if (!c || !cssW) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(cssW * dpr);
    c.height = Math.round(cssH * dpr);
    drawnKey.current = "";
  }, [cssW, cssH]);

  /** draws the base layer when the window or content changed, and places the playhead */
  const frame = useCallback(() => {
    const c = canvasRef.current;
    const q = propsRef.current;
    if (!c || !cssW) return;
    const pos = q.getPosition();
    const win = drag.current?.win ?? windowFor(q.zoom, pos, q.durationMs, q.grid);
    const key = `${win.startMs}|${win.lenMs}|${c.width}|${c.height}`;
    if (key !== drawnKey.current) {
      draw(c, cssW, cssH, q, win);
      drawnKey.current = key;
    }
    const head = headRef.current;
    if (head) {
      const x = GUTTER + ((pos - win.startMs) / win.lenMs) * (cssW - GUTTER);
      head.style.transform = `translateX(${Math.round(x * 10) / 10}px)`;
    }
  }, [cssW, cssH]);

  // content changes: redraw at once
  useEffect(() => {
    drawnKey.current = "";
    frame();
  }, [p.events, p.enabled, p.grid, p.note, p.loop, p.loopOn, p.zoom, p.durationMs, p.players, p.heardView, frame]);
  // position changes (seeking while paused; the throttled position while playing): move the playhead
  useEffect(() => frame(), [p.positionMs, frame]);

  useEffect(() => {
    if (!p.playing) return;
    let raf = 0;
    const loop = () => {
      frame();
      raf = requestAnimationFrame(loop);
    };
    raf = requestAnimationFrame(loop);
    return () => cancelAnimationFrame(raf);
  }, [p.playing, frame]);

  const msAt = (clientX: number, win: Win): number => {
    const rect = wrapRef.current!.getBoundingClientRect();
    const x = clientX - rect.left;
    const ms = win.startMs + ((x - GUTTER) / Math.max(1, rect.width - GUTTER)) * win.lenMs;
    return Math.min(p.durationMs, Math.max(0, ms));
  };

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    const win = windowFor(p.zoom, p.getPosition(), p.durationMs, p.grid);
    const ms = msAt(e.clientX, win);
    e.currentTarget.setPointerCapture(e.pointerId);
    e.currentTarget.focus();
    if (e.shiftKey) {
      drag.current = { mode: "loop", fromMs: ms, win };
      setSelection({ startMs: ms, endMs: ms });
    } else {
      drag.current = { mode: "seek", fromMs: ms, win };
      p.onSeek(ms);
    }
    e.preventDefault();
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d) return;
    const ms = msAt(e.clientX, d.win);
    if (d.mode === "loop") setSelection({ startMs: Math.min(d.fromMs, ms), endMs: Math.max(d.fromMs, ms) });
    else p.onSeek(ms);
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    drag.current = null;
    if (!d) return;
    if (d.mode === "loop") {
      const region = normalizeLoop(d.fromMs, msAt(e.clientX, d.win), p.durationMs);
      setSelection(null);
      if (region) p.onLoopSelect(region);
    }
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const pos = p.getPosition();
    const to = keySeek(pos, e.key, { shift: e.shiftKey, beatMs: segmentAt(p.grid, pos).beatMs, durationMs: p.durationMs });
    if (to === null) return;
    e.preventDefault();
    p.onSeek(to);
  };

  const selWin = drag.current?.win ?? windowFor(p.zoom, p.positionMs, p.durationMs, p.grid);
  const selStyle = selection && cssW
    ? {
        left: GUTTER + ((selection.startMs - selWin.startMs) / selWin.lenMs) * (cssW - GUTTER),
        width: ((selection.endMs - selection.startMs) / selWin.lenMs) * (cssW - GUTTER),
      }
    : null;

  return (
    <div className="tl" ref={wrapRef} style={{ height: cssH }}>
      <canvas ref={canvasRef} className="tl-canvas" role="img" aria-label={p.summary} style={{ width: "100%", height: cssH }} />
      {selStyle && <div className="tl-selection" style={selStyle} aria-hidden="true" />}
      <div ref={headRef} className="tl-playhead" aria-hidden="true" />
      <div
        className="tl-slider"
        role="slider"
        tabIndex={0}
        aria-label="Playback position"
        aria-valuemin={0}
        aria-valuemax={Math.round(p.durationMs / 100) / 10}
        aria-valuenow={Math.round(p.positionMs / 100) / 10}
        aria-valuetext={`${formatClock(p.positionMs, true)} of ${formatClock(p.durationMs, true)}`}
        aria-keyshortcuts="ArrowLeft ArrowRight Shift+ArrowLeft Shift+ArrowRight PageUp PageDown Home End"
        style={{ left: GUTTER }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => {
          drag.current = null;
          setSelection(null);
        }}
        onKeyDown={onKeyDown}
      />
    </div>
  );
}

export const Timeline = memo(TimelineImpl);
