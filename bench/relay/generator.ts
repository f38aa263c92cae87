/**
 * The load generator: a child process of bench/relay.ts, driven over IPC.
 * It speaks raw engine.io / socket.io frames over `ws` (no socket.io-client:
 * "40" to connect the namespace, `42["hit",{…}]` events, `42<id>[…]` with
 * acks, "3" answering the server's "2" pings) so that it stays light, and
 * measures relay latency on its own clock: each hit's `strikeAtMs` is the
 * send time (performance.timeOrigin + performance.now(), ≈ the server's shared
 * clock, so Backbeat accepts it), and a relayed hit's latency is receive
 * time − that stamp, with sub-millisecond precision. Every member of a room is
 * in the same generator process, so sender and receiver share one clock.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { WebSocket } from "ws";
import { PROTOCOL_VERSION } from "../../core/protocol";
import { PAD_IDS } from "../../core/kit";
import { HIST_BINS, histIndex, type FromGenerator, type GenRoom, type RunResult, type ServerKind, type ToGenerator } from "./shared";

const ORIGIN = performance.timeOrigin;
const clockMs = () => ORIGIN + performance.now();
const KEY = Buffer.from('"strikeAtMs":');
const CONNECT_CONCURRENCY = 100;
const SETUP_TIMEOUT_MS = 60_000;
const C_4 = 0x34;
const C_2 = 0x32;

interface Sock {
  ws: WebSocket;
  room: GenRoom;
  member: number;
  seq: number;
  /** another member of the same room: how many receivers each of its hits has */
  receivers: number;
}

const send = (msg: FromGenerator) => process.send!(msg);

let kind: ServerKind = "ws";
let socks: Sock[] = [];

// ---------- measurement state (the message handler is hot: plain module variables) ----------
let winStart = Infinity;
let winEnd = -Infinity;
let hist = new Uint32Array(HIST_BINS);
let received = 0;
let maxMs = 0;
let otherFrames = 0;
let errorFrames = 0;
let firstErrorFrame: string | null = null;
let disconnects = 0;
let measuring = false;

function onFrame(sock: Sock, data: Buffer): void {
  const n = data.length;
  if (kind !== "ws") {
    if (n === 1 && data[0] === C_2) {
      sock.ws.send("3"); // engine.io ping → pong
      return;
    }
    // 42["hit", …
    if (!(n > 8 && data[0] === C_4 && data[1] === C_2 && data[4] === 0x68 /* h */ && data[5] === 0x69 && data[6] === 0x74 && data[7] === 0x22)) {
      otherFrames++;
      if (n > 10 && data[0] === C_4 && data[1] === C_2 && data.indexOf('["error"') === 2) {
        errorFrames++;
        firstErrorFrame ??= data.toString("utf8", 0, Math.min(n, 300));
      }
      return;
    }
  }
  const at = data.indexOf(KEY, 8);
  if (at < 0) {
    otherFrames++;
    return;
  }
  const start = at + KEY.length;
  let end = start;
  while (end < n) {
    const c = data[end]!;
    if (c === 0x2c /* , */ || c === 0x7d /* } */) break;
    end++;
  }
  const stamp = +data.toString("latin1", start, end);
  if (stamp < winStart || stamp >= winEnd) return;
  const lat = clockMs() - stamp;
  hist[histIndex(lat)]!++;
  received++;
  if (lat > maxMs) maxMs = lat;
}

// ---------- setup ----------
function openOne(port: number, room: GenRoom, member: number): Promise<Sock> {
  return new Promise((resolve, reject) => {
    const url =
      kind === "ws"
        ? `ws://127.0.0.1:${port}/?room=${encodeURIComponent(room.code)}`
        : `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket&room=${encodeURIComponent(room.code)}`;
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      // Client frames must be masked; an all-zero mask saves the generator the random bytes.
      generateMask: () => undefined,
    });
    const sock: Sock = { ws, room, member, seq: 1, receivers: room.members.length - 1 };
    const timer = setTimeout(() => {
      fail(new Error(`socket ${room.code}/${member}: not ready after ${SETUP_TIMEOUT_MS} ms`));
    }, SETUP_TIMEOUT_MS);
    let done = false;
    const ok = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.removeAllListeners("message");
      ws.on("message", (data: Buffer) => onFrame(sock, data));
      resolve(sock);
    };
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    ws.on("error", (err) => fail(err));
    ws.on("close", () => fail(new Error(`socket ${room.code}/${member} closed during setup`)));
    if (kind === "ws") {
      ws.on("open", ok);
      return;
    }
    ws.on("message", (data: Buffer) => {
      const s = data.toString();
      if (s[0] === "0") ws.send("40"); // engine.io open → socket.io CONNECT to "/"
      else if (s === "2") ws.send("3");
      else if (s.startsWith("40")) {
        if (kind === "naive") {
          ws.send(`42${JSON.stringify(["join", room.code])}`);
          ok();
        } else {
          const join = { protocolVersion: PROTOCOL_VERSION, roomCode: room.code, participantId: room.members[member], name: `p${member}` };
          ws.send(`421${JSON.stringify(["join", join])}`);
        }
      } else if (s.startsWith("431[")) {
        const res = JSON.parse(s.slice(3)) as [{ ok: boolean; error?: { message: string } }];
        if (!res[0].ok) return fail(new Error(`join ${room.code}: ${res[0].error?.message}`));
        ok();
      } else if (s.startsWith("44")) fail(new Error(`connect refused: ${s.slice(0, 200)}`));
    });
  });
}

