"use client";
/**
 * How far each partner is, in one plain sentence each, and — when one is too far to play Live in
 * time and the room is in Live — a prompt: the host gets a "Switch to Groove" button, the others
 * are told the host can switch (issue 14, defect 7). The technical figures stay in the latency
 * panel, behind its disclosure.
 */
import type { RoomView } from "../../../core/protocol";
import type { JamConnection } from "../../lib/connection/jam-connection";
import { farPartners, latencySummary, LIVE_MAX_ONE_WAY_MS } from "../../lib/partner-latency";
import type { Act } from "./act";
import styles from "./PartnerDistance.module.css";
import { usePartnerDistances } from "./use-partner-distances";

export function PartnerDistance({ conn, room, isHost, act }: { conn: JamConnection | null; room: RoomView | null; isHost: boolean; act: Act }) {
  const players = usePartnerDistances(conn, room).filter((p) => p.member.role === "player");
  if (!room || players.length === 0) return null;
  const far = room.mode === "live" ? farPartners(players.map((p) => ({ ...p, name: p.member.name }))) : [];
  const names = far.map((p) => p.name).join(" and ");
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
              <button type="button" className="primary" disabled={!conn} onClick={() => conn && void act(() => conn.setMode("groove"), "mode:set")}>
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
