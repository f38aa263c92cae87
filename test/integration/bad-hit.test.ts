/**
 * Issue 12, "Data loss from one bad hit": one room member sends a hit the store
 * cannot hold (seq 2^31: the protocol used to accept up to 2^53, PostgreSQL's
 * seq column stops at 2^31 − 1) during a recording. Before the fix the flush
 * threw, the retry kept the whole batch, and 0 of another player's 20 hits were
 * ever stored.
 *
 * Real sockets against a real server on a free port with a real database
 * (SQLite always; PostgreSQL when TEST_DATABASE_URL is set):
 *  1. the bad hit is refused at the door with a clear error to its sender, and
 *     every other hit of that room and of another recording room is stored once;
 *  2. a row the database itself refuses (its sender's Participant row is gone:
 *     a foreign-key violation) is isolated: everyone else's hits are stored and
 *     acknowledged, the refused rows are dropped with a log after a few attempts,
 *     and the write queue ends empty.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { LIMITS, type ErrorMsg, type HitMsg } from "../../core/protocol";
import type { Hit } from "../../core/hit";
import { connect, createRoomAsHost, join, sleep, startTestServer, type Client, type TestServer } from "./helpers";

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || undefined;
const databases: { kind: string; url: string | undefined; skip: string | false }[] = [
  { kind: "sqlite", url: undefined, skip: false },
  { kind: "postgres", url: TEST_DATABASE_URL, skip: TEST_DATABASE_URL ? false : "TEST_DATABASE_URL is not set" },
];

const HITS_PER_PLAYER = 20;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function serverOn(databaseUrl: string | undefined, logs: string[]): Promise<TestServer> {
  const t = await startTestServer({ databaseUrl, log: (msg) => logs.push(msg) });
  cleanups.push(() => t.stop());
  return t;
}

async function player(t: TestServer, code: string, id: string, name: string, hostToken?: string): Promise<{ socket: Client; acked: Set<number>; errors: ErrorMsg[] }> {
  const socket = await connect(t.server.url);
  cleanups.push(() => void socket.close());
  const acked = new Set<number>();
  const errors: ErrorMsg[] = [];
  socket.on("hits:ack", ({ seqs }) => seqs.forEach((s) => acked.add(s)));
  socket.on("error", (e) => errors.push(e));
  await join(socket, code, id, name, hostToken);
  return { socket, acked, errors };
}

async function serverNow(s: Client): Promise<number> {
  return (await s.emitWithAck("sync:ping", { t0Ms: 0 })).t1Ms;
}

async function startRecording(s: Client): Promise<string> {
  const res = await s.emitWithAck("recording:start", {});
  if (!res.ok) throw new Error(res.error.message);
  return res.data.id;
}

/** Sends `n` hits (seq 1…n), 10 ms apart; returns what was sent. */
async function play(s: Client, n: number): Promise<HitMsg[]> {
  const sent: HitMsg[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const hit: HitMsg = { seq, pad: seq % 2 ? "kick" : "snare", velocity: seq / 32, strikeAtMs: await serverNow(s) };
    s.emit("hit", hit);
    sent.push(hit);
    await sleep(10);
  }
  return sent;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await sleep(25);
  return check();
}

async function storedHits(t: TestServer, recordingId: string): Promise<Hit[]> {
  const rec = await t.store.getRecording(recordingId);
  if (!rec) throw new Error(`recording ${recordingId} missing`);
  return rec.hits;
}

/** Every hit sent is stored once, with its values; nobody else's hits are in `hits` for that sender. */
function expectEachOnce(hits: Hit[], participantId: string, sent: HitMsg[]): void {
  const mine = hits.filter((h) => h.participantId === participantId);
  expect(mine.length, `${participantId}: ${mine.length} of ${sent.length} hits stored`).toBe(sent.length);
  expect(new Set(mine.map((h) => h.seq)).size).toBe(mine.length);
  const bySeq = new Map(mine.map((h) => [h.seq, h]));
  for (const h of sent) expect(bySeq.get(h.seq)).toEqual({ participantId, seq: h.seq, pad: h.pad, velocity: h.velocity, strikeAtMs: h.strikeAtMs });
}

/** Deletes a participant's row behind the server's back (as if its upsert had been lost). */
async function deleteParticipant(t: TestServer, id: string): Promise<void> {
  if (t.store.kind === "sqlite") {
    const db = new Database(t.databaseUrl.replace(/^file:/, ""));
    try {
      db.pragma("busy_timeout = 5000");
      expect(db.prepare(`DELETE FROM "Participant" WHERE id = ?`).run(id).changes).toBe(1);
    } finally {
      db.close();
    }
    return;
  }
  const url = new URL(t.databaseUrl);
  const schema = url.searchParams.get("schema")!;
  url.searchParams.delete("schema");
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    expect((await client.query(`DELETE FROM "${schema}"."Participant" WHERE id = $1`, [id])).rowCount).toBe(1);
  } finally {
    await client.end();
  }
}

