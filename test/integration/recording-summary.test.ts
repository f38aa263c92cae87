/**
 * Issue 12, "small things a real deployment hits": link previews of a replay
 * link (app/replay/[id]/page.tsx) ask `GET /api/recordings/<id>?summary=1` for
 * every visitor, and renaming or deleting a recording must not load its hits
 * either. Real server on a free port, real client, real database (SQLite;
 * PostgreSQL too when TEST_DATABASE_URL is set); the store is wrapped to record
 * which of its methods each request used.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RoomView } from "../../core/protocol";
import type { RecordingSummaryJson } from "../../core/http-api";
import { seededRng } from "../../core/rng";
import { startBackbeatServer, type BackbeatServer } from "../../server/app";
import { openStore } from "../../server/storage";
import type { Store } from "../../server/store";
import { connect, createRoomAsHost, freshPostgresSchema, join, nextEvent, sleep, tempSqliteUrl, type Client } from "./helpers";

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || undefined;
const databases: [string, string | undefined][] = [["sqlite", undefined]];
if (TEST_DATABASE_URL) databases.push(["postgres", TEST_DATABASE_URL]);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The store, with the name of every method called on it since the last `calls.length = 0`. */
function recordingCalls(store: Store): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

async function start(databaseUrl: string | undefined): Promise<{ server: BackbeatServer; calls: string[] }> {
  const tmp = databaseUrl ? null : tempSqliteUrl();
  const pg = databaseUrl ? freshPostgresSchema(databaseUrl, "bb_summary") : null;
  const real = await openStore(pg?.url ?? tmp!.url);
  const { store, calls } = recordingCalls(real);
  const server = await startBackbeatServer({ store, port: 0, host: "127.0.0.1", rng: seededRng(12), log: () => undefined });
  cleanups.push(async () => {
    await server.close();
    await real.close();
    tmp?.cleanup();
    await pg?.cleanup();
  });
  return { server, calls };
}

async function recordJam(url: string, hits: number): Promise<{ id: string; ownerToken: string; ada: Client }> {
  const room = await createRoomAsHost(url);
  const ada = await connect(url);
  const bo = await connect(url);
  cleanups.push(() => void ada.close(), () => void bo.close());
  await join(ada, room.code, "summary-ada-1", "Ada", room.hostToken);
  await join(bo, room.code, "summary-bo-02", "Bo");
  const started = await ada.emitWithAck("recording:start", { title: "Tuesday groove" });
  if (!started.ok) throw new Error(started.error.message);
  const { t1Ms } = await ada.emitWithAck("sync:ping", { t0Ms: 0 });
  for (let seq = 1; seq <= hits; seq++) (seq % 2 ? ada : bo).emit("hit", { seq, pad: "kick", velocity: 0.5, strikeAtMs: t1Ms + 10 + seq });
  await sleep(200);
  expect((await ada.emitWithAck("recording:stop", {})).ok).toBe(true);
  return { id: started.data.id, ownerToken: started.data.ownerToken, ada };
}

describe.each(databases)("a recording's summary, rename and delete never load its hits (%s)", (_kind, databaseUrl) => {
  it("GET ?summary=1 answers the head and the hit count, without the hits", async () => {
    const { server, calls } = await start(databaseUrl);
    const { id } = await recordJam(server.url, 30);
    calls.length = 0;

    const res = await fetch(`${server.url}/api/recordings/${id}?summary=1`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as RecordingSummaryJson & Record<string, unknown>;
    expect(body).not.toHaveProperty("hits");
    expect(body).not.toHaveProperty("hearings");
    expect(body).toMatchObject({ id, title: "Tuesday groove", hitCount: 30, tempoBpm: expect.any(Number), beatsPerBar: expect.any(Number) });
    expect(body.participants.map((p) => p.name)).toEqual(["Ada", "Bo"]);
    expect(new Date(body.createdAt).getTime()).not.toBeNaN();
    expect(body.endedAtMs).toBeGreaterThan(body.startedAtMs);
    expect(calls).not.toContain("getRecording");

    expect((await fetch(`${server.url}/api/recordings/no-such-recording?summary=1`)).status).toBe(404);
    // the full recording still carries its hits
    const full = (await (await fetch(`${server.url}/api/recordings/${id}`)).json()) as { hits: unknown[] };
    expect(full.hits).toHaveLength(30);
  });

  it("PATCH and DELETE check the owner and refresh the room without loading the hits", async () => {
    const { server, calls } = await start(databaseUrl);
    const { id, ownerToken, ada } = await recordJam(server.url, 30);
    const auth = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
    calls.length = 0;

    const wrong = await fetch(`${server.url}/api/recordings/${id}`, { method: "DELETE", headers: auth("x".repeat(32)) });
    expect(wrong.status).toBe(403);
    const renamedState = nextEvent(ada, "room:state");
    const renamed = await fetch(`${server.url}/api/recordings/${id}`, { method: "PATCH", headers: auth(ownerToken), body: JSON.stringify({ title: "Wednesday groove" }) });
    expect(renamed.status).toBe(200);
    expect(((await renamedState) as RoomView).recordings.find((r) => r.id === id)?.title).toBe("Wednesday groove");

    const deletedState = nextEvent(ada, "room:state");
    expect((await fetch(`${server.url}/api/recordings/${id}`, { method: "DELETE", headers: auth(ownerToken) })).status).toBe(204);
    expect(((await deletedState) as RoomView).recordings.some((r) => r.id === id)).toBe(false);
    expect((await fetch(`${server.url}/api/recordings/${id}`, { method: "PATCH", headers: auth(ownerToken), body: '{"title":"x"}' })).status).toBe(404);
    expect(calls).not.toContain("getRecording");
  });
});
