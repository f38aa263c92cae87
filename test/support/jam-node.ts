/**
 * The real client (app/lib/connection/jam-connection.ts) in Node, for the integration and fault
 * tests and the benchmarks: a Map for localStorage (a new connection over the same storage is a
 * page reload), this machine's monotonic epoch clock as the local clock (the server's clock too
 * when both run here, so strike times are right even before clock sync has converged), and waits
 * for joins and acks.
 */
import { JamConnection, type JamConnectionOptions } from "../../app/lib/connection/jam-connection";
import type { KeyValueStorage } from "../../app/lib/outbox";

/** localStorage stand-in; `map` is exposed for assertions. */
export function mapStorage(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k),
  };
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

export type NodeConnectionOptions = Omit<JamConnectionOptions, "now" | "storage"> & Partial<Pick<JamConnectionOptions, "now" | "storage">>;

/** A JamConnection as a page would make it, with Node stand-ins for what the browser provides. */
export function nodeConnection(opts: NodeConnectionOptions): JamConnection {
  return new JamConnection({ now: epochNow, storage: mapStorage(), ...opts });
}

/** Resolves at the next successful join once more than `after` joins happened (at once if already so). */
export function joined(conn: JamConnection, after = 0, timeoutMs = 20_000): Promise<void> {
  const done = () => conn.stats.joins > after && conn.status.kind === "joined";
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${conn.participantId}: no join within ${timeoutMs} ms (status ${JSON.stringify(conn.status)}, last error ${JSON.stringify(conn.snapshot.error)})`));
    }, timeoutMs);
    const off = conn.subscribe(() => {
      if (!done()) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** Resolves once every struck hit is acknowledged while joined (rejects after `timeoutMs`). */
export async function drained(conn: JamConnection, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (conn.unackedHits > 0 || conn.status.kind !== "joined") {
    if (Date.now() > deadline) {
      throw new Error(`${conn.participantId}: ${conn.unackedHits} hits still unacknowledged after ${timeoutMs} ms (status ${conn.status.kind})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
