"use client";
import { useCallback, useEffect, useRef, useState, useSyncExternalStore, type FormEvent } from "react";
import { KIT, type PadId } from "../../../core/kit";
import { keyLabel, padForKeyIn, type KeyMap } from "../../../core/keymap";
import { TapTempo } from "../../../core/tap-tempo";
import { LIMITS, type RoomView } from "../../../core/protocol";
import { KIT_IDS, KIT_NAMES, type AudioEngine, type KitId } from "../../lib/audio/engine";
import {
  loadFairMonitoring,
  loadLatencyHint,
  loadLateTarget,
  loadHostPasscode,
  loadHostToken,
  loadInputOffsetMs,
  loadName,
  loadOwnerToken,
  loadRoomPasscode,
  participantId,
  saveFairMonitoring,
  saveName,
  saveOwnerToken,
  saveRoomPasscode,
  seatKey,
} from "../../lib/identity";
import { JamSession, type SessionSnapshot } from "../../lib/session";
import { BeatDots } from "../../components/BeatDots";
import { Calibration } from "../../components/Calibration";
import { LatencyPanel } from "../../components/LatencyPanel";
import { InputSettings } from "../../components/InputSettings";
import { BattlePanel } from "../../components/BattlePanel";
import { Reactions } from "../../components/Reactions";
import { SharePanel } from "../../components/SharePanel";
import { GROOVE_IDS, GROOVE_NAMES, type GrooveId } from "../../../core/grooves";
import { METERS, meterLabel } from "../../../core/metronome";
import { loadKeyMap, saveKeyMap } from "../../lib/keymap";
import { MidiInput } from "../../lib/midi-input";

type Role = "player" | "spectator";
type Phase =
  | { kind: "checking" }
  | { kind: "not-found" }
  | { kind: "failed"; message: string }
  | { kind: "need-name" }
  | { kind: "in-room"; name: string; role: Role }
  | { kind: "left" };

export default function RoomClient({ code }: { code: string }) {
  const [phase, setPhase] = useState<Phase>({ kind: "checking" });

  useEffect(() => {
    let cancelled = false;
    fetch(`/api/rooms/${encodeURIComponent(code)}`)
      .then(async (res) => {
        if (cancelled) return;
        if (res.status === 404) return setPhase({ kind: "not-found" });
        // per-address limits (server/address-limits.ts): the server says how long to wait
        if (res.status === 429) {
          const body = (await res.json().catch(() => null)) as { message?: string } | null;
          return setPhase({ kind: "failed", message: body?.message ?? "Too many requests from your network: try again later." });
        }
        if (!res.ok) return setPhase({ kind: "failed", message: `Server answered ${res.status}` });
        const name = loadName();
        setPhase(name ? { kind: "in-room", name, role: "player" } : { kind: "need-name" });
      })
      .catch((err: unknown) => !cancelled && setPhase({ kind: "failed", message: String(err) }));
    return () => {
      cancelled = true;
    };
  }, [code]);

  if (phase.kind === "checking") return <p className="muted">Looking for room {code}…</p>;
  if (phase.kind === "failed")
    return (
      <div className="panel stack">
        <h1>Can’t reach the room</h1>
        <p role="alert" className="error">{phase.message}</p>
        <p><a href={`/room/${encodeURIComponent(code)}`}>Try again</a></p>
      </div>
    );
  if (phase.kind === "not-found")
    return (
      <div className="panel stack">
        <h1>Room not found</h1>
        <p>There is no room called “{code}”. Check the link, or start a new jam.</p>
        <p><a className="button primary" href="/">Create a room</a></p>
      </div>
    );
  if (phase.kind === "need-name") return <NameForm code={code} onDone={(name, role) => setPhase({ kind: "in-room", name, role })} />;
  if (phase.kind === "left")
    return (
      <div className="panel stack">
        <h1>You left room {code}</h1>
        <p className="row">
          <button type="button" className="primary" onClick={() => setPhase({ kind: "need-name" })}>
            Rejoin
          </button>
          <a className="button" href="/">
            Back to start
          </a>
        </p>
      </div>
    );
  return <Room code={code} name={phase.name} role={phase.role} onLeft={() => setPhase({ kind: "left" })} />;
}

