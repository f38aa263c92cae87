import { Midi } from "@tonejs/midi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordingJson } from "../../core/http-api";
import { seededRng } from "../../core/rng";
import { recordingGrid } from "../../core/timeline";
import { startBackbeatServer } from "../../server/app";
import { ACK_INTERVAL_MS } from "../../server/room/writer";
import { openStore } from "../../server/storage";
import { connect, createRoom, join, nextEvent, sleep, startTestServer, tempSqliteUrl, type Client, type TestServer } from "./helpers";

const databases: [string, string | undefined][] = [["sqlite", undefined]];
if (process.env.TEST_DATABASE_URL) databases.push(["postgres", process.env.TEST_DATABASE_URL]);

async function serverNow(s: Client): Promise<number> {
  return (await s.emitWithAck("sync:ping", { t0Ms: 0 })).t1Ms;
}

describe.each(databases)("recordings (%s)", (_kind, databaseUrl) => {
  let t: TestServer;
  const sockets: Client[] = [];
  const open = async (url = t.server.url) => {
    const s = await connect(url);
    sockets.push(s);
    return s;
  };
  beforeAll(async () => {
    t = await startTestServer({ databaseUrl });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t.stop();
  });

  it("acks hits once stored, stores re-sent hits once without relaying them, and keeps hearings", async () => {
    const code = await createRoom(t.server.url);
    const a = await open();
    const b = await open();
    await join(a, code, "rec-ada-0001", "Ada");
    await join(b, code, "rec-bo-00002", "Bo");
    // Outside a recording, a hit is acked at once (nothing to store).
    const quickAck = nextEvent(a, "hits:ack");
    a.emit("hit", { seq: 1, pad: "kick", velocity: 0.5, strikeAtMs: await serverNow(a) });
    expect((await quickAck).seqs).toEqual([1]);

    const started = await a.emitWithAck("recording:start", {});
    if (!started.ok) throw new Error(started.error.message);
    expect(started.data.ownerToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const id = started.data.id;
    const base = await serverNow(a);
    let relayed = 0;
    b.on("hit", () => relayed++);
    const acks: number[] = [];
    a.on("hits:ack", (m) => acks.push(...m.seqs));
    a.emit("hit", { seq: 2, pad: "snare", velocity: 0.7, strikeAtMs: base + 5 });
    a.emit("hit", { seq: 3, pad: "kick", velocity: 0.9, strikeAtMs: base + 155 });
    a.emit("hit", { seq: 3, pad: "kick", velocity: 0.9, strikeAtMs: base + 155, resend: true });
    a.emit("hit", { seq: 4, pad: "ride", velocity: 0.4, strikeAtMs: base + 305, resend: true });
    // Acks come at most once per ACK_INTERVAL_MS per sender (the quick ack above was the last).
    const deadline = Date.now() + ACK_INTERVAL_MS + 1_000;
    while (new Set(acks).size < 3 && Date.now() < deadline) await sleep(20);
    expect(relayed).toBe(2); // re-sent hits are stored, not relayed
    expect([...new Set(acks)].sort()).toEqual([2, 3, 4]);

    // Hearings are kept like hits: acked once stored, so the listener can forget them; a re-sent
    // one is stored once; one from before the recording (nothing to store) is acked at once.
    const hearingAcks: string[] = [];
    b.on("hearings:ack", (m) => hearingAcks.push(...m.hearings.map((h) => `${h.from}#${h.seq}`)));
    const heard = await b.emitWithAck("heard", {
      hearings: [
        { from: "rec-ada-0001", seq: 1, strikeAtMs: base - 60_000, soundedAtMs: base - 59_950, late: false, skipped: false },
        { from: "rec-ada-0001", seq: 2, strikeAtMs: base + 5, soundedAtMs: base + 45, late: false, skipped: false },
        { from: "rec-ada-0001", seq: 3, strikeAtMs: base + 155, soundedAtMs: base + 190, late: true, skipped: false },
        { from: "rec-ada-0001", seq: 3, strikeAtMs: base + 155, soundedAtMs: base + 190, late: true, skipped: false },
      ],
    });
    expect(heard.ok).toBe(true);
    const ackDeadline = Date.now() + 5_000;
    while (new Set(hearingAcks).size < 3 && Date.now() < ackDeadline) await sleep(20);
    expect([...new Set(hearingAcks)].sort()).toEqual(["rec-ada-0001#1", "rec-ada-0001#2", "rec-ada-0001#3"]);
    // The listener re-sends after a reconnect (it had not seen the ack): still one row.
    expect((await b.emitWithAck("heard", { hearings: [{ from: "rec-ada-0001", seq: 2, strikeAtMs: base + 5, soundedAtMs: base + 45, late: false, skipped: false }] })).ok).toBe(true);
    expect((await b.emitWithAck("recording:stop", {})).ok).toBe(true);

    const rec = (await (await fetch(`${t.server.url}/api/recordings/${id}`)).json()) as RecordingJson;
    expect(rec.hits.map((h) => [h.seq, h.pad])).toEqual([
      [2, "snare"],
      [3, "kick"],
      [4, "ride"],
    ]);
    expect(rec.hearings).toEqual([
      { listenerId: "rec-bo-00002", senderId: "rec-ada-0001", seq: 2, soundedAtMs: base + 45, late: false, skipped: false },
      { listenerId: "rec-bo-00002", senderId: "rec-ada-0001", seq: 3, soundedAtMs: base + 190, late: true, skipped: false },
    ]);

    // Exports: JSON as a download, MIDI parsed by an independent library.
    const json = await fetch(`${t.server.url}/api/recordings/${id}?download=json`);
    expect(json.headers.get("content-disposition")).toMatch(/attachment; filename=".+\.json"/);
    const midiRes = await fetch(`${t.server.url}/api/recordings/${id}/midi`);
    expect(midiRes.headers.get("content-type")).toBe("audio/midi");
    const midi = new Midi(new Uint8Array(await midiRes.arrayBuffer()));
    const ada = midi.tracks.find((tr) => tr.name === "Ada")!;
    expect(ada.notes.map((n) => n.midi)).toEqual([38, 36, 51]);
    // Times agree within half a MIDI tick (960 PPQ at 100 BPM: a tick is 0.625 ms), counted
    // from the room's bar line at or before the recording start (the file's time 0).
    const grid = recordingGrid(rec);
    expect(grid.source).toBe("stored");
    const wantMs = rec.hits.map((h) => h.strikeAtMs - rec.startedAtMs - grid.originMs);
    ada.notes.forEach((n, i) => expect(Math.abs(n.time * 1000 - wantMs[i]!)).toBeLessThanOrEqual(0.32));
    expect((await fetch(`${t.server.url}/api/recordings/nope-nope/midi`)).status).toBe(404);

    // Rename and delete: only with the owner token.
    const patch = (token: string | null, body: unknown) =>
      fetch(`${t.server.url}/api/recordings/${id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    expect((await patch(null, { title: "Hijacked" })).status).toBe(403);
    expect((await patch("x".repeat(32), { title: "Hijacked" })).status).toBe(403);
    expect((await patch(started.data.ownerToken, { title: "" })).status).toBe(400);
    const listSeen = nextEvent(a, "room:state");
    expect((await patch(started.data.ownerToken, { title: "Dynamite in Nara" })).status).toBe(200);
    expect((await listSeen).recordings.find((r) => r.id === id)?.title).toBe("Dynamite in Nara");
    const del = (token: string | null) =>
      fetch(`${t.server.url}/api/recordings/${id}`, { method: "DELETE", headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await del("y".repeat(32))).status).toBe(403);
    expect((await del(started.data.ownerToken)).status).toBe(204);
    expect((await fetch(`${t.server.url}/api/recordings/${id}`)).status).toBe(404);
    expect((await del(started.data.ownerToken)).status).toBe(404);
  });
});

describe("a recording survives a server restart (sqlite)", () => {
  it("carries on with a recording that was open when the server went away", async () => {
    const tmp = tempSqliteUrl();
    const store1 = await openStore(tmp.url);
    const s1 = await startBackbeatServer({ store: store1, port: 0, host: "127.0.0.1", rng: seededRng(3), log: () => undefined });
    const code = await createRoom(s1.url);
    const a = await connect(s1.url);
    await join(a, code, "restart-ada01", "Ada");
    const started = await a.emitWithAck("recording:start", {});
    if (!started.ok) throw new Error("start failed");
    const base = await serverNow(a);
    a.emit("hit", { seq: 1, pad: "kick", velocity: 1, strikeAtMs: base + 1 });
    await nextEvent(a, "hits:ack");
    a.close();
    // Abrupt stop: no stopRecording.
    await s1.close();
    await store1.close();

    const store2 = await openStore(tmp.url);
    const s2 = await startBackbeatServer({ store: store2, port: 0, host: "127.0.0.1", rng: seededRng(4), log: () => undefined });
    try {
      const b = await connect(s2.url);
      const room = await join(b, code, "restart-ada01", "Ada");
      expect(room.recording?.id).toBe(started.data.id);
      b.emit("hit", { seq: 2, pad: "snare", velocity: 1, strikeAtMs: (await serverNow(b)) + 1 });
      await nextEvent(b, "hits:ack");
      expect((await b.emitWithAck("recording:stop", {})).ok).toBe(true);
      const rec = (await (await fetch(`${s2.url}/api/recordings/${started.data.id}`)).json()) as RecordingJson;
      expect(rec.hits.map((h) => h.seq)).toEqual([1, 2]);
      expect(rec.endedAtMs).not.toBeNull();
      b.close();
    } finally {
      await s2.close();
      await store2.close();
      tmp.cleanup();
    }
  });
});
