/**
 * The audio engine and the session of one room visit, made as soon as the page knows who you are
 * — before the room renders, not in its effect (issue 14, "Fast on a phone"; bench/phone-open.ts).
 *
 * RoomClient starts them the moment it has a name (remembered: its first effect after hydration;
 * typed: the Join click, a user gesture, so a phone's AudioContext may start running at once) and
 * the room renders its first frame with a session: a pad press is heard and sent from the first
 * frame the pads are live. The engine is imported statically (≈ 4 kB gzipped, bench:bundle): a
 * dynamic import cost one more round trip after hydration (150 ms on the phone profile).
 */
import { createAudioEngine, type AudioEngine, type KitId } from "../../lib/audio/engine";
import { KIT_IDS } from "../../lib/audio/kit-ids";
import {
  loadFairMonitoring,
  loadHostToken,
  loadInputOffsetMs,
  loadLatencyHint,
  loadLateTarget,
  loadName,
  loadRoomPasscode,
  participantId,
  seatKey,
} from "../../lib/identity";
import { JamSession } from "../../lib/session";

export type Role = "player" | "spectator";

export interface JamParts {
  /** code, name and role the parts were made for */
  key: string;
  session: JamSession;
  engine: AudioEngine;
  /** the kit the engine started with */
  kit: KitId;
}

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

/** the session `window.__backbeat` reads */
let exposed: JamSession | null = null;

const jamKey = (code: string, name: string, role: Role) => JSON.stringify([code, name, role]);

/** Makes the engine and the session (which connects at once) and exposes `window.__backbeat` (docs/diagnostics.md). */
export function startJam(code: string, name: string, role: Role): JamParts {
  const kit = loadKit();
  const engine = createAudioEngine(undefined, { kit, latencyHint: loadLatencyHint() });
  const session = new JamSession({
    roomCode: code,
    participantId: participantId(code),
    name,
    engine,
    hostToken: loadHostToken(code),
    inputOffsetMs: loadInputOffsetMs(),
    fairMonitoring: loadFairMonitoring(),
    role,
    seatKey: seatKey(),
    passcode: loadRoomPasscode(code),
    lateTarget: loadLateTarget(),
  });
  // Defined with the session, not after the room's effects: a press on the first live frame shows in it.
  Object.defineProperty(window, "__backbeat", { configurable: true, get: () => session.diagnostics() });
  exposed = session;
  void engine.resume().catch(() => undefined);
  return { key: jamKey(code, name, role), session, engine, kit };
}

/** Closes the session and the engine; `window.__backbeat` goes if it was theirs. */
export function stopJam(parts: JamParts): void {
  parts.session.close();
  parts.engine.dispose();
  if (exposed !== parts.session) return;
  exposed = null;
  delete (window as { __backbeat?: unknown }).__backbeat;
}

/** started by RoomClient, not yet adopted by the room's hook (at most one: one room per page) */
let early: { parts: JamParts } | null = null;

/**
 * Before hydration (RoomClient's module, on a room link opened with a remembered name): the session
 * starts while React hydrates, so its socket's round trips (connect, first clock sync) overlap
 * hydration's CPU instead of following it. RoomClient's own start for the same visit then does nothing.
 */
export function startJamForLink(): void {
  const m = /^\/room\/([^/]+)\/?$/.exec(window.location.pathname);
  const name = m ? loadName() : "";
  if (m && name) startJamEarly(decodeURIComponent(m[1]!), name, "player");
}

/** Starts the parts for this visit ahead of the room (a second call for the same visit does nothing). */
export function startJamEarly(code: string, name: string, role: Role): void {
  const key = jamKey(code, name, role);
  if (early?.parts.key === key) return;
  discardEarlyJam();
  early = { parts: startJam(code, name, role) };
}

/** The early parts for this visit, still owned by this module (a render may look; only an effect adopts). */
export function peekEarlyJam(code: string, name: string, role: Role): JamParts | null {
  return early?.parts.key === jamKey(code, name, role) ? early.parts : null;
}

/** Takes ownership of the early parts for this visit: the caller stops them. */
export function adoptEarlyJam(code: string, name: string, role: Role): JamParts | null {
  const parts = peekEarlyJam(code, name, role);
  if (parts) early = null;
  return parts;
}

/** Stops early parts nobody adopted (the page left the room before it rendered). */
export function discardEarlyJam(): void {
  const e = early;
  early = null;
  if (e) stopJam(e.parts);
}
