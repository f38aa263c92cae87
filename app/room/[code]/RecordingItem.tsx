"use client";
import { useEffect, useState } from "react";
import { LIMITS } from "../../../core/limits";
import type { RoomView } from "../../../core/protocol";
import { loadOwnerToken, saveOwnerToken } from "../../lib/identity";

/** One recording: a link to its replay; rename and delete for whoever started it (they hold its owner token). */
export function RecordingItem({ rec }: { rec: RoomView["recordings"][number] }) {
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
          {/* a new tab: the jam goes on (issue 14, defect 2: leaving the page left the room) */}
          <a href={`/replay/${rec.id}`} target="_blank" rel="noopener">
            {rec.title}
            <span aria-hidden="true"> ↗</span>
            <span className="visually-hidden"> (opens in a new tab)</span>
          </a>{" "}
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
