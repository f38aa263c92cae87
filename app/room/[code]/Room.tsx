"use client";
import { useCallback, useEffect, useRef, useState } from "react";
import type { PadId } from "../../../core/kit";
import type { KeyMap } from "../../../core/keymap";
import { AfterFirstFrame } from "./AfterFirstFrame";
import { BattlePanel } from "../../components/BattlePanel";
import { BeatDots } from "../../components/BeatDots";
import { Calibration } from "../../components/Calibration";
import { InputSettings } from "../../components/InputSettings";
import { LatencyPanel } from "../../components/LatencyPanel";
import { MixPanel } from "../../components/MixPanel";
import { Reactions } from "../../components/Reactions";
import { SharePanel } from "../../components/SharePanel";
import { loadHostPasscode, saveRoomPasscode } from "../../lib/identity";
import { loadKeyMap, saveKeyMap } from "../../lib/keymap";
import { KitSelect } from "./KitSelect";
import { MetronomeToggle } from "./MetronomeToggle";
import { Members } from "./Members";
import { Notices } from "./Notices";
import { PartnerDistance } from "./PartnerDistance";
import { ModeChoice } from "./ModeChoice";
import { Pads } from "./Pads";
import { PasscodeForm } from "./PasscodeForm";
import { RecBadge } from "./RecBadge";
import { RoomHeader, shareTitle } from "./RoomHeader";
import { RecordingControls } from "./RecordingControls";
import { Recordings } from "./Recordings";
import { SettingsSheet } from "./SettingsSheet";
import { SoundControls } from "./SoundControls";
import { statusText } from "./status-text";
import { TempoForm } from "./TempoForm";
import { TurnLine } from "./TurnLine";
import { useKeyboardLikely } from "./use-keyboard-likely";
import { useJamConnection, type Role } from "./use-jam-connection";
import { useRoomNotices } from "./use-room-notices";
import { WaitingCard } from "./WaitingCard";
import { waitingForPartner } from "../../lib/presence";
import { useKeyboardPads, useMidiPads } from "./use-strike-inputs";

/**
 * A room once you are in it: the instrument (pads, beat, Record, metronome, reactions) first, on a
 * phone filling exactly one screen; people, sharing, battle and recordings beside it (desktop) or
 * below it (phone); everything set once rather than played in the Settings sheet.
 */
