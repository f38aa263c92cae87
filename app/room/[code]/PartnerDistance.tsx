"use client";
/**
 * How far each partner is, in one plain sentence each, and — when one is too far to play Live in
 * time and the room is in Live — a prompt: the host gets a "Switch to Groove" button, the others
 * are told the host can switch (issue 14, defect 7). The technical figures stay in the latency
 * panel, behind its disclosure.
 */
import { useEffect } from "react";
import type { RoomView } from "../../../core/protocol";
import type { JamConnection } from "../../lib/connection/jam-connection";
import { farPartners, latencySummary, LIVE_MAX_ONE_WAY_MS } from "../../lib/partner-latency";
import type { Act } from "./act";
import type { NoticesApi } from "./Notices";
import styles from "./PartnerDistance.module.css";
import { usePartnerDistances } from "./use-partner-distances";

/** how long the host's toast about a far partner stays (the card in the side column stays while it holds) */
const FAR_NOTICE_TTL_MS = 15_000;

export function PartnerDistance({
  conn,
  room,
  isHost,
  act,
  notices,
}: {
  conn: JamConnection | null;
  room: RoomView | null;
  isHost: boolean;
  act: Act;
  /** the host also gets a toast with the button, seen on a phone without scrolling to this card */
  notices?: Pick<NoticesApi, "push" | "clear">;
}) {
  const players = usePartnerDistances(conn, room).filter((p) => p.member.role === "player");
  const far = room?.mode === "live" ? farPartners(players.map((p) => ({ ...p, name: p.member.name }))) : [];
  const names = far.map((p) => p.name).join(" and ");
  const switchToGroove = () => conn && void act(() => conn.setMode("groove"), "mode:set");

  // Once per set of far partners (not every second's new figure): the toast says it where the host is looking.
  const farKey = isHost ? far.map((p) => p.member.id).join(",") : "";
  // push and clear are stable (the api object is not: it changes with every notice)
  const push = notices?.push;
  const clear = notices?.clear;
  useEffect(() => {
    if (!push || !clear) return;
    if (!farKey) return clear("far-partner");
    const ms = Math.round(far[0]?.oneWay.ms ?? 0);
    push("far-partner", "info", `${names} ${far.length > 1 ? "are" : "is"} too far for Live (${ms} ms away).`, FAR_NOTICE_TTL_MS, { label: "Switch to Groove", run: switchToGroove });
    // keyed on who is far; the figures and names of that moment are what the toast says
  }, [farKey, push, clear]);

  if (!room || players.length === 0) return null;
  return (
    <section className="panel stack" aria-labelledby="distance-heading">
      <h2 id="distance-heading">Distance</h2>
      {far.length > 0 && (
        <div className={styles.prompt} role="status" data-testid="far-partner-prompt">
          <p style={{ margin: 0 }}>
            <strong>{names} {far.length > 1 ? "are" : "is"} too far for Live</strong> (more than {LIVE_MAX_ONE_WAY_MS} ms one way): hits
            cannot land together. Groove plays each partner whole bars later, so beat 1 lands on beat 1.
          </p>
          {isHost ? (
            <p style={{ margin: 0 }}>
              <button type="button" className="primary" disabled={!conn} onClick={switchToGroove}>
                Switch to Groove
              </button>
            </p>
          ) : (
            <p className="muted" style={{ margin: 0 }}>
              The host can switch the room to Groove.
            </p>
          )}
        </div>
      )}
      {/* lines, not list items: the member list is the room's list of people */}
      <div className={styles.list}>
        {players.map((p) => (
          <p key={p.member.id} className={styles.line}>
            <span className="swatch" style={{ background: p.member.color, flex: "none" }} aria-hidden="true" />
            <span>{latencySummary(p.member.name, p.oneWay, room.mode, p.grooveBars)}</span>
          </p>
        ))}
      </div>
    </section>
  );
}
