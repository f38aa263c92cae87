"use client";
/**
 * The room page's one way to the connection: makes the audio engine and the session (the
 * DOM-free JamConnection plus the sound side, app/lib/session.ts) for this room, name and role,
 * exposes `window.__backbeat` (docs/diagnostics.md), and re-renders on each snapshot.
 */
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import type { AudioEngine } from "../../lib/audio/engine";
import { KIT_IDS, type KitId } from "../../lib/audio/kit-ids";
import type { JamConnection } from "../../lib/connection/jam-connection";
import {
  loadFairMonitoring,
  loadHostToken,
  loadInputOffsetMs,
  loadLatencyHint,
  loadLateTarget,
  loadRoomPasscode,
  participantId,
  seatKey,
} from "../../lib/identity";
import { JamSession, type SessionSnapshot } from "../../lib/session";

export type Role = "player" | "spectator";

const KIT_KEY = "backbeat:kit";

export function loadKit(): KitId {
  try {
    const k = localStorage.getItem(KIT_KEY);
    if (k && (KIT_IDS as readonly string[]).includes(k)) return k as KitId;
  } catch {
    /* default kit */
  }
  return "acoustic";
}
export function saveKit(k: KitId): void {
  try {
    localStorage.setItem(KIT_KEY, k);
  } catch {
    /* not remembered */
  }
}

export interface JamHandle {
  session: JamSession | null;
  conn: JamConnection | null;
  engine: AudioEngine | null;
  snap: SessionSnapshot | null;
  audioState: AudioContextState;
  /** the kit the engine started with */
  initialKit: KitId;
}

export function useJamConnection(code: string, name: string, role: Role): JamHandle {
  const [session, setSession] = useState<JamSession | null>(null);
  const [engine, setEngine] = useState<AudioEngine | null>(null);
  const [audioState, setAudioState] = useState<AudioContextState>("suspended");
  const [initialKit, setInitialKit] = useState<KitId>("acoustic");

  useEffect(() => {
    let s: JamSession | null = null;
    let e: AudioEngine | null = null;
    let cancelled = false;
    // The engine is loaded on demand: the page shows (and the name form works) before its code arrives.
    void import("../../lib/audio/engine").then(({ createAudioEngine }) => {
      if (cancelled) return;
      const kit = loadKit();
      e = createAudioEngine(undefined, { kit, latencyHint: loadLatencyHint() });
      setInitialKit(kit);
      s = new JamSession({
        roomCode: code,
        participantId: participantId(code),
        name,
        engine: e,
        hostToken: loadHostToken(code),
        inputOffsetMs: loadInputOffsetMs(),
        fairMonitoring: loadFairMonitoring(),
        role,
        seatKey: seatKey(),
        passcode: loadRoomPasscode(code),
        lateTarget: loadLateTarget(),
      });
      const sess = s;
      Object.defineProperty(window, "__backbeat", { configurable: true, get: () => sess.diagnostics() });
      const ctx = e.context;
      setAudioState(ctx.state);
      ctx.onstatechange = () => setAudioState(ctx.state);
      void e.resume().catch(() => undefined);
      setEngine(e);
      setSession(s);
    });
    return () => {
      cancelled = true;
      s?.close();
      e?.dispose();
      delete (window as { __backbeat?: unknown }).__backbeat;
    };
  }, [code, name, role]);

  const subscribe = useCallback((cb: () => void) => (session ? session.subscribe(cb) : () => undefined), [session]);
  const snap = useSyncExternalStore(subscribe, () => session?.current ?? null, () => null);
  return { session, conn: session?.connection ?? null, engine, snap, audioState, initialKit };
}