export function Room({ code, name, role, onLeft }: { code: string; name: string; role: Role; onLeft: () => void }) {
  const { session, conn, engine, snap, audioState, initialKit } = useJamConnection(code, name, role);
  const [copyStatus, setCopyStatus] = useState("");
  const [busy, setBusy] = useState(false);
  const [keyMap, setKeyMap] = useState<KeyMap | null>(null);
  /** a private room asked for its passcode: the form stays until the join succeeds */
  const [passcodeAsked, setPasscodeAsked] = useState(false);
  /** the passcode being tried: remembered for this tab once it let us in */
  const triedPasscode = useRef<string | null>(null);
  const [hostPasscode, setHostPasscode] = useState<string | undefined>(undefined);
  useEffect(() => setKeyMap(loadKeyMap()), []);
  const keyHints = useKeyboardLikely();
  useEffect(() => setHostPasscode(loadHostPasscode(code)), [code]);

  // Playable once the session exists — usually the first render (jam-start.ts): a press is heard at
  // once and sent to the room (one struck before the clock's first sync is sent at it, jam-connection.ts).
  const playable = !!session && !!engine;
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

  // Errors and presence as notices over the page (Notices.tsx): one message per cause, cleared when it no longer holds.
  const { notices, act } = useRoomNotices(snap, conn?.participantId, setBusy);

  const room = snap?.room ?? null;
  const me = conn?.participantId;
  const amHost = !!room?.members.some((m) => m.id === me && (m.isHost || m.isCoHost)); // a co-host has the host's powers
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

  const spectator = role === "spectator";
  const showCopyStatus = (st: string) => {
    setCopyStatus(st);
    window.setTimeout(() => setCopyStatus(""), 4000);
  };
  return (
    <div className="room">
      {/* The instrument: on a phone exactly one screen (pads, beat, Record, metronome), everything above the pads fixed in height so nothing moves while playing. */}
      <div className="instrument">
        <div className="room-top">
          <RoomHeader code={code} room={room} conn={conn} canRename={amHost} act={act} />
          {audioState !== "running" && engine && (
            <button type="button" onClick={() => void engine.resume()}>
              Enable sound
            </button>
          )}
          <SettingsSheet>
            <AfterFirstFrame>
              <section className="sheet-section" aria-labelledby="set-sound">
                <h3 id="set-sound" className="subhead">Sound</h3>
                <SoundControls session={session} snap={snap} spectator={spectator} />
                {!spectator && <KitSelect engine={engine} initialKit={initialKit} />}
              </section>
              {!spectator && (
                <section className="sheet-section" aria-labelledby="set-groove">
                  <h3 id="set-groove" className="subhead">Tempo and mode</h3>
                  <ModeChoice conn={conn} room={room} isHost={amHost} act={act} />
                  <TempoForm conn={conn} room={room} isHost={amHost} act={act} />
                </section>
              )}
              {!spectator && (
                <section className="sheet-section" aria-labelledby="set-input">
                  <h3 id="set-input" className="subhead">Timing and input</h3>
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
              )}
              <LatencyPanel session={session} room={room} />
            </AfterFirstFrame>
          </SettingsSheet>
        </div>
        {/* The REC badge starts the status lines (fixed height): it never covers the room's name or moves the pads. */}
        <div className="room-status">
          <RecBadge room={room} me={me} />
          <span className="muted" role="status" aria-live="polite">
            {copyStatus || statusText(snap, audioState, conn?.unackedHits ?? 0)}
          </span>
        </div>
        <div className="transport">
          {!spectator && <RecordingControls conn={conn} room={room} joined={joined} busy={busy} act={act} />}
          <div className="row beat">
            <MetronomeToggle session={session} snap={snap} />
            {room && <BeatDots session={session} room={room} />}
          </div>
          {spectator && <p className="muted spectator-note">You are a spectator: the pads light up as the players play; vote with reactions.</p>}
        </div>
        <section className="pads-area" aria-labelledby="pads-heading">
          <h2 id="pads-heading" className="visually-hidden">
            Pads
          </h2>
          <Pads session={session} room={room} keyMap={keyHints && !spectator ? keyMap : null} spectator={spectator} playable={playable} strike={strike} />
        </section>
        <div className="stage">
          {room && <TurnLine conn={conn} room={room} />}
          <Reactions onReact={(r) => conn?.react(r)} last={snap?.lastReaction ?? null} room={room} />
        </div>
      </div>
      {/* Beside the instrument (desktop: its own grid column) or below it (phone): filled after the first frame. */}
      <aside className="room-side">
        <AfterFirstFrame>
          {joined && room && waitingForPartner(room.members, me) ? (
            <WaitingCard code={code} name={room.name} url={typeof window === "undefined" ? "" : window.location.href} privateRoom={room.private} passcode={hostPasscode} onStatus={showCopyStatus} />
          ) : (
            <section className="panel stack" aria-label="Invite">
              <SharePanel
                url={typeof window === "undefined" ? "" : window.location.href}
                title={shareTitle(code, room?.name ?? null)}
                privateRoom={room?.private ?? false}
                passcode={hostPasscode}
                onStatus={showCopyStatus}
              />
            </section>
          )}
          <PartnerDistance conn={conn} room={room} isHost={amHost} act={act} notices={notices} />
          <Members room={room} conn={conn} me={me} amHost={amHost} act={act} onLeft={onLeft} />
          <MixPanel session={session} room={room} me={me} />
          {room && <BattlePanel conn={conn} room={room} isHost={amHost} act={act} />}
          <Recordings room={room} />
        </AfterFirstFrame>
      </aside>
      {/* Over the page, not in its flow: an error appearing does not push the pads down (defect 4). */}
      <Notices api={notices} />
    </div>
  );
}