for (const db of databases) {
  describe(`one bad hit loses nobody's hits (${db.kind})`, () => {
    it.skipIf(db.skip)(`a hit with seq 2**31 during a recording: refused with a reason, every other hit stored once${db.skip ? ` — skipped: ${db.skip}` : ""}`, async () => {
      const logs: string[] = [];
      const t = await serverOn(db.url, logs);
      const room = await createRoomAsHost(t.server.url);
      const other = await createRoomAsHost(t.server.url);
      const ada = await player(t, room.code, "badhit-ada-01", "Ada", room.hostToken);
      const bo = await player(t, room.code, "badhit-bo-002", "Bo");
      const cy = await player(t, other.code, "badhit-cy-003", "Cy", other.hostToken);
      const recordingId = await startRecording(ada.socket);
      const otherRecordingId = await startRecording(cy.socket);

      // The attack: the protocol's integer range, not the store's.
      bo.socket.emit("hit", { seq: 2 ** 31, pad: "kick", velocity: 0.5, strikeAtMs: await serverNow(bo.socket) });
      const boSent = await play(bo.socket, 1); // and one ordinary hit after it
      const [adaSent, cySent] = await Promise.all([play(ada.socket, HITS_PER_PLAYER), play(cy.socket, HITS_PER_PLAYER)]);

      const allAcked = () => adaSent.every((h) => ada.acked.has(h.seq)) && cySent.every((h) => cy.acked.has(h.seq)) && bo.acked.has(1);
      await until(allAcked, 5_000);
      const adaStored = (await storedHits(t, recordingId)).filter((h) => h.participantId === "badhit-ada-01").length;
      console.log(`[bad hit, ${db.kind}] ${adaStored} of ${HITS_PER_PLAYER} of another player's hits stored under attack`);
      expect([...ada.acked].sort((a, b) => a - b)).toEqual(adaSent.map((h) => h.seq));
      expect([...cy.acked].sort((a, b) => a - b)).toEqual(cySent.map((h) => h.seq));

      // The sender learns why, with the bound and the value.
      const refusal = bo.errors.find((e) => e.event === "hit");
      expect(refusal?.code).toBe("invalid_message");
      expect(refusal?.message).toContain(`[${LIMITS.seqMin}, ${LIMITS.seqMax}]`);
      expect(refusal?.message).toContain(String(2 ** 31));
      expect(ada.errors).toEqual([]);

      expect((await ada.socket.emitWithAck("recording:stop", {})).ok).toBe(true);
      expect((await cy.socket.emitWithAck("recording:stop", {})).ok).toBe(true);
      const hits = await storedHits(t, recordingId);
      expectEachOnce(hits, "badhit-ada-01", adaSent);
      expectEachOnce(hits, "badhit-bo-002", boSent); // Bo's own valid hit too
      expect(hits.length).toBe(adaSent.length + boSent.length);
      expectEachOnce(await storedHits(t, otherRecordingId), "badhit-cy-003", cySent);
      expect(t.server.rooms.pendingCount).toBe(0);
    });

    it.skipIf(db.skip)(`rows the database refuses are isolated and dropped after a few attempts; the others are stored${db.skip ? ` — skipped: ${db.skip}` : ""}`, async () => {
      const logs: string[] = [];
      const t = await serverOn(db.url, logs);
      const room = await createRoomAsHost(t.server.url);
      const ada = await player(t, room.code, "isolate-ada-1", "Ada", room.hostToken);
      const bo = await player(t, room.code, "isolate-bo-02", "Bo");
      const recordingId = await startRecording(ada.socket);
      await deleteParticipant(t, "isolate-bo-02"); // Bo's hits now violate the Hit → Participant foreign key

      const [adaSent, boSent] = await Promise.all([play(ada.socket, HITS_PER_PLAYER), play(bo.socket, 5)]);
      await until(() => adaSent.every((h) => ada.acked.has(h.seq)), 5_000);
      const adaStored = (await storedHits(t, recordingId)).filter((h) => h.participantId === "isolate-ada-1").length;
      console.log(`[refused rows, ${db.kind}] ${adaStored} of ${HITS_PER_PLAYER} of another player's hits stored while the database refused ${boSent.length} rows`);
      expect([...ada.acked].sort((a, b) => a - b)).toEqual(adaSent.map((h) => h.seq));

      // Bo's rows are retried a few times, then dropped with a log; not acknowledged (his outbox keeps them).
      expect(await until(() => t.server.rooms.pendingCount === 0, 20_000)).toBe(true);
      expect(bo.acked.size).toBe(0);
      expect(logs.some((l) => /dropp/i.test(l) && l.includes("isolate-bo-02"))).toBe(true);

      expect((await ada.socket.emitWithAck("recording:stop", {})).ok).toBe(true);
      const hits = await storedHits(t, recordingId);
      expectEachOnce(hits, "isolate-ada-1", adaSent);
      expect(hits.length).toBe(adaSent.length);
    }, 40_000);
  });
}
