/** Who this browser tab is: a name kept across visits, an id per room kept across reloads of the tab. */
import { DEFAULT_LATE_TARGET, isLateTargetId, type LateTargetId } from "../../core/playout";

const NAME_KEY = "backbeat:name";
const PID_KEY = "backbeat:participantId";

export function loadName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? "";
  } catch {
    return "";
  }
}

export function saveName(name: string): void {
  try {
    localStorage.setItem(NAME_KEY, name.trim());
  } catch {
    /* private mode: the name is simply not remembered */
  }
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Per tab and room (sessionStorage): a reload keeps the seat, a second tab is a second player.
 * Per room because the server keeps one name and colour per participant id (its Participant row,
 * which a recording's players are read from): one id in two rooms took the second room's colour
 * into the first room's recordings, so two partners who met again in a room of the other's swapped
 * colours in their old replays (issue 14, defect 8).
 */
export function participantId(roomCode: string): string {
  const key = `${PID_KEY}:${roomCode}`;
  try {
    const existing = sessionStorage.getItem(key);
    if (existing) return existing;
    // A tab open from before ids were per room keeps its id in the first room it asks for: its seat
    // (name, colour) survives the update.
    const legacy = sessionStorage.getItem(PID_KEY);
    if (legacy) sessionStorage.removeItem(PID_KEY);
    const id = legacy ?? randomId();
    sessionStorage.setItem(key, id);
    return id;
  } catch {
    return randomId();
  }
}

const hostKey = (code: string) => `backbeat:host:${code}`;

/** The host token of a room this browser created (localStorage: survives restarts). */
export function loadHostToken(code: string): string | undefined {
  try {
    return localStorage.getItem(hostKey(code)) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveHostToken(code: string, token: string): void {
  try {
    localStorage.setItem(hostKey(code), token);
  } catch {
    /* private mode: this tab stays host until it is closed */
  }
}

const hostPasscodeKey = (code: string) => `backbeat:host-passcode:${code}`;

/**
 * The passcode the host set for their private room, kept next to the host token
 * (this browser only) so the host can tell it to partners; the server has only its hash.
 */
export function loadHostPasscode(code: string): string | undefined {
  try {
    return localStorage.getItem(hostPasscodeKey(code)) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveHostPasscode(code: string, passcode: string): void {
  try {
    localStorage.setItem(hostPasscodeKey(code), passcode);
  } catch {
    /* private mode: not shown again after this tab closes */
  }
}

const passcodeKey = (code: string) => `backbeat:passcode:${code}`;

/** A private room's passcode as a guest typed it: per tab (sessionStorage), so a reload rejoins. */
export function loadRoomPasscode(code: string): string | undefined {
  try {
    return sessionStorage.getItem(passcodeKey(code)) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveRoomPasscode(code: string, passcode: string | null): void {
  try {
    if (passcode === null) sessionStorage.removeItem(passcodeKey(code));
    else sessionStorage.setItem(passcodeKey(code), passcode);
  } catch {
    /* not remembered: asked again after a reload */
  }
}

const INPUT_OFFSET_KEY = "backbeat:inputOffsetMs";
const FAIR_KEY = "backbeat:fairMonitoring";

/** Per-device input latency from the Calibrate flow (0 when never calibrated). */
export function loadInputOffsetMs(): number {
  try {
    const v = Number(localStorage.getItem(INPUT_OFFSET_KEY));
    return Number.isFinite(v) ? v : 0;
  } catch {
    return 0;
  }
}

export function saveInputOffsetMs(ms: number | null): void {
  try {
    if (ms === null) localStorage.removeItem(INPUT_OFFSET_KEY);
    else localStorage.setItem(INPUT_OFFSET_KEY, String(ms));
  } catch {
    /* not remembered */
  }
}

export function loadFairMonitoring(): boolean {
  try {
    return localStorage.getItem(FAIR_KEY) === "1";
  } catch {
    return false;
  }
}

export function saveFairMonitoring(on: boolean): void {
  try {
    localStorage.setItem(FAIR_KEY, on ? "1" : "0");
  } catch {
    /* not remembered */
  }
}

const LATE_TARGET_KEY = "backbeat:lateTarget";

/** Quick ↔ safe for partners' hits, per device (default: normal). */
export function loadLateTarget(): LateTargetId {
  try {
    const v = localStorage.getItem(LATE_TARGET_KEY);
    return isLateTargetId(v) ? v : DEFAULT_LATE_TARGET;
  } catch {
    return DEFAULT_LATE_TARGET;
  }
}

export function saveLateTarget(id: LateTargetId): void {
  try {
    localStorage.setItem(LATE_TARGET_KEY, id);
  } catch {
    /* not remembered */
  }
}

const LATENCY_HINT_KEY = "backbeat:latencyHint";

/**
 * Diagnostics switch (docs/diagnostics.md): the AudioContext's latencyHint, to try
 * the app with a longer output path as a phone or Bluetooth headset would have.
 * "interactive" unless `backbeat:latencyHint` holds a category or seconds (0.001–1).
 */
export function loadLatencyHint(): AudioContextLatencyCategory | number {
  try {
    const v = localStorage.getItem(LATENCY_HINT_KEY);
    if (v === "interactive" || v === "balanced" || v === "playback") return v;
    const s = Number(v);
    if (v !== null && v !== "" && Number.isFinite(s) && s >= 0.001 && s <= 1) return s;
  } catch {
    /* default */
  }
  return "interactive";
}

const ownerKey = (id: string) => `backbeat:rec-owner:${id}`;

/** The owner token of a recording this browser started (needed to rename or delete it). */
export function loadOwnerToken(recordingId: string): string | null {
  try {
    return localStorage.getItem(ownerKey(recordingId));
  } catch {
    return null;
  }
}

export function saveOwnerToken(recordingId: string, token: string | null): void {
  try {
    if (token === null) localStorage.removeItem(ownerKey(recordingId));
    else localStorage.setItem(ownerKey(recordingId), token);
  } catch {
    /* not remembered */
  }
}

const SEAT_KEY = "backbeat:seatKey";

/** Per tab, like the participant id: proves to the server that this tab holds the seat. */
export function seatKey(): string {
  try {
    const existing = sessionStorage.getItem(SEAT_KEY);
    if (existing) return existing;
    const key = randomId() + randomId();
    sessionStorage.setItem(SEAT_KEY, key);
    return key;
  } catch {
    return randomId() + randomId();
  }
}
