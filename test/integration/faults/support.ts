/** Set-up shared by the fault tests: databases, rooms, recordings and the final check. */
import { expect } from "vitest";
import type { HitMsg } from "../../../core/protocol";
import type { RecordingJson } from "../../../core/http-api";
import { freshPostgresSchema, tempSqliteUrl } from "../helpers";
import type { JamConnection } from "../../../app/lib/connection/jam-connection";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || undefined;
export const NO_PG_REASON = "skipped: TEST_DATABASE_URL is not set (no PostgreSQL to run against)";

export interface TestDatabase {
  kind: "sqlite" | "postgres";
  url: string;
  cleanup(): Promise<void>;
}

export function sqliteDatabase(): TestDatabase {
  const tmp = tempSqliteUrl();
  return { kind: "sqlite", url: tmp.url, cleanup: async () => tmp.cleanup() };
}

/** A fresh schema in TEST_DATABASE_URL's database, dropped by cleanup(). `host`/`port` override where the server connects (a proxy). */
export function postgresDatabase(baseUrl: string, via?: { host: string; port: number }): TestDatabase {
  return { kind: "postgres", ...freshPostgresSchema(baseUrl, "bb_fault", via) };
}

export async function createRoomAsHost(baseUrl: string): Promise<{ code: string; hostToken: string }> {
  const res = await fetch(`${baseUrl}/api/rooms`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  if (res.status !== 201) throw new Error(`create room: ${res.status} ${await res.text()}`);
  return (await res.json()) as { code: string; hostToken: string };
}

export async function startRecording(client: JamConnection): Promise<string> {
  const res = await client.startRecording();
  if (!res.ok) throw new Error(`recording:start: ${res.error.message}`);
  return res.data.id;
}

export async function stopRecording(client: JamConnection): Promise<void> {
  const res = await client.stopRecording();
  if (!res.ok) throw new Error(`recording:stop: ${res.error.message}`);
}

export async function health(baseUrl: string): Promise<{ status: number; body: { status: string; db: { ok: boolean; kind: string }; pendingWrites: number } }> {
  const res = await fetch(`${baseUrl}/api/health`);
  return { status: res.status, body: (await res.json()) as never };
}

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type HitKey = Pick<HitMsg, "seq" | "pad" | "velocity" | "strikeAtMs">;
const key = (h: HitKey) => ({ seq: h.seq, pad: h.pad, velocity: h.velocity, strikeAtMs: h.strikeAtMs });

/**
 * The stored recording holds exactly what each player struck: every hit (same
 * seq, pad, velocity, strike time), none twice, nobody else's.
 */
export async function expectEveryHitOnce(
  baseUrl: string,
  recordingId: string,
  players: { participantId: string; struck: HitMsg[]; unsynced?: ReadonlySet<number> }[],
): Promise<RecordingJson> {
  const res = await fetch(`${baseUrl}/api/recordings/${recordingId}`);
  expect(res.status).toBe(200);
  const rec = (await res.json()) as RecordingJson;
  const ids = new Set(players.map((p) => p.participantId));
  expect(rec.hits.filter((h) => !ids.has(h.participantId))).toEqual([]);
  for (const p of players) {
    const stored = rec.hits.filter((h) => h.participantId === p.participantId).map(key).sort((a, b) => a.seq - b.seq);
    let struck = p.struck.map(key).sort((a, b) => a.seq - b.seq);
    // Hits struck before a client's first clock sync (a reload while the server was down) are
    // retimed at it by the offset the sync found (JamConnection.sendUnsynced): one offset for
    // all of them, 0 when the processes' clocks agree (they may not: a restarted server's clock
    // starts from the wall clock, which the machine's time service may be slewing).
    if (p.unsynced && p.unsynced.size > 0) {
      const byStoredSeq = new Map(stored.map((h) => [h.seq, h.strikeAtMs]));
      const offsets = struck.filter((h) => p.unsynced!.has(h.seq) && byStoredSeq.has(h.seq)).map((h) => byStoredSeq.get(h.seq)! - h.strikeAtMs);
      const offset = offsets[0] ?? 0;
      // Equal up to the rounding of epoch-millisecond doubles: at ~1.8e12 ms one step of a double
      // is 2^-12 ms (0.24 µs), and strike + offset rounds to a neighbour of it now and then.
      for (const o of offsets) expect(Math.abs(o - offset), "pre-sync hits are retimed by one offset").toBeLessThan(1e-3);
      expect(Math.abs(offset), "the retime is a clock correction, not a move").toBeLessThan(100);
      struck = struck.map((h) => (p.unsynced!.has(h.seq) ? { ...h, strikeAtMs: byStoredSeq.get(h.seq) ?? h.strikeAtMs } : h));
    }
    const storedSeqs = stored.map((h) => h.seq);
    const dupes = storedSeqs.filter((s, i) => storedSeqs.indexOf(s) !== i);
    const storedSet = new Set(storedSeqs);
    const missing = struck.filter((h) => !storedSet.has(h.seq)).map((h) => h.seq);
    // Readable summary first, then the exact comparison.
    expect({ participant: p.participantId, duplicates: dupes, missing }).toEqual({ participant: p.participantId, duplicates: [], missing: [] });
    expect(stored).toEqual(struck);
  }
  return rec;
}
