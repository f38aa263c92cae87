/** Starts the real production server (built Next app + Socket.IO + SQLite) as a child process. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export class AppServer {
  private child: ChildProcess | null = null;
  readonly databaseUrl: string;
  output = "";
  constructor(
    /** 0: a free port, chosen when it starts */
    public port: number = 0,
    databaseUrl?: string,
    /** extra environment, e.g. { WORKERS: "2" } */
    private readonly env: Record<string, string> = {},
  ) {
    this.databaseUrl = databaseUrl ?? `file:${join(mkdtempSync(join(tmpdir(), "backbeat-e2e-")), "e2e.db")}`;
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
      env: { ...process.env, NODE_ENV: "production", PORT: String(this.port), HOST: "127.0.0.1", DATABASE_URL: this.databaseUrl, NEXT_TELEMETRY_DISABLED: "1", ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/api/health`);
        if (res.ok) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`server did not become healthy:\n${this.output}`);
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill(signal);
    });
    this.child = null;
  }
}
