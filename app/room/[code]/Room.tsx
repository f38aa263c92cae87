"use client";
import { useCallback, useEffect, useRef, useState } from "react";
import type { PadId } from "../../../core/kit";
import type { KeyMap } from "../../../core/keymap";
import { BattlePanel } from "../../components/BattlePanel";
import { BeatDots } from "../../components/BeatDots";
import { Calibration } from "../../components/Calibration";
import { InputSettings } from "../../components/InputSettings";
import { LatencyPanel } from "../../components/LatencyPanel";
import { Reactions } from "../../components/Reactions";
import { SharePanel } from "../../components/SharePanel";
import { loadHostPasscode, saveRoomPasscode } from "../../lib/identity";
import { loadKeyMap, saveKeyMap } from "../../lib/keymap";
import type { Act } from "./act";
import { KitSelect } from "./KitSelect";
import { Members } from "./Members";
import { ModeChoice } from "./ModeChoice";
import { Pads } from "./Pads";
import { PasscodeForm } from "./PasscodeForm";
import { RecordingControls } from "./RecordingControls";
import { Recordings } from "./Recordings";
import { SoundControls } from "./SoundControls";
import { statusText } from "./status-text";
import { TempoForm } from "./TempoForm";
import { useJamConnection, type Role } from "./use-jam-connection";
import { useKeyboardPads, useMidiPads } from "./use-strike-inputs";

/** A room once you are in it: the pads and controls on the left, people, battle, latency and recordings on the right. */
export function Room({ code, name, role, onLeft }: { code: string; name: string; role: Role; onLeft: () => void }) {
  const { session, conn, engine, snap, audioState, initialKit } = useJamConnection(code, name, role);
  const [copyStatus, setCopyStatus] = useState("");
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [keyMap, setKeyMap] = useState<KeyMap | null>(null);
  /** a private room asked for its passcode: the form stays until the join succeeds */
  const [passcodeAsked, setPasscodeAsked] = useState(false);
  /** the passcode being tried: remembered for this tab once it let us in */
  const triedPasscode = useRef<string | null>(null);
  const [hostPasscode, setHostPasscode] = useState<string | undefined>(undefined);
  useEffect(() => setKeyMap(loadKeyMap()), []);
  useEffect(() => setHostPasscode(loadHostPasscode(code)), [code]);

  const strike = useCallback(
    (pad: PadId, velocity: number, timeStamp: number) => {
      if (!session || !engine || passcodeAsked) return;
      if (engine.context.state !== "running") void engine.resume();
      session.strike(pad, velocity, timeStamp); // lights the pad itself (Pads): a strike re-renders nothing
    },
    [session, engine, passcodeAsked],
  );
  useKeyboardPads(keyMap, strike);
  const midi = useMidiPads(strike);

  const act: Act = async (fn) => {
    setBusy(true);
    setActionError(null);
    const err = await fn();
    if (err) setActionError(err.message);
    setBusy(false);
  };

  const room = snap?.room ?? null;
  const me = conn?.participantId;
  const amHost = !!room?.members.find((m) => m.id === me)?.isHost;
  const status = snap?.status ?? null;
  const joined = status?.kind === "joined";
  const joinError = status?.kind === "refused" || status?.kind === "kicked" ? status.error : null;
  useEffect(() => {
    if (joined) {
      setPasscodeAsked(false);
      if (triedPasscode.current !== null) saveRoomPasscode(code, triedPasscode.current);
      triedPasscode.current = null;
    } else if (joinError?.code === "passcode_required" || joinError?.code === "wrong_passcode") {
      setPasscodeAsked(true);
      // A remembered passcode that no longer works is forgotten (a reload would only try it again).
      if (joinError.code === "wrong_passcode") saveRoomPasscode(code, null);
    }
  }, [joined, joinError, code]);

  if (passcodeAsked && !joined) {
    // A join rate limit is retried by the connection by itself (reconnecting): its message is shown too.
    const err = snap?.error ?? null;
    const shown = err && (err.code === "wrong_passcode" || err.code === "rate_limited") ? err.message : null;
    return (
      <PasscodeForm
        code={code}
        error={shown}
        checking={status?.kind === "connecting" || status?.kind === "joining"}
        onSubmit={(passcode) => {
          if (!conn) return;
          triedPasscode.current = passcode;
          void engine?.resume().catch(() => undefined); // a user gesture: sound can start
          conn.joinWithPasscode(passcode);
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
        {copyStatus || statusText(snap, audioState, conn?.unackedHits ?? 0)}
      </p>
      {snap?.error && <p role="alert" className="error">{snap.error.message}</p>}
      {actionError && <p role="alert" className="error">{actionError}</p>}
      <div className="room-grid">
        <section className="panel stack" aria-labelledby="pads-heading">
          <div className="row" style={{ justifyContent: "space-between" }}>
            <h2 id="pads-heading">Pads</h2>
            {room && <BeatDots conn={conn} room={room} />}
          </div>
          {role === "spectator" && <p className="muted">You are listening as a spectator: the pads light up as the players play.</p>}
          <Pads session={session} room={room} keyMap={keyMap} spectator={role === "spectator"} strike={strike} />
          <Reactions onReact={(r) => conn?.react(r)} last={snap?.lastReaction ?? null} room={room} />
          <div className="stack">
            <SoundControls session={session} snap={snap} />
            <ModeChoice conn={conn} room={room} isHost={amHost} act={act} />
            <TempoForm conn={conn} room={room} isHost={amHost} act={act} />
            <RecordingControls conn={conn} room={room} joined={joined} busy={busy} act={act} />
          </div>
          <KitSelect engine={engine} initialKit={initialKit} />
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
          <Members room={room} conn={conn} me={me} amHost={amHost} act={act} onLeft={onLeft} />
          {room && <BattlePanel conn={conn} room={room} isHost={amHost} act={act} />}
          <LatencyPanel session={session} room={room} />
          <Recordings room={room} />
        </aside>
      </div>
    </div>
  );
}
