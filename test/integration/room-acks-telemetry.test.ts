/**
 * Ack pacing and telemetry deltas in memory: stored hits are acknowledged at most once per
 * ACK_INTERVAL_MS per sender; a quality report reaches the others as a volatile `member:quality`
 * at most once per MEMBER_QUALITY_INTERVAL_MS per member (the latest figures), never as a
 * `room:state`, while views still carry the latest figures.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MEMBER_QUALITY_INTERVAL_MS } from "../../core/protocol";
import { ACK_INTERVAL_MS, ackPhaseMs } from "../../server/room/writer";
import { RoomHarness } from "../support/room-harness";

let h: RoomHarness;
afterEach(async () => {
  await h.stop();
});

describe("acks in memory", () => {
  it("acks outside a recording at the sender's phase (the first sender's: at once), then at most once per interval per sender, listing everything stored since", async () => {
    h = await RoomHarness.start();
    const { code } = await h.createRoom();
    const a = h.connect();
    const b = h.connect();
    await a.join(code, "rec-ada-0001", "Ada");
    await b.join(code, "rec-bo-00002", "Bo");
    a.do("hit", { seq: 1, pad: "kick", velocity: 0.5, strikeAtMs: h.clock.now() });
    await h.clock.advance(0);
    // nothing to store: acked at the sender's phase in the interval, which for the process's first sender is 0: at once
    expect(ackPhaseMs(0)).toBe(0);
    expect(a.received("hits:ack")).toEqual([{ seqs: [1] }]);
    expect(b.received("hit")).toHaveLength(1);

    expect((await a.do("recording:start", {})).ok).toBe(true);
    const base = h.clock.now();
    a.do("hit", { seq: 2, pad: "snare", velocity: 0.7, strikeAtMs: base + 5 });
    a.do("hit", { seq: 3, pad: "kick", velocity: 0.9, strikeAtMs: base + 155 });
    a.do("hit", { seq: 4, pad: "ride", velocity: 0.4, strikeAtMs: base + 305, resend: true });
    expect(b.received("hit")).toHaveLength(3); // re-sent hits are stored, not relayed
    await h.flush();
    await h.clock.advance(ACK_INTERVAL_MS - 1);
    expect(a.received("hits:ack")).toHaveLength(1); // paced: the last ack went out < ACK_INTERVAL_MS ago
    await h.clock.advance(1);
    expect(a.received("hits:ack")).toEqual([{ seqs: [1] }, { seqs: [2, 3, 4] }]);
    const stopped = await a.do("recording:stop", {});
    if (!stopped.ok) throw new Error(stopped.error.message);
    expect((await h.store.getRecording(stopped.data.id))!.hits.map((x) => x.seq)).toEqual([2, 3, 4]);
  });
  it("spreads senders' acks over the interval: hits stored by one flush do not make every sender's ack fall due at once", async () => {
    h = await RoomHarness.start();
    // 20 rooms of 2, every room recording, every player striking at the same moments (as a flush
    // stores them: all at once)
    const players: { conn: ReturnType<RoomHarness["connect"]>; id: string; seq: number }[] = [];
    for (let r = 0; r < 20; r++) {
      const { code } = await h.createRoom();
      for (let m = 0; m < 2; m++) {
        const id = `spread-${r}-${m}-0000`;
        const conn = h.connect();
        await conn.join(code, id, `P${r}${m}`);
        players.push({ conn, id, seq: 0 });
      }
      expect((await players[players.length - 2]!.conn.do("recording:start", {})).ok).toBe(true);
    }
    for (const p of players) p.conn.clear();
    /** fake-clock time of every ack, per player */
    const ackTimes = new Map<string, number[]>(players.map((p) => [p.id, []]));
    const counted = new Map<string, number>(players.map((p) => [p.id, 0]));
    const start = h.clock.now();
    for (let t = 0; t <= 4 * ACK_INTERVAL_MS; t += 10) {
      if (t % 100 === 0) for (const p of players) p.conn.do("hit", { seq: ++p.seq, pad: "kick", velocity: 0.5, strikeAtMs: h.clock.now() });
      if (t % 1000 === 0) await h.flush();
      await h.clock.advance(10);
      for (const p of players) {
        const n = p.conn.received("hits:ack").length;
        for (let i = counted.get(p.id)!; i < n; i++) ackTimes.get(p.id)!.push(h.clock.now() - start);
        counted.set(p.id, n);
      }
    }
    // at most a few of the 40 senders' acks share 10 ms, the first ones too
    const all = [...ackTimes.values()].flat();
    const per10ms = new Map<number, number>();
    for (const t of all) per10ms.set(Math.floor(t / 10), (per10ms.get(Math.floor(t / 10)) ?? 0) + 1);
    expect(all.length).toBeGreaterThan(3 * 40);
    expect(Math.max(...per10ms.values())).toBeLessThanOrEqual(3);
    for (const ts of ackTimes.values()) {
      // nobody starves: no hit waits longer than a flush and an interval for its ack
      expect(ts.length).toBeGreaterThanOrEqual(3);
      expect(ts[0]!).toBeLessThanOrEqual(1_000 + ACK_INTERVAL_MS + 10);
      // still paced (times are read every 10 ms)
      for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBeGreaterThanOrEqual(ACK_INTERVAL_MS - 10);
    }
  });

  it("ackPhaseMs spreads any number of senders evenly over the interval", () => {
    for (const n of [10, 100, 1000]) {
      const buckets = new Array(10).fill(0) as number[];
      for (let i = 0; i < n; i++) {
        const p = ackPhaseMs(i);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(ACK_INTERVAL_MS);
        buckets[Math.floor((p / ACK_INTERVAL_MS) * 10)]!++;
      }
      for (const b of buckets) expect(Math.abs(b - n / 10)).toBeLessThanOrEqual(Math.max(1, n / 50));
    }
  });
});

