"use client";
import { useEffect, useRef, useState } from "react";
import { computeCalibration, type CalibrationResult } from "../../core/calibration";
import type { AudioEngine } from "../lib/audio/engine";
import { audioTimeToPerf } from "../lib/audio-clock";
import { loadInputOffsetMs, saveInputOffsetMs } from "../lib/identity";

const CLICKS = 16;
const INTERVAL_MS = 500; // 120 BPM

/**
 * Tap along to 16 clicks; the median (tap − click) becomes this device's input
 * offset, applied to your own strike times. Accepted only when taps are consistent.
 */
export function Calibration({ engine, onChange }: { engine: AudioEngine | null; onChange: (offsetMs: number) => void }) {
  const [open, setOpen] = useState(false);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<CalibrationResult | null>(null);
  const [current, setCurrent] = useState(0);
  const taps = useRef<number[]>([]);
  const clicks = useRef<number[]>([]);
  useEffect(() => setCurrent(loadInputOffsetMs()), []);

  useEffect(() => {
    if (!running) return;
    const onTap = (e: Event) => {
      if (e instanceof KeyboardEvent && (e.repeat || e.key === "Escape" || e.key === "Tab")) return;
      e.preventDefault();
      e.stopPropagation();
      taps.current.push(e.timeStamp);
    };
    // Capture phase: the taps must not also strike pads.
    window.addEventListener("keydown", onTap, true);
    window.addEventListener("pointerdown", onTap, true);
    return () => {
      window.removeEventListener("keydown", onTap, true);
      window.removeEventListener("pointerdown", onTap, true);
    };
  }, [running]);

  async function start() {
    if (!engine) return;
    await engine.resume();
    taps.current = [];
    clicks.current = [];
    setResult(null);
    setRunning(true);
    const ctx = engine.context;
    const t0 = ctx.currentTime + 0.8;
    for (let i = 0; i < CLICKS; i++) {
      const at = t0 + (i * INTERVAL_MS) / 1000;
      engine.playClick(at, i % 4 === 0);
      clicks.current.push(audioTimeToPerf(ctx, at)); // when it leaves the speaker, on the performance.now() clock
    }
    // For automated tests and debugging: when each click sounds (performance.now() clock).
    (window as { __backbeatCalibration?: { clicksPerfMs: number[] } }).__backbeatCalibration = { clicksPerfMs: clicks.current.slice() };
    window.setTimeout(() => {
      setRunning(false);
      const r = computeCalibration(clicks.current, taps.current);
      setResult(r);
      if (r.accepted && r.offsetMs !== null) {
        saveInputOffsetMs(r.offsetMs);
        setCurrent(r.offsetMs);
        onChange(r.offsetMs);
      }
    }, 800 + CLICKS * INTERVAL_MS + 300);
  }

  function reset() {
    saveInputOffsetMs(null);
    setCurrent(0);
    setResult(null);
    onChange(0);
  }

  return (
    <div className="stack">
      <div className="row">
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          Calibrate
        </button>
        <span className="muted">Input offset: {current.toFixed(1)} ms</span>
      </div>
      {open && (
        <div className="panel-inner stack" role="group" aria-label="Calibration">
          <p className="muted">
            Press <strong>Start calibration</strong>, then tap any key (or click) exactly on each of the {CLICKS} clicks. The median offset is
            used for your own hits on this device.
          </p>
          <div className="row">
            <button type="button" className="primary" disabled={running || !engine} onClick={() => void start()}>
              {running ? "Listening… tap along" : "Start calibration"}
            </button>
            <button type="button" disabled={running} onClick={reset}>
              Reset calibration
            </button>
          </div>
          <p role="status" aria-live="polite" className={result && !result.accepted ? "error" : "muted"}>
            {result ? (result.accepted ? `Saved. ${result.reason}` : `Not saved. ${result.reason}`) : ""}
          </p>
        </div>
      )}
    </div>
  );
}
