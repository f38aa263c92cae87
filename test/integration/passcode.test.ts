/**
 * Private rooms: a passcode set at creation (only its hash stored), asked of
 * everyone but the host, and a per-room limit on wrong guesses. Real server,
 * real socket.io-client, SQLite (and PostgreSQL with TEST_DATABASE_URL); a
 * second server sharing the database asks for the same passcode (across servers
 * behind nginx: test/integration/multi-node.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION, type JoinMsg } from "../../core/protocol";
import { seededRng } from "../../core/rng";
import { startBackbeatServer } from "../../server/app";
import { openStore } from "../../server/storage";
import { connect, nextEvent, startTestServer, type Client, type TestServer } from "./helpers";

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || undefined;
const databases: [string, string | undefined][] = [["sqlite", undefined]];
if (TEST_DATABASE_URL) databases.push(["postgres", TEST_DATABASE_URL]);

const PASSCODE = "drum & bass 42";

/** `passcode: null` creates a public room. */
async function createPrivateRoom(baseUrl: string, passcode: string | null = PASSCODE): Promise<{ code: string; hostToken: string; private: boolean }> {
  const res = await fetch(`${baseUrl}/api/rooms`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(passcode === null ? {} : { passcode }) });
  if (res.status !== 201) throw new Error(`create room: ${res.status} ${await res.text()}`);
  return (await res.json()) as { code: string; hostToken: string; private: boolean };
}

function tryJoin(socket: Client, msg: Omit<JoinMsg, "protocolVersion" | "name"> & { name?: string }) {
  return socket.emitWithAck("join", { protocolVersion: PROTOCOL_VERSION, name: msg.participantId.slice(0, 8), ...msg });
}

/** The error code of a join (null when it succeeded). */
async function joinError(socket: Client, msg: Parameters<typeof tryJoin>[1]): Promise<string | null> {
  const res = await tryJoin(socket, msg);
  return res.ok ? null : res.error.code;
}

