/** Summarises a V8 .cpuprofile (from `node --cpu-prof`): self and inclusive time per function and per package. */
import { readFileSync } from "node:fs";

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** time not idle (everything but "(idle)") */
  busyMs: number;
  byPackage: { name: string; selfMs: number }[];
  topSelf: { name: string; selfMs: number }[];
  topInclusive: { name: string; inclusiveMs: number }[];
}

function where(url: string, root: string): string {
  if (!url) return "";
  const u = url.replace(/^file:\/\//, "");
  const nm = u.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = u.slice(nm + "/node_modules/".length).split("/");
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    return `${pkg}:${rest.slice(pkg.includes("/") ? 2 : 1).join("/")}`;
  }
  if (u.startsWith(root)) return u.slice(root.length + 1);
  if (u.startsWith("node:")) return u;
  return u;
}

function packageOf(url: string, root: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native: syscalls such as writev, V8 builtins)";
  const u = url.replace(/^file:\/\//, "");
  const nm = u.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = u.slice(nm + "/node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (u.startsWith("node:")) return "node core (" + u.slice(5).split("/")[0] + ")";
  if (u.startsWith(root)) return "backbeat: " + u.slice(root.length + 1).split("/")[0] + "/";
  return u;
}

/**
 * `window` (optional): [start, end] in microseconds of CLOCK_MONOTONIC (process.hrtime.bigint() / 1000
 * in any process on the machine: V8's profile timestamps use the same clock); samples outside are ignored.
 */
export function summariseProfile(path: string, root: string, top = 20, window?: [number, number]): ProfileSummary {
  const p = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map<number, CpuNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) byId.set(n.id, n);
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: CpuNode) => {
    const f = n.callFrame;
    const w = where(f.url, root);
    // Project files run through tsx: their line numbers are the transpiled ones, so leave them out.
    const line = w && (w.startsWith("node:") || f.url.includes("/node_modules/")) ? `:${f.lineNumber + 1}` : "";
    return `${f.functionName || "(anonymous)"}${w ? ` ${w}${line}` : ""}`;
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const pkg = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let ts = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    ts += p.timeDeltas[i] ?? 0;
    if (window && (ts < window[0] || ts > window[1])) continue;
    const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000; // a sample's time is until the next one
    const node = byId.get(p.samples[i]!);
    if (!node) continue;
    total += dt;
    if (node.callFrame.functionName === "(idle)") {
      idle += dt;
      continue;
    }
    const k = key(node);
    self.set(k, (self.get(k) ?? 0) + dt);
    const pk = packageOf(node.callFrame.url, root, node.callFrame.functionName);
    pkg.set(pk, (pkg.get(pk) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      if (n.callFrame.functionName === "(root)") break;
      // Event-loop and stream plumbing sits above everything: it would crowd the inclusive list.
      if (n.callFrame.url.startsWith("node:internal/") || n.callFrame.functionName === "runMicrotasks") continue;
      const kk = key(n);
      if (seen.has(kk)) continue;
      seen.add(kk);
      incl.set(kk, (incl.get(kk) ?? 0) + dt);
    }
  }
  const sorted = <T extends string>(m: Map<string, number>, field: T) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => ({ name, [field]: ms }) as { name: string } & Record<T, number>);
  return {
    totalMs: total,
    busyMs: total - idle,
    byPackage: sorted(pkg, "selfMs"),
    topSelf: sorted(self, "selfMs"),
    topInclusive: sorted(incl, "inclusiveMs"),
  };
}
