/**
 * Runs test/support/api-server.ts (the Backbeat server without Next) as a real
 * child process, so a test can SIGKILL it and start it again on the same port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), "api-server.ts");
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface ApiServerProcess {
  readonly url: string;
  readonly port: number;
  /** everything the child wrote to stdout/stderr, across restarts (for failure messages) */
  readonly output: string;
  readonly pid: number | undefined;
  /** `kill -9`: no flush, no goodbye. Resolves when the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful: flushes pending hits). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same database. */
  restart(): Promise<void>;
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts the server on `port` (0: any free port, then kept for restarts).
 * Resolves once it printed its ready line (migrations done, listening).
 */
export async function spawnApiServer(opts: { databaseUrl: string; port?: number; env?: NodeJS.ProcessEnv; startTimeoutMs?: number }): Promise<ApiServerProcess> {
  let output = "";
  let child: ChildProcess | null = null;
  let port = opts.port ?? 0;
  // With REDIS_URL, per-address limits count in Redis: each server (and its restarts) gets a
  // namespace of its own unless the test passes one, so test runs sharing a Redis never spend
  // each other's budgets for 127.0.0.1.
  const rateLimitNamespace = `test-${randomBytes(6).toString("hex")}`;

  const start = async () => {
    const c = spawn(process.execPath, ["--import", "tsx", ENTRY], {
      cwd: ROOT,
      env: { RATE_LIMIT_NAMESPACE: rateLimitNamespace, ...process.env, ...opts.env, NODE_ENV: "test", PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: opts.databaseUrl },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = c;
    c.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    let seen = "";
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`api server did not start within ${opts.startTimeoutMs ?? 30_000} ms:\n${output}`)), opts.startTimeoutMs ?? 30_000);
      c.stdout?.on("data", (d: Buffer) => {
        const s = d.toString();
        output += s;
        seen += s;
        const m = /backbeat-api ready on http:\/\/[^:]+:(\d+)/.exec(seen);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      c.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`api server exited (${code ?? signal}) before it was ready:\n${output}`));
      });
    });
  };
  await start();

  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get output() {
      return output;
    },
    get pid() {
      return child?.pid;
    },
    async kill9() {
      const c = child;
      if (!c) return;
      const gone = waitExit(c);
      c.kill("SIGKILL");
      await gone;
      output += `\n--- SIGKILL (pid ${c.pid}) ---\n`;
    },
    async stop() {
      const c = child;
      if (!c) return;
      const gone = waitExit(c);
      c.kill("SIGTERM");
      const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
      await gone;
      clearTimeout(timer);
    },
    async restart() {
      const c = child;
      if (c && c.exitCode === null && c.signalCode === null) throw new Error("restart: the server is still running");
      // The port was freed when the process died; a moment of TIME_WAIT does not block listen on Linux.
      await start();
    },
  };
}
