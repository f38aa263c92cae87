/**
 * `npm start` under a process manager (issue 12): a SIGTERM or SIGINT sent to
 * the started process must reach the server, which stops gracefully (every
 * pending hit written), and the started process must exit with it. Before, the
 * signal ended only scripts/start.mjs and the server kept running.
 *
 * scripts/start.mjs runs the server through scripts/forward-signals.mjs; here
 * that helper runs, exactly as start.mjs's last line does, the real server
 * without Next (test/support/api-server.ts: Next needs a production build,
 * which tests do not make) in a real child process on a temporary SQLite file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "../../core/protocol";
import { childPids } from "../support/procfs";
import { connect, createRoomAsHost, tempSqliteUrl } from "./helpers";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const HELPER = pathToFileURL(join(ROOT, "scripts", "forward-signals.mjs")).href;
const API_SERVER = join(ROOT, "test", "support", "api-server.ts");

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A process that runs `args` under node through the helper, as `npm start` runs the server. */
function startWrapped(args: string[], env: Record<string, string> = {}): { wrapper: ChildProcess; output: () => string; ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const script = `import { exitLikeChild, runForwardingSignals } from ${JSON.stringify(HELPER)};
exitLikeChild(await runForwardingSignals(process.execPath, ${JSON.stringify(args)}));`;
  const wrapper = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  wrapper.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  wrapper.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => wrapper.once("exit", (code, signal) => resolve({ code, signal })));
  cleanups.push(() => wrapper.kill("SIGKILL"));
  return { wrapper, output: () => output, ended };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the API server through the helper; resolves with its URL and the server's own pid. */
async function startServer(databaseUrl: string) {
  const run = startWrapped(["--import", "tsx", API_SERVER], { PORT: "0", HOST: "127.0.0.1", DATABASE_URL: databaseUrl, NODE_ENV: "test" });
  const port = await within(
    (async () => {
      for (;;) {
        const m = /backbeat-api ready on http:\/\/[^:]+:(\d+)/.exec(run.output());
        if (m) return Number(m[1]);
        if (run.wrapper.exitCode !== null) throw new Error(`exited before it was ready:\n${run.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })(),
    30_000,
    "server ready",
  );
  const [serverPid] = childPids(run.wrapper.pid!);
  if (!serverPid) throw new Error("no server process under the wrapper");
  cleanups.push(() => {
    if (alive(serverPid)) process.kill(serverPid, "SIGKILL");
  });
  return { ...run, url: `http://127.0.0.1:${port}`, serverPid };
}

describe("npm start passes stop signals to the server (scripts/forward-signals.mjs)", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} to the started process: the server writes its pending hits, stops, and the started process exits 0`, async () => {
      const db = tempSqliteUrl();
      cleanups.push(db.cleanup);
      const s = await startServer(db.url);
      const { code, hostToken } = await createRoomAsHost(s.url);
      const socket = await connect(s.url);
      cleanups.push(() => void socket.close());
      const joined = await socket.emitWithAck("join", { protocolVersion: PROTOCOL_VERSION, roomCode: code, participantId: "signal-ada-01", name: "Ada", hostToken });
      expect(joined.ok).toBe(true);
      const rec = await socket.emitWithAck("recording:start", {});
      if (!rec.ok) throw new Error(rec.error.message);
      const { t1Ms } = await socket.emitWithAck("sync:ping", { t0Ms: 0 });
      for (let seq = 1; seq <= 20; seq++) socket.emit("hit", { seq, pad: "kick", velocity: 0.5, strikeAtMs: t1Ms + seq });
      await socket.emitWithAck("sync:ping", { t0Ms: 0 }); // the server has read every hit (one socket: in order)

      s.wrapper.kill(signal); // what a process manager does: signal the process it started, only that one
      const end = await within(s.ended, 15_000, `the started process to exit after ${signal}\n${s.output()}`);
      expect(end).toEqual({ code: 0, signal: null });
      expect(alive(s.serverPid)).toBe(false);
      expect(s.output()).toContain(`${signal}: shutting down`);

      const file = new Database(db.url.replace(/^file:/, ""), { readonly: true });
      try {
        const n = (file.prepare(`SELECT COUNT(*) AS n FROM "Hit" WHERE recordingId = ?`).get(rec.data.id) as { n: number }).n;
        expect(n).toBe(20); // the graceful stop flushed them
      } finally {
        file.close();
      }
    }, 60_000);
  }

  it("exits with the child's exit code, or by the signal that killed it", async () => {
    const three = startWrapped(["-e", "process.exit(3)"]);
    expect(await within(three.ended, 10_000, "exit 3")).toEqual({ code: 3, signal: null });
    const killed = startWrapped(["-e", "process.kill(process.pid, 'SIGKILL')"]);
    expect(await within(killed.ended, 10_000, "killed")).toEqual({ code: null, signal: "SIGKILL" });
  });
});
