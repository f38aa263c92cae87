"use client";
/**
 * Each partner's one-way delay from you, refreshed once a second: the one figure the member list,
 * the distance summary and the latency table all show (issue 14, defect 7; app/lib/partner-latency.ts).
 */
import { useEffect, useState } from "react";
import { latencyBand } from "../../../core/play-mode";
import type { MemberView, RoomView } from "../../../core/protocol";
import type { JamConnection } from "../../lib/connection/jam-connection";
import { partnerOneWay, type OneWay } from "../../lib/partner-latency";

export interface PartnerDistance {
  member: MemberView;
  oneWay: OneWay;
  /** bars Groove delays them by here (null until the playout has run in Groove) */
  grooveBars: number | null;
}

/** One partner's figure now (no hook: for a render that already re-renders on room changes). */
export function distanceTo(conn: JamConnection | null, member: MemberView): PartnerDistance {
  const mine = conn?.partnerStats().find((p) => p.from === member.id);
  return { member, oneWay: partnerOneWay(mine?.oneWayMs, conn?.snapshot.rttMs ?? null, member.rttMs), grooveBars: mine?.grooveBars ?? null };
}

/** The connected partners (not you), with their distances; re-rendered every second while there are any. */
export function usePartnerDistances(conn: JamConnection | null, room: RoomView | null): PartnerDistance[] {
  const me = conn?.participantId;
  const partners = room?.members.filter((m) => m.id !== me && m.connected) ?? [];
  const [, setTick] = useState(0);
  const any = partners.length > 0;
  useEffect(() => {
    if (!any) return;
    const t = window.setInterval(() => setTick((n) => n + 1), 1_000);
    return () => window.clearInterval(t);
  }, [any]);
  return partners.map((m) => distanceTo(conn, m));
}

/**
 * The member list's figure: for a partner the same one-way delay as the distance summary and the
 * latency table (it used to show their round trip to the server, a different number coloured by
 * different bands); for yourself, half your round trip (one way to the server).
 */
export function memberLatency(conn: JamConnection | null, m: MemberView, me: string | undefined): { label: string; cls: string; title: string } {
  if (!m.connected) return { label: "offline", cls: "q-off", title: "Not connected" };
  const self = m.id === me;
  // yourself: this page's own clock-sync round trip (the reported one lags by a report interval)
  const ownRttMs = self ? (conn?.snapshot.rttMs ?? m.rttMs) : null;
  const ms = self ? (ownRttMs === null ? null : ownRttMs / 2) : distanceTo(conn, m).oneWay.ms;
  const title = self ? "One way from you to the server" : `One way between you and ${m.name}`;
  if (ms === null) return { label: "measuring…", cls: "q-off", title };
  const band = latencyBand(ms);
  return { label: `${band} · ${Math.round(ms)} ms`, cls: `q-${band}`, title };
}
