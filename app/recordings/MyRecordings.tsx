"use client";
/**
 * "My recordings": what this browser recorded or played in, across rooms (app/lib/my-recordings.ts
 * keeps the list; the server knows rooms, not browsers). Shown at once from the kept list, then
 * refreshed from the server (titles renamed elsewhere, recordings deleted since).
 */
import { useEffect, useState } from "react";
import type { RecordingSummaryJson } from "../../core/http-api";
import { formatClock } from "../../core/replay";
import { loadMyRecordings, updateMyRecording, type MyRecording } from "../lib/my-recordings";
import styles from "./MyRecordings.module.css";

/** summaries asked for per visit: the recordings API has a per-address budget (120 a minute) */
const REFRESH_MAX = 30;
const REFRESH_PARALLEL = 4;

type Shown = { kind: "loading" } | { kind: "ready"; list: MyRecording[] };

function fromSummary(s: RecordingSummaryJson): MyRecording {
  return { id: s.id, roomCode: s.roomCode, title: s.title, createdAt: s.createdAt, startedAtMs: s.startedAtMs, endedAtMs: s.endedAtMs, hitCount: s.hitCount, players: s.participants.map((p) => p.name) };
}

/** fresh summary, null when deleted, undefined when the server could not say (kept as it was) */
async function fetchSummary(id: string): Promise<MyRecording | null | undefined> {
  try {
    const res = await fetch(`/api/recordings/${encodeURIComponent(id)}?summary=1`);
    if (res.status === 404) return null;
    if (!res.ok) return undefined;
    return fromSummary((await res.json()) as RecordingSummaryJson);
  } catch {
    return undefined;
  }
}

export default function MyRecordings() {
  const [shown, setShown] = useState<Shown>({ kind: "loading" });
  useEffect(() => {
    let cancelled = false;
    const { list, unlisted } = loadMyRecordings();
    setShown({ kind: "ready", list });
    const ids = [...unlisted, ...list.map((r) => r.id)].slice(0, REFRESH_MAX);
    void (async () => {
      for (let i = 0; i < ids.length && !cancelled; i += REFRESH_PARALLEL) {
        const batch = ids.slice(i, i + REFRESH_PARALLEL);
        const fresh = await Promise.all(batch.map(fetchSummary));
        batch.forEach((id, j) => fresh[j] !== undefined && updateMyRecording(id, fresh[j]!));
      }
      if (!cancelled) setShown({ kind: "ready", list: loadMyRecordings().list });
    })();
    return () => {
      cancelled = true;
    };
  }, []);

  return (
    <div className="stack">
      <h1>My recordings</h1>
      {shown.kind === "loading" ? (
        <p className="muted" role="status">Loading…</p>
      ) : shown.list.length === 0 ? (
        <div className="panel stack">
          <p>No recordings in this browser yet.</p>
          <p className="muted">
            Recordings you start, or play in, are listed here once you have seen them in their room. The list is kept by this
            browser only: another browser or device has its own, and clearing this site’s data empties it (the recordings stay
            on the server, reachable by their links).
          </p>
          <p>
            <a className="button primary" href="/">Start a jam</a>
          </p>
        </div>
      ) : (
        <section className="panel" aria-labelledby="my-rec-heading">
          <h2 id="my-rec-heading" className="visually-hidden">Recordings in this browser</h2>
          <ul className={styles.list}>
            {shown.list.map((r) => (
              <Item key={r.id} rec={r} />
            ))}
          </ul>
          <p className="muted small">Kept by this browser only, newest first.</p>
        </section>
      )}
    </div>
  );
}

function Item({ rec }: { rec: MyRecording }) {
  const date = new Date(rec.createdAt);
  const length = rec.endedAtMs === null ? "still recording" : formatClock(rec.endedAtMs - rec.startedAtMs);
  return (
    <li className={styles.item}>
      <a className={styles.title} href={`/replay/${encodeURIComponent(rec.id)}`}>{rec.title}</a>
      <span className={`muted ${styles.details}`}>
        Room <a href={`/room/${encodeURIComponent(rec.roomCode)}`} aria-label={`Room ${rec.roomCode}`}>{rec.roomCode}</a> ·{" "}
        <time dateTime={rec.createdAt}>
          {date.toLocaleDateString()} {date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
        </time>{" "}
        · {length} · {rec.hitCount} {rec.hitCount === 1 ? "hit" : "hits"}{rec.players.length ? ` · ${rec.players.join(", ")}` : ""}
      </span>
    </li>
  );
}
