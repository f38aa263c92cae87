/**
 * A shared room link previews with the name the host gave the room (issue 14, "Room name"): the
 * room look-up (`GET /api/rooms/<code>`, which the page's metadata asks for link previewers)
 * answers the saved name — never a private room's, which is for those who know the passcode.
 * Real server, real sockets, SQLite.
 */
import { afterAll, describe, expect, it } from "vitest";
import { connect, join, sleep, startTestServer, type TestServer } from "./helpers";

let t: TestServer;
afterAll(async () => {
  await t?.stop();
});

async function createAs(baseUrl: string, body: object): Promise<{ code: string; hostToken: string }> {
  const res = await fetch(`${baseUrl}/api/rooms`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as { code: string; hostToken: string };
}

async function renamed(code: string, hostToken: string, name: string): Promise<void> {
  const s = await connect(t.server.url);
  await join(s, code, `host-${code}`.slice(0, 32), "Ada", hostToken);
  const res = await s.emitWithAck("room:rename", { name });
  expect(res.ok).toBe(true);
  // saved by the room's owner (persistence.ts): wait until the database has it
  for (let i = 0; i < 50 && !(await t.store.getRoom(code))?.stateJson?.includes(name); i++) await sleep(100);
  expect((await t.store.getRoom(code))?.stateJson).toContain(name);
  s.disconnect();
}

const lookup = async (code: string) => (await (await fetch(`${t.server.url}/api/rooms/${code}`)).json()) as { name?: string | null; private: boolean };

describe("room look-up for link previews", () => {
  it("answers the name the host gave an open room, null before one is given", async () => {
    t = await startTestServer();
    const room = await createAs(t.server.url, {});
    expect(await lookup(room.code)).toMatchObject({ private: false, name: null });
    await renamed(room.code, room.hostToken, "Friday jam");
    expect(await lookup(room.code)).toMatchObject({ private: false, name: "Friday jam" });
  });

  it("never answers a private room's name", async () => {
    const room = await createAs(t.server.url, { passcode: "drums4ever" });
    await renamed(room.code, room.hostToken, "Secret rehearsal");
    const answer = await lookup(room.code);
    expect(answer).toMatchObject({ private: true, name: null });
    expect(JSON.stringify(answer)).not.toContain("Secret");
  });
});
