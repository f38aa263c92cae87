"use client";
/**
 * What the room tells you without moving the pads (issue 14): refusals and connection errors, and
 * partners coming and going, as notices (Notices.tsx). One message per cause:
 *
 * - A refused request arrives twice — the server's `error` event (the connection's `snap.error`)
 *   and the request's failed ack (through `act`). Both carry the request's event name, which is the
 *   notice's key, so they show as one message. It goes after ERROR_TTL_MS, or as soon as the same
 *   request succeeds (`act` clears its source).
 * - A connection or join error stays until the page is joined again.
 * - Presence notices come from changes in `room.members` (app/lib/presence.ts).
 * - A tempo, meter or groove change by the host is announced to the others ("Rock groove from the
 *   next bar"): it lands on the next bar line, and nobody else pressed anything. The host sees it
 *   by the controls they used (TempoForm).
 */
import { useCallback, useEffect, useRef } from "react";
import type { ErrorMsg, MemberView } from "../../../core/protocol";
import { describeGridChange, type GridFields } from "../../lib/grid-change";
import { ERROR_TTL_MS, INFO_TTL_MS } from "../../lib/notices";
import { presenceChanges, presenceText } from "../../lib/presence";
import type { SessionSnapshot } from "../../lib/session";
import type { Act } from "./act";
import { useNotices, type NoticesApi } from "./Notices";

const CONNECTION = "connection";
/** the passcode form shows these next to its field */
const SHOWN_BY_PASSCODE_FORM = new Set<ErrorMsg["code"]>(["passcode_required", "wrong_passcode"]);

/** The key of a refusal: the request it answers; a failure to connect or join is the connection's. */
export function errorKey(err: { event?: string }, fallback = CONNECTION): string {
  return !err.event || err.event === "join" ? fallback : err.event;
}

export function useRoomNotices(snap: SessionSnapshot | null, me: string | undefined, setBusy: (busy: boolean) => void): { notices: NoticesApi; act: Act } {
  const notices = useNotices();
  const { push, clear } = notices;
  const joined = snap?.status.kind === "joined";

  const error = snap?.error ?? null;
  useEffect(() => {
    if (!error || SHOWN_BY_PASSCODE_FORM.has(error.code)) return;
    const key = errorKey(error);
    // A connection problem holds until the page is joined again; a refused message or request is transient.
    push(key, "error", error.message, key === CONNECTION ? null : ERROR_TTL_MS);
  }, [error, push]);
  useEffect(() => {
    if (joined) clear(CONNECTION);
  }, [joined, clear]);

  const members = snap?.room?.members ?? null;
  const prevMembers = useRef<readonly MemberView[] | null>(null);
  useEffect(() => {
    if (!members) return;
    for (const c of presenceChanges(prevMembers.current, members, me)) push(`presence:${c.id}`, "info", presenceText(c), INFO_TTL_MS);
    prevMembers.current = members;
  }, [members, me, push]);

  const room = snap?.room ?? null;
  const gridKey = room ? `${room.tempoBpm}/${room.beatsPerBar}/${room.beatUnit}/${room.groove}` : "";
  const prevGrid = useRef<GridFields | null>(null);
  useEffect(() => {
    if (!room) return;
    const next: GridFields = { tempoBpm: room.tempoBpm, beatsPerBar: room.beatsPerBar, beatUnit: room.beatUnit, groove: room.groove };
    const before = prevGrid.current;
    prevGrid.current = next;
    const amHost = room.members.some((m) => m.id === me && (m.isHost || m.isCoHost));
    const text = before && !amHost ? describeGridChange(before, next) : null;
    // A bar is at most 6 s (40 BPM, 4/4) and usually ~2 s: the notice outlives the bar line a little.
    if (text) push("grid", "info", `${text} from the next bar`, INFO_TTL_MS);
    // keyed on the grid only, not on every room view
  }, [gridKey]);

  const act: Act = useCallback(
    async (fn, source) => {
      setBusy(true);
      try {
        const err = await fn();
        if (err) push(errorKey(err, source ?? "action"), "error", err.message, ERROR_TTL_MS);
        else if (source) clear(source); // it worked this time: an earlier refusal of it no longer holds
      } finally {
        setBusy(false);
      }
    },
    [push, clear, setBusy],
  );
  return { notices, act };
}