describe.each(databases)("private rooms (%s)", (_kind, databaseUrl) => {
  let t: TestServer;
  const sockets: Client[] = [];
  const open = async (url = t.server.url) => {
    const s = await connect(url);
    sockets.push(s);
    return s;
  };
  beforeAll(async () => {
    t = await startTestServer({ databaseUrl, seed: 606 });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t.stop();
  });

  it("stores only a salted hash, and no endpoint or room state reveals it", async () => {
    const room = await createPrivateRoom(t.server.url);
    expect(room.private).toBe(true);
    const stored = await t.store.getRoom(room.code);
    expect(stored?.passcodeHash).toMatch(/^scrypt\$/);
    // not the passcode in any form: a random salt holds "42" about 2% of the time (this once failed CI), "bass" practically never
    expect(stored?.passcodeHash).not.toContain(PASSCODE);
    expect(stored?.passcodeHash).not.toContain("bass");
    expect(stored?.passcodeHash).not.toContain(Buffer.from(PASSCODE).toString("base64url").slice(0, 8));
    const info = await fetch(`${t.server.url}/api/rooms/${room.code}`);
    const text = await info.text();
    expect(JSON.parse(text)).toMatchObject({ code: room.code, private: true });
    expect(text).not.toMatch(/scrypt|passcodeHash/);

    const host = await open();
    const joined = await tryJoin(host, { roomCode: room.code, participantId: "host-pass-01", hostToken: room.hostToken });
    if (!joined.ok) throw new Error(joined.error.message);
    expect(joined.data.room.private).toBe(true);
    expect(JSON.stringify(joined.data.room)).not.toMatch(/scrypt|passcode/i);

    // A public room stays open to anyone with the link.
    const pub = await createPrivateRoom(t.server.url, null);
    expect(pub.private).toBe(false);
    const anyone = await open();
    const res = await tryJoin(anyone, { roomCode: pub.code, participantId: "anyone-0001" });
    expect(res.ok && res.data.room.private).toBe(false);
  });

  it("refuses passcodes that are too short or too long when creating", async () => {
    for (const passcode of ["abc", "    ab   ", "x".repeat(65)]) {
      const res = await fetch(`${t.server.url}/api/rooms`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ passcode }) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe("invalid_request");
    }
  });

  it("asks a guest for the passcode, refuses a wrong one, lets the right one in; the host needs none", async () => {
    const { code, hostToken } = await createPrivateRoom(t.server.url);
    const host = await open();
    expect(await joinError(host, { roomCode: code, participantId: "host-pass-02", hostToken })).toBeNull();

    const guest = await open();
    const seatKey = "guest-seat-key-0000000002";
    const missing = await tryJoin(guest, { roomCode: code, participantId: "guest-pass-02", seatKey });
    expect(!missing.ok && missing.error).toMatchObject({ code: "passcode_required", event: "join" });
    expect(await joinError(guest, { roomCode: code, participantId: "guest-pass-02", seatKey, passcode: "" })).toBe("passcode_required");
    const wrong = await tryJoin(guest, { roomCode: code, participantId: "guest-pass-02", seatKey, passcode: "drum & bass 43" });
    expect(!wrong.ok && wrong.error).toMatchObject({ code: "wrong_passcode", message: "Wrong passcode for this room." });
    const lurker = await open();
    expect(await joinError(lurker, { roomCode: code, participantId: "lurker-pass-02", passcode: "guess-guess" })).toBe("wrong_passcode");

    // Surrounding spaces do not matter (the landing page trims too).
    const right = await tryJoin(guest, { roomCode: code, participantId: "guest-pass-02", seatKey, passcode: `  ${PASSCODE} ` });
    if (!right.ok) throw new Error(right.error.message);
    // Refused joins left no trace: the lurker is not a member.
    expect(right.data.room.members.map((m) => m.id).sort()).toEqual(["guest-pass-02", "host-pass-02"]);
    const heard = nextEvent(guest, "hit");
    host.emit("hit", { seq: 1, pad: "snare", velocity: 0.9, strikeAtMs: (await host.emitWithAck("sync:ping", { t0Ms: 0 })).t1Ms });
    expect(await heard).toMatchObject({ from: "host-pass-02", pad: "snare" });

    // A reconnect of the same tab (same seat key) needs no passcode; another tab claiming the id does.
    const again = await open();
    expect(await joinError(again, { roomCode: code, participantId: "guest-pass-02", seatKey })).toBeNull();
    const thief = await open();
    expect(await joinError(thief, { roomCode: code, participantId: "guest-pass-02", seatKey: "not-the-guest-seat-key-00" })).toBe("passcode_required");
    // A wrong host token is no way in either.
    expect(await joinError(thief, { roomCode: code, participantId: "fake-host-01", hostToken: "x".repeat(32) })).toBe("passcode_required");
  });

  it("after 10 wrong passcodes in a minute refuses that room's guesses with a retry-after; the host, seated members and other rooms are unaffected", async () => {
    const { code, hostToken } = await createPrivateRoom(t.server.url);
    const other = await createPrivateRoom(t.server.url);
    const member = await open();
    const memberSeat = "member-seat-key-000000003";
    expect(await joinError(member, { roomCode: code, participantId: "member-pass-3", seatKey: memberSeat, passcode: PASSCODE })).toBeNull();

    const attacker = await open();
    const guesses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => joinError(attacker, { roomCode: code, participantId: "attacker-0003", passcode: `guess-${i}` })),
    );
    expect(guesses).toEqual(Array(10).fill("wrong_passcode"));
    // The 11th attempt is refused before it is checked, even with the right passcode.
    const locked = await tryJoin(attacker, { roomCode: code, participantId: "attacker-0003", passcode: PASSCODE });
    expect(!locked.ok && locked.error).toMatchObject({ code: "rate_limited", event: "join" });
    const retryAfterMs = (!locked.ok && (locked.error.details as { retryAfterMs: number }).retryAfterMs) || 0;
    expect(retryAfterMs).toBeGreaterThan(50_000);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(!locked.ok && locked.error.message).toMatch(/try again in \d+ s/);
    // Asking without a passcode is not a guess: the form is still offered.
    expect(await joinError(attacker, { roomCode: code, participantId: "attacker-0003" })).toBe("passcode_required");

    const host = await open();
    expect(await joinError(host, { roomCode: code, participantId: "host-pass-03", hostToken })).toBeNull();
    const back = await open();
    expect(await joinError(back, { roomCode: code, participantId: "member-pass-3", seatKey: memberSeat })).toBeNull();
    const elsewhere = await open();
    expect(await joinError(elsewhere, { roomCode: other.code, participantId: "guest-other-3", passcode: PASSCODE })).toBeNull();
  });

  it("rejects an oversized passcode in a join as an invalid message", async () => {
    const { code } = await createPrivateRoom(t.server.url);
    const s = await open();
    expect(await joinError(s, { roomCode: code, participantId: "long-pass-04", passcode: "x".repeat(65) })).toBe("invalid_message");
  });

  // Two servers on one database: PostgreSQL, or one SQLite file on one machine (as WORKERS=N does).
  it("a second server sharing the database asks for the same passcode (the hash comes from the database)", async () => {
    // migrated already by the first (as a WORKERS=N primary does before forking)
    const store2 = await openStore(t.databaseUrl, { migrate: false });
    const server2 = await startBackbeatServer({ store: store2, port: 0, host: "127.0.0.1", rng: seededRng(607), log: () => undefined });
    try {
      const { code } = await createPrivateRoom(t.server.url);
      const s = await open(server2.url);
      expect(await joinError(s, { roomCode: code, participantId: "second-srv-05" })).toBe("passcode_required");
      expect(await joinError(s, { roomCode: code, participantId: "second-srv-05", passcode: "nope-nope" })).toBe("wrong_passcode");
      expect(await joinError(s, { roomCode: code, participantId: "second-srv-05", passcode: PASSCODE })).toBeNull();
      const info = (await (await fetch(`${server2.url}/api/rooms/${code}`)).json()) as { private: boolean };
      expect(info.private).toBe(true);
    } finally {
      await server2.close();
      await store2.close();
    }
  });
});
