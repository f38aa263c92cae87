"use client";
import type { MouseEvent } from "react";

/**
 * A replay opened from its room is a second tab (issue 14, defect 2): the room tab is still in
 * the jam. Going "back" then means closing this tab, not loading the room here too — that would
 * join a second seat (a new tab has its own participant id) and the partner would see two of you.
 * Anyone else (a shared replay link) simply goes to the room.
 */
export function BackToRoom({ roomCode }: { roomCode: string }) {
  const href = `/room/${encodeURIComponent(roomCode)}`;
  function onClick(e: MouseEvent<HTMLAnchorElement>) {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return; // new tab/window: the browser's own
    if (!openedFromRoom(roomCode)) return;
    e.preventDefault();
    window.close();
    // close() is refused when this tab has a history of its own: then go to the room here
    window.setTimeout(() => window.location.assign(href), 150);
  }
  return (
    <a className="back-to-room" href={href} onClick={onClick}>
      <span aria-hidden="true">← </span>Back to room {roomCode}
    </a>
  );
}

/** This tab was opened by a link in the room's page, and has not navigated since. */
function openedFromRoom(roomCode: string): boolean {
  if (window.history.length !== 1 || !document.referrer) return false;
  try {
    const from = new URL(document.referrer);
    return from.origin === window.location.origin && decodeURIComponent(from.pathname) === `/room/${roomCode}`;
  } catch {
    return false;
  }
}