function NameForm({ code, onDone }: { code: string; onDone: (name: string, role: Role) => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("player");
  const [error, setError] = useState<string | null>(null);
  function submit(e: FormEvent) {
    e.preventDefault();
    const n = name.trim();
    if (!n) return setError("Type a name so your partner knows who is playing.");
    if (n.length > LIMITS.nameMaxChars) return setError(`At most ${LIMITS.nameMaxChars} characters.`);
    saveName(n);
    onDone(n, role);
  }
  return (
    <form className="panel stack" onSubmit={submit}>
      <h1>Join room {code}</h1>
      <label htmlFor="join-name">Your name</label>
      <input id="join-name" type="text" autoComplete="nickname" autoFocus maxLength={LIMITS.nameMaxChars} value={name} onChange={(e) => setName(e.target.value)} />
      <fieldset className="role-choice">
        <legend className="muted">Join as</legend>
        <label>
          <input type="radio" name="role" value="player" checked={role === "player"} onChange={() => setRole("player")} /> Player
        </label>
        <label>
          <input type="radio" name="role" value="spectator" checked={role === "spectator"} onChange={() => setRole("spectator")} /> Spectator (listen and react)
        </label>
      </fieldset>
      <div className="row">
        <button type="submit" className="primary">Join room</button>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}

/** A private room's passcode, asked when the join was refused for the lack of it (or a wrong one). */
function PasscodeForm({ code, error, checking, onSubmit }: { code: string; error: string | null; checking: boolean; onSubmit: (passcode: string) => void }) {
  const [value, setValue] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  function submit(e: FormEvent) {
    e.preventDefault();
    const passcode = value.trim();
    if (!passcode) return setLocalError("Type the passcode the host gave you.");
    setLocalError(null);
    onSubmit(passcode);
  }
  const shown = localError ?? (checking ? null : error);
  return (
    <form className="panel stack" onSubmit={submit} aria-labelledby="passcode-heading">
      <h1 id="passcode-heading">Room {code} is private</h1>
      <p>Ask the host for the passcode: the link alone does not let you in.</p>
      <label htmlFor="room-passcode">Passcode</label>
      <input
        id="room-passcode"
        type="text"
        autoComplete="off"
        spellCheck={false}
        autoFocus
        maxLength={LIMITS.passcodeMaxChars}
        value={value}
        aria-invalid={shown ? true : undefined}
        aria-describedby={shown ? "passcode-error" : undefined}
        onChange={(e) => setValue(e.target.value)}
      />
      <div className="row">
        <button type="submit" className="primary">
          Enter room
        </button>
        <a className="button" href="/">
          Back to start
        </a>
        <span className="muted" role="status" aria-live="polite">
          {checking ? "Checking the passcode…" : ""}
        </span>
      </div>
      {shown && (
        <p id="passcode-error" role="alert" className="error">
          {shown}
        </p>
      )}
    </form>
  );
}

function qualityOf(rttMs: number | null, connected: boolean): { label: string; cls: string } {
  if (!connected) return { label: "offline", cls: "q-off" };
  if (rttMs === null) return { label: "measuring…", cls: "q-off" };
  // One-way ≈ rtt/2; the ensemble threshold is ~25 ms one-way (timing-background.md).
  if (rttMs <= 50) return { label: `good · ${Math.round(rttMs)} ms`, cls: "q-good" };
  if (rttMs <= 100) return { label: `fair · ${Math.round(rttMs)} ms`, cls: "q-fair" };
  return { label: `poor · ${Math.round(rttMs)} ms`, cls: "q-poor" };
}

function useSession(session: JamSession | null): SessionSnapshot | null {
  const subscribe = useCallback((cb: () => void) => (session ? session.subscribe(cb) : () => undefined), [session]);
  return useSyncExternalStore(subscribe, () => session?.current ?? null, () => null);
}

function Room({ code, name, role, onLeft }: { code: string; name: string; role: Role; onLeft: () => void }) {
  const [session, setSession] = useState<JamSession | null>(null);
  const [engine, setEngine] = useState<AudioEngine | null>(null);
  const snap = useSession(session);
  const [copyStatus, setCopyStatus] = useState("");
  const [activeLocal, setActiveLocal] = useState<PadId | null>(null);
  const [audioState, setAudioState] = useState<AudioContextState>("suspended");
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [keyMap, setKeyMap] = useState<KeyMap | null>(null);
  const [kit, setKit] = useState<KitId>("acoustic");
  const [midi, setMidi] = useState<MidiInput | null>(null);
  /** a private room asked for its passcode: the form stays until the join succeeds */
  const [passcodeAsked, setPasscodeAsked] = useState(false);
  /** the passcode being tried: remembered for this tab once it let us in */
  const triedPasscode = useRef<string | null>(null);
  const [hostPasscode, setHostPasscode] = useState<string | undefined>(undefined);
  useEffect(() => setKeyMap(loadKeyMap()), []);
  useEffect(() => setHostPasscode(loadHostPasscode(code)), [code]);

  useEffect(() => {
    let s: JamSession | null = null;
    let e: AudioEngine | null = null;
    let cancelled = false;
    void import("../../lib/audio/engine").then(({ createAudioEngine }) => {
      if (cancelled) return;
      let savedKit: KitId = "acoustic";
      try {
        const k = localStorage.getItem("backbeat:kit");
        if (k && (KIT_IDS as readonly string[]).includes(k)) savedKit = k as KitId;
      } catch {
        /* default kit */
      }
      e = createAudioEngine(undefined, { kit: savedKit, latencyHint: loadLatencyHint() });
      setKit(savedKit);
      s = new JamSession({
        roomCode: code,
        participantId: participantId(),
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

  const strike = useCallback(
    (pad: PadId, velocity: number, timeStamp: number) => {
      if (!session || !engine || passcodeAsked) return;
      if (engine.context.state !== "running") void engine.resume();
      session.strike(pad, velocity, timeStamp);
      setActiveLocal(pad);
      window.setTimeout(() => setActiveLocal((p) => (p === pad ? null : p)), 90);
    },
    [session, engine, passcodeAsked],
  );

  useEffect(() => {
    if (!keyMap) return;
    function onKey(e: KeyboardEvent) {
      if (e.repeat || e.metaKey || e.ctrlKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
      const pad = padForKeyIn(keyMap!, e.key);
      if (!pad) return;
      e.preventDefault();
      strike(pad, e.shiftKey ? 1 : 0.8, e.timeStamp);
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [strike, keyMap]);

  // Web MIDI: note-ons strike with the MIDI event's own timestamp; synthetic messages take the same path.
  useEffect(() => {
    const m = new MidiInput((hit, timeStamp) => strike(hit.pad, hit.velocity, timeStamp));
    setMidi(m);
    (window as { __backbeatMidi?: { inject: (data: number[], timeStamp?: number) => boolean } }).__backbeatMidi = {
      inject: (data, timeStamp) => m.inject(data, timeStamp),
    };
    return () => {
      m.dispose();
      delete (window as { __backbeatMidi?: unknown }).__backbeatMidi;
    };
  }, [strike]);

  async function act(fn: () => Promise<{ message: string } | null>) {
    setBusy(true);
    setActionError(null);
    const err = await fn();
    if (err) setActionError(err.message);
    setBusy(false);
  }

  const room = snap?.room ?? null;
  const me = session?.diagnostics().participantId;
  const amHost = !!room?.members.find((m) => m.id === me)?.isHost;
  const lastRemote = snap?.lastRemote ?? null;
  const remoteMember = lastRemote && room ? room.members.find((m) => m.id === lastRemote.from) : undefined;
  const [remoteFlash, setRemoteFlash] = useState<{ pad: PadId; color: string } | null>(null);
  /** how often each pad lit for a partner's hit (a data attribute: tests can't rely on catching a 120 ms flash) */
  const litCount = useRef<Partial<Record<PadId, number>>>({});
  useEffect(() => {
    if (!lastRemote) return;
    litCount.current[lastRemote.pad] = (litCount.current[lastRemote.pad] ?? 0) + 1;
    setRemoteFlash({ pad: lastRemote.pad, color: remoteMember?.color ?? "#22d3ee" });
    const t = window.setTimeout(() => setRemoteFlash(null), 120);
    return () => window.clearTimeout(t);
  }, [lastRemote, remoteMember?.color]);

  const joinError = snap?.status === "error" ? snap.error : null;
  useEffect(() => {
    if (snap?.status === "joined") {
      setPasscodeAsked(false);
      if (triedPasscode.current !== null) saveRoomPasscode(code, triedPasscode.current);
      triedPasscode.current = null;
    } else if (joinError?.code === "passcode_required" || joinError?.code === "wrong_passcode") {
      setPasscodeAsked(true);
      // A remembered passcode that no longer works is forgotten (a reload would only try it again).
      if (joinError.code === "wrong_passcode") saveRoomPasscode(code, null);
    }
  }, [snap?.status, joinError, code]);

  if (passcodeAsked && snap?.status !== "joined") {
    const shown = joinError && (joinError.code === "wrong_passcode" || joinError.code === "rate_limited") ? joinError.message : null;
    return (
      <PasscodeForm
        code={code}
        error={shown}
        checking={snap?.status === "connecting"}
        onSubmit={(passcode) => {
          if (!session) return;
          triedPasscode.current = passcode;
          void engine?.resume().catch(() => undefined); // a user gesture: sound can start
          session.joinWithPasscode(passcode);
        }}
      />
    );
  }

  return (
    <div className="stack">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1 style={{ margin: 0 }}>Room {code}</h1>
        <div className="row">
          {audioState !== "running" && engine && (
            <button type="button" onClick={() => void engine.resume()}>
              Enable sound
            </button>
          )}
          <SharePanel
            url={typeof window === "undefined" ? "" : window.location.href}
            title={`Backbeat room ${code}`}
            privateRoom={room?.private ?? false}
            passcode={hostPasscode}
            onStatus={(st) => {
              setCopyStatus(st);
              window.setTimeout(() => setCopyStatus(""), 4000);
            }}
          />
        </div>
      </div>
      <p className="muted status-line" role="status" aria-live="polite">
        {copyStatus || statusText(snap, audioState, session?.unackedHits ?? 0)}
      </p>
      {snap?.error && <p role="alert" className="error">{snap.error.message}</p>}
      {actionError && <p role="alert" className="error">{actionError}</p>}
      <div className="room-grid">
        <section className="panel stack" aria-labelledby="pads-heading">
          <div className="row" style={{ justifyContent: "space-between" }}>
            <h2 id="pads-heading">Pads</h2>
            {room && <BeatDots session={session} room={room} />}
          </div>
          {role === "spectator" && <p className="muted">You are listening as a spectator: the pads light up as the players play.</p>}
          <div className={`pads${role === "spectator" ? " spectating" : ""}`}>
            {KIT.map((p) => (
              <button
                key={p.id}
                type="button"
                className={`pad${activeLocal === p.id ? " local-active" : ""}${remoteFlash?.pad === p.id ? " remote-active" : ""}`}
                data-remote-lit={litCount.current[p.id] ?? 0}
                style={remoteFlash?.pad === p.id ? ({ "--remote-color": remoteFlash.color } as React.CSSProperties) : undefined}
                disabled={role === "spectator"}
                aria-keyshortcuts={keyMap ? keyLabel(keyMap[p.id]) : undefined}
                onPointerDown={(e) => {
                  e.preventDefault();
                  const r = e.currentTarget.getBoundingClientRect();
                  // Harder towards the pad's centre, like a real drum head; pressure when the device reports it.
                  const dx = (e.clientX - (r.left + r.width / 2)) / (r.width / 2);
                  const dy = (e.clientY - (r.top + r.height / 2)) / (r.height / 2);
                  const fromCentre = Math.min(1, Math.hypot(dx, dy));
                  const pressure = e.pointerType === "pen" && e.pressure > 0 ? e.pressure : null;
                  const velocity = pressure ?? 1 - 0.5 * fromCentre;
                  strike(p.id, Math.max(0.2, Math.min(1, velocity)), e.timeStamp);
                }}
                onClick={(e) => {
                  // Keyboard activation (Enter/Space on a focused pad) has detail 0; pointer presses already struck.
                  if (e.detail === 0) strike(p.id, 0.8, e.timeStamp);
                }}
              >
                <span>{p.name}</span>
                <span className="key" aria-hidden="true">{keyMap ? keyLabel(keyMap[p.id]) : "\u00a0"}</span>
              </button>
            ))}
          </div>
          <Reactions onReact={(r) => session?.react(r)} last={snap?.lastReaction ?? null} room={room} />
          <Controls session={session} snap={snap} room={room} busy={busy} act={act} />
          <div className="row">
            <label htmlFor="kit">Kit</label>
            <select
              id="kit"
              value={kit}
              onChange={(e) => {
                const k = e.target.value as KitId;
                setKit(k);
                engine?.setKit(k);
                try {
                  localStorage.setItem("backbeat:kit", k);
                } catch {
                  /* not remembered */
                }
              }}
            >
              {KIT_IDS.map((k) => (
                <option key={k} value={k}>
                  {KIT_NAMES[k]}
                </option>
              ))}
            </select>
          </div>
          <Calibration engine={engine} onChange={(ms) => session?.setInputOffset(ms)} />
          {keyMap && (
            <InputSettings
              keyMap={keyMap}
              midi={midi}
              onKeyMap={(m) => {
                setKeyMap(m);
                saveKeyMap(m);
              }}
            />
          )}
        </section>
        <aside className="stack">
          <section className="panel" aria-labelledby="people-heading">
            <h2 id="people-heading">In the room</h2>
            <ul className="members">
              {room?.members.map((m) => {
                const q = qualityOf(m.rttMs, m.connected);
                return (
                  <li key={m.id} className="member">
                    <span className="swatch" style={{ background: m.color }} aria-hidden="true" />
                    <span>
                      {m.name}
                      {m.id === me ? " (you)" : ""}
                      {m.isHost ? <span className="muted"> · host</span> : null}
                    </span>
                    {m.role === "spectator" && <span className="muted">· spectator</span>}
                    <span className={`quality ${q.cls}`} title="Round trip to the server">{q.label}</span>
                    {amHost && m.id !== me && (
                      <button
                        type="button"
                        className="small"
                        aria-label={`Remove ${m.name}`}
                        onClick={() => {
                          if (session && window.confirm(`Remove ${m.name} from the room?`)) void act(() => session.kick(m.id));
                        }}
                      >
                        Remove
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
            <p>
              <button
                type="button"
                className="small"
                onClick={() => {
                  if (!session) return;
                  void session.leave().then(() => onLeft());
                }}
              >
                Leave room
              </button>
            </p>
          </section>
          {room && <BattlePanel session={session} room={room} isHost={amHost} act={act} />}
          <LatencyPanel session={session} room={room} />
          <Recordings room={room} />
        </aside>
      </div>
    </div>
  );
}

function statusText(snap: SessionSnapshot | null, audio: AudioContextState, unacked: number): string {
  if (!snap) return "Starting audio…";
  if (snap.status === "connecting") return "Connecting…";
  if (snap.status === "reconnecting")
    return `Connection lost — reconnecting…${unacked > 0 ? ` ${unacked} of your hits are kept here and will be saved when it is back.` : ""}`;
  if (snap.status === "error") return "Could not join the room.";
  const sync = snap.rttMs === null ? "syncing clocks…" : `clock synced (round trip ${snap.rttMs.toFixed(1)} ms)`;
  return `Connected · ${sync}${audio === "running" ? "" : " · sound is off: press a pad or Enable sound"}`;
}

function Controls({
  session,
  snap,
  room,
  busy,
  act,
}: {
  session: JamSession | null;
  snap: SessionSnapshot | null;
  room: RoomView | null;
  busy: boolean;
  act: (fn: () => Promise<{ message: string } | null>) => Promise<void>;
}) {
  const [tempo, setTempo] = useState("100");
  const tapper = useRef(new TapTempo());
  const [beats, setBeats] = useState("4/4");
  const [groove, setGroove] = useState<GrooveId>("none");
  const [countIn, setCountIn] = useState(false);
  const synced = useRef<string>("");
  useEffect(() => {
    if (!room) return;
    const key = `${room.tempoBpm}/${room.beatsPerBar}/${room.beatUnit}/${room.groove}`;
    if (synced.current !== key) {
      synced.current = key;
      setTempo(String(room.tempoBpm));
      setBeats(meterLabel(room.beatsPerBar, room.beatUnit));
      setGroove(room.groove);
    }
  }, [room]);
  const recording = room?.recording ?? null;
  const metronomeOn = snap?.metronomeOn ?? true;
  const fair = snap?.fairMonitoring ?? false;
  const me = session?.diagnostics().participantId;
  const isHost = !!room?.members.find((m) => m.id === me)?.isHost;
  return (
    <div className="stack">
      <div className="row">
        <button type="button" aria-pressed={metronomeOn} onClick={() => session?.setMetronome(!metronomeOn)}>
          Metronome
        </button>
        <button type="button" aria-pressed={snap?.backingOn ?? true} onClick={() => session?.setBacking(!(snap?.backingOn ?? true))}>
          Backing
        </button>
        <button
          type="button"
          aria-pressed={fair}
          title="Hear your own hits with the delay your partners hear them with"
          onClick={() => {
            session?.setFairMonitoring(!fair);
            saveFairMonitoring(!fair);
          }}
        >
          Fair monitoring
        </button>
      </div>
      <div className="row" role="group" aria-label="Play mode">
        <span className="muted">Mode:</span>
        {(["live", "groove"] as const).map((mode) => (
          <button
            key={mode}
            type="button"
            aria-pressed={room?.mode === mode}
            disabled={!isHost || !session}
            title={mode === "live" ? "Adaptive delay: as early as the network allows" : "Partners are delayed by whole bars (1, 2 or 4), beat 1 on beat 1"}
            onClick={() => session && void act(() => session.setMode(mode))}
          >
            {mode === "live" ? "Live" : "Groove"}
          </button>
        ))}
        {!isHost && <span className="muted">(the host chooses)</span>}
      </div>
      <div className="row">
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            const bpm = Number(tempo);
            if (!Number.isInteger(bpm) || bpm < LIMITS.tempoMinBpm || bpm > LIMITS.tempoMaxBpm) {
              void act(async () => ({ message: `Tempo must be a whole number from ${LIMITS.tempoMinBpm} to ${LIMITS.tempoMaxBpm} BPM.` }));
              return;
            }
            const meter = METERS.find((m) => m.id === beats) ?? METERS[0];
            if (session) void act(() => session.setTempo(bpm, meter.beatsPerBar, meter.beatUnit, groove));
          }}
        >
          <label htmlFor="tempo">Tempo (BPM)</label>
          <input id="tempo" className="tempo-input" type="number" min={LIMITS.tempoMinBpm} max={LIMITS.tempoMaxBpm} value={tempo} onChange={(e) => setTempo(e.target.value)} />
          <label htmlFor="beats">Meter</label>
          <select id="beats" value={beats} onChange={(e) => setBeats(e.target.value)} disabled={!isHost}>
            {METERS.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id}
              </option>
            ))}
          </select>
          <label htmlFor="groove">Backing groove</label>
          <select id="groove" value={groove} onChange={(e) => setGroove(e.target.value as GrooveId)} disabled={!isHost}>
            {GROOVE_IDS.map((g) => (
              <option key={g} value={g}>
                {GROOVE_NAMES[g]}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={!isHost}
            onPointerDown={(e) => {
              const bpm = tapper.current.tap(e.timeStamp);
              if (bpm !== null) setTempo(String(bpm));
            }}
            onKeyDown={(e) => {
              if (e.key !== "Enter" && e.key !== " ") return;
              e.preventDefault();
              const bpm = tapper.current.tap(e.timeStamp);
              if (bpm !== null) setTempo(String(bpm));
            }}
          >
            Tap tempo
          </button>
          <button type="submit" disabled={!session || !isHost}>
            Apply
          </button>
          <span className="muted">{isHost ? "changes land on the next bar line" : "the host sets the tempo"}</span>
        </form>
      </div>
      <div className="row">
        {recording ? (
          <button type="button" className="primary" disabled={busy || !session} onClick={() => session && void act(() => session.stopRecording())}>
            <span className="recording-dot" aria-hidden="true" /> Stop recording
          </button>
        ) : (
          <button type="button" disabled={busy || !session || snap?.status !== "joined"} onClick={() => session && void act(() => session.startRecording(countIn))}>
            Start recording
          </button>
        )}
        <label className="inline-check">
          <input type="checkbox" checked={countIn} onChange={(e) => setCountIn(e.target.checked)} /> Count-in bar
        </label>
        <span className="muted" aria-live="polite">{recording ? (session && recording.startedAtMs > session.sharedNow() ? "Count-in…" : "Recording…") : ""}</span>
      </div>
    </div>
  );
}

function Recordings({ room }: { room: RoomView | null }) {
  const list = room?.recordings ?? [];
  return (
    <section className="panel" aria-labelledby="rec-heading">
      <h2 id="rec-heading">Recordings</h2>
      {list.length === 0 ? (
        <p className="muted">None yet. Press Start recording, play, then Stop.</p>
      ) : (
        <ul className="recordings">
          {list.map((r) => (
            <RecordingItem key={r.id} rec={r} />
          ))}
        </ul>
      )}
    </section>
  );
}

function RecordingItem({ rec }: { rec: RoomView["recordings"][number] }) {
  const [owner, setOwner] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(rec.title);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setOwner(loadOwnerToken(rec.id)), [rec.id]);
  const lengthS = rec.endedAtMs === null ? null : Math.max(0, Math.round((rec.endedAtMs - rec.startedAtMs) / 1000));
  const date = new Date(rec.createdAt);

  async function send(method: "PATCH" | "DELETE", body?: unknown) {
    setError(null);
    const res = await fetch(`/api/recordings/${rec.id}`, {
      method,
      headers: { authorization: `Bearer ${owner}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok && res.status !== 204) {
      const msg = ((await res.json().catch(() => ({}))) as { message?: string }).message;
      setError(msg ?? `Server answered ${res.status}`);
      return false;
    }
    return true;
  }

  return (
    <li>
      {editing ? (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void send("PATCH", { title }).then((ok) => ok && setEditing(false));
          }}
        >
          <label htmlFor={`title-${rec.id}`} className="visually-hidden">
            New title for {rec.title}
          </label>
          <input id={`title-${rec.id}`} type="text" maxLength={LIMITS.titleMaxChars} value={title} onChange={(e) => setTitle(e.target.value)} autoFocus />
          <button type="submit">Save title</button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <a href={`/replay/${rec.id}`}>{rec.title}</a>{" "}
          <span className="muted">
            · {date.toLocaleDateString()} {date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })} ·{" "}
            {lengthS === null ? "recording" : `${Math.floor(lengthS / 60)}:${String(lengthS % 60).padStart(2, "0")}`} · {rec.hitCount} hits ·{" "}
            {rec.participants.map((p) => p.name).join(", ")}
          </span>
          {owner && (
            <span className="row" style={{ display: "inline-flex", marginLeft: 8 }}>
              <button type="button" className="small" aria-label={`Rename ${rec.title}`} onClick={() => setEditing(true)}>
                Rename
              </button>
              <button
                type="button"
                className="small"
                aria-label={`Delete ${rec.title}`}
                onClick={() => {
                  if (window.confirm(`Delete “${rec.title}” for everyone? This cannot be undone.`)) {
                    void send("DELETE").then((ok) => ok && saveOwnerToken(rec.id, null));
                  }
                }}
              >
                Delete
              </button>
            </span>
          )}
        </>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </li>
  );
}
