"use client";
/**
 * The room page's one way to the connection: the audio engine and the session (the DOM-free
 * JamConnection plus the sound side, app/lib/session.ts) for this room, name and role — started
 * ahead of the room by RoomClient when it could (./jam-start.ts: the first render already has
 * them), else here — and a re-render on each snapshot.
 */
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import type { AudioEngine, KitId } from "../../lib/audio/engine";
import type { JamConnection } from "../../lib/connection/jam-connection";
import type { JamSession, SessionSnapshot } from "../../lib/session";
import { adoptEarlyJam, peekEarlyJam, startJam, stopJam, type JamParts, type Role } from "./jam-start";

export { loadKit, saveKit, type Role } from "./jam-start";

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
  // A render only looks at parts started early; the effect adopts them (or starts its own) and stops them.
  const [parts, setParts] = useState<JamParts | null>(() => peekEarlyJam(code, name, role));
  const [audioState, setAudioState] = useState<AudioContextState>(() => parts?.engine.context.state ?? "suspended");

  useEffect(() => {
    const p = adoptEarlyJam(code, name, role) ?? startJam(code, name, role);
    setParts(p); // the same parts as the first render's: no re-render
    const ctx = p.engine.context;
    setAudioState(ctx.state);
    ctx.onstatechange = () => setAudioState(ctx.state);
    return () => {
      ctx.onstatechange = null;
      stopJam(p);
    };
  }, [code, name, role]);

  const session = parts?.session ?? null;
  const subscribe = useCallback((cb: () => void) => (session ? session.subscribe(cb) : () => undefined), [session]);
  const snap = useSyncExternalStore(subscribe, () => session?.current ?? null, () => null);
  return { session, conn: session?.connection ?? null, engine: parts?.engine ?? null, snap, audioState, initialKit: parts?.kit ?? "acoustic" };
}