/** Backbeat: the first member of each room starts a recording (an already running one is fine). */
function startRecordingIn(sock: Sock): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = sock.ws;
    const timer = setTimeout(() => reject(new Error(`recording:start ${sock.room.code}: no ack`)), SETUP_TIMEOUT_MS);
    const listener = (data: Buffer) => {
      const s = data.toString();
      if (!s.startsWith("432[")) return;
      ws.off("message", listener);
      clearTimeout(timer);
      const res = JSON.parse(s.slice(3)) as [{ ok: boolean; error?: { code: string; message: string } }];
      if (res[0].ok || res[0].error?.code === "already_recording") resolve();
      else reject(new Error(`recording:start ${sock.room.code}: ${res[0].error?.message}`));
    };
    ws.on("message", listener);
    ws.send(`422${JSON.stringify(["recording:start", { title: "relay bench" }])}`);
  });
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function setup(msg: Extract<ToGenerator, { type: "setup" }>): Promise<void> {
  kind = msg.kind;
  const t0 = performance.now();
  const jobs = msg.rooms.flatMap((room) => room.members.map((_, member) => ({ room, member })));
  socks = [];
  let failures = 0;
  let firstError: string | null = null;
  // A room's members are opened one after the other, rooms in parallel.
  const byRoom = new Map<GenRoom, Sock[]>();
  await pool(jobs, CONNECT_CONCURRENCY, async ({ room, member }) => {
    try {
      const s = await openOne(msg.port, room, member);
      socks.push(s);
      const list = byRoom.get(room) ?? [];
      list.push(s);
      byRoom.set(room, list);
    } catch (err) {
      failures++;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
  });
  if (msg.startRecording) {
    const firsts = [...byRoom.values()].map((l) => l.find((s) => s.member === 0) ?? l[0]!);
    await pool(firsts, CONNECT_CONCURRENCY, async (s) => {
      try {
        await startRecordingIn(s);
      } catch (err) {
        failures++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    });
  }
  for (const s of socks) {
    s.ws.on("close", () => {
      if (measuring) disconnects++;
    });
  }
  // Interleave rooms in send order, so a room's members do not always send back to back.
  socks.sort((a, b) => a.member - b.member || (a.room.code < b.room.code ? -1 : 1));
  send({ type: "ready", sockets: socks.length, setupMs: performance.now() - t0, failures, firstError });
}

// ---------- run ----------
async function run(msg: Extract<ToGenerator, { type: "run" }>): Promise<void> {
  hist = new Uint32Array(HIST_BINS);
  received = 0;
  maxMs = 0;
  otherFrames = 0;
  errorFrames = 0;
  firstErrorFrame = null;
  disconnects = 0;
  for (const s of socks) s.seq = msg.seqBase;
  const n = socks.length;
  const t0 = performance.now();
  winStart = ORIGIN + t0 + msg.warmMs;
  winEnd = winStart + msg.measureMs;
  const totalMs = msg.warmMs + msg.measureMs;
  const perMs = (n * msg.hitsPerSecond) / 1000;
  let issued = 0;
  let sent = 0;
  let expected = 0;
  let pad = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let loopStarted = false;
  measuring = true;

  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      const elapsed = now - t0;
      if (!loopStarted && elapsed >= msg.warmMs) {
        loop.enable();
        loopStarted = true;
      }
      const target = Math.floor(Math.min(elapsed, totalMs) * perMs);
      while (issued < target) {
        const s = socks[issued % n]!;
        issued++;
        if (s.ws.readyState !== WebSocket.OPEN) continue;
        const stamp = clockMs();
        pad = (pad + 1) & 7;
        s.ws.send(`42["hit",{"seq":${s.seq++},"pad":"${PAD_IDS[pad]}","velocity":0.8,"strikeAtMs":${stamp}}]`);
        if (stamp >= winStart && stamp < winEnd) {
          sent++;
          expected += s.receivers;
        }
      }
      if (elapsed >= totalMs) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  loop.disable();
  // Drain: wait for the relayed copies of the window's hits (or give up after drainMs).
  const drainStart = performance.now();
  while (received < expected && performance.now() - drainStart < msg.drainMs) await new Promise((r) => setTimeout(r, 20));
  measuring = false;
  const res: RunResult = {
    type: "result",
    sent,
    expected,
    received,
    hist: Array.from(hist),
    maxMs,
    loopP99Ms: loop.count > 0 ? loop.percentile(99) / 1e6 : NaN,
    loopMaxMs: loop.count > 0 ? loop.max / 1e6 : NaN,
    otherFrames,
    errorFrames,
    firstErrorFrame,
    disconnects,
  };
  winStart = Infinity;
  winEnd = -Infinity;
  send(res);
}

async function teardown(): Promise<void> {
  await Promise.all(
    socks.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.ws.readyState === WebSocket.CLOSED) return resolve();
          s.ws.once("close", () => resolve());
          s.ws.terminate();
        }),
    ),
  );
  socks = [];
  send({ type: "closed" });
}

process.on("message", (msg: ToGenerator) => {
  const p = msg.type === "setup" ? setup(msg) : msg.type === "run" ? run(msg) : teardown();
  p.catch((err: unknown) => send({ type: "fatal", message: err instanceof Error ? err.stack ?? err.message : String(err) }));
});
process.on("disconnect", () => process.exit(0));