describe("telemetry as deltas in memory", () => {
  it("sends the others a member:quality when the figures move, coalesced per interval, never a room:state", async () => {
    h = await RoomHarness.start();
    const { code } = await h.createRoom();
    const a = h.connect();
    const b = h.connect();
    await a.join(code, "player-g-0007", "Gus");
    await b.join(code, "player-h-0008", "Hal");
    a.clear();
    b.clear();
    const listening = [{ from: "player-g-0007", delayMs: 31, oneWayMs: 22, jitterMs: 4, latePercent: 0.2, hits: 40 }];
    await b.do("quality", { rttMs: 12, clockErrorMs: 0.4, listening: [...listening, { from: "not-in-this-room", delayMs: 1, oneWayMs: 1, jitterMs: 1, latePercent: 0, hits: 1 }] });
    expect(a.received("member:quality")).toEqual([{ id: "player-h-0008", rttMs: 12, clockErrorMs: 0.4, listening, legs: null }]);
    expect(b.received("member:quality")).toEqual([]); // not the sender
    // Unchanged (< 1 ms of rtt): nothing. Changed within the interval: coalesced, the latest goes out when it allows.
    await b.do("quality", { rttMs: 12.5, clockErrorMs: 0.4, listening });
    await h.clock.advance(100);
    await b.do("quality", { rttMs: 20, clockErrorMs: 0.4, listening });
    await b.do("quality", { rttMs: 25, clockErrorMs: 0.4, listening });
    await h.clock.advance(MEMBER_QUALITY_INTERVAL_MS - 101);
    expect(a.received("member:quality")).toHaveLength(1);
    await h.clock.advance(1);
    expect(a.received("member:quality").map((q) => q.rttMs)).toEqual([12, 25]);
    expect(a.received("room:state")).toEqual([]);
    expect(b.received("room:state")).toEqual([]);
    // A view is complete: a late joiner sees the latest figures.
    const c = h.connect();
    const view = await c.join(code, "player-i-0009", "Ivy");
    expect(view.members.find((m) => m.id === "player-h-0008")).toMatchObject({ rttMs: 25, clockErrorMs: 0.4, listening });
    // A steady room: reports every 2 s that do not move send nothing at all.
    a.clear();
    for (let i = 0; i < 10; i++) {
      await b.do("quality", { rttMs: 25, clockErrorMs: 0.4, listening });
      await h.clock.advance(2_000);
    }
    expect(a.sent).toEqual([]);
  });
});
