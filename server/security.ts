/**
 * HTTP hardening shared by every response the custom server sends (API and
 * Next pages): security headers with a Content-Security-Policy that allows what
 * the app needs and nothing more, and same-origin checks for state-changing API
 * requests and for the Socket.IO handshake.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface SecurityOptions {
  /** Next dev mode (NODE_ENV=development): HMR needs 'unsafe-eval' */
  dev?: boolean;
  /**
   * Extra origins (scheme://host[:port]) allowed besides the server's own host,
   * e.g. when a reverse proxy rewrites the Host header.
   */
  allowedOrigins?: readonly string[];
}

/** A Host header we are willing to echo into the policy (no spaces, quotes, semicolons…). */
const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The policy, directive by directive:
 * - script-src 'self' 'unsafe-inline': Next's App Router inlines its bootstrap and
 *   the RSC payload as inline <script> tags (`self.__next_f.push(…)`) in every page.
 *   A per-request nonce would need every page rendered dynamically (Next reads the
 *   nonce from the request's CSP header only while rendering), but the landing page
 *   is prerendered at build time and served as static HTML, which cannot carry a
 *   per-request nonce. So inline scripts are allowed — for scripts only; React
 *   escapes all user text (names, titles), so no user input ever becomes markup.
 *   Never 'unsafe-eval' in production (the built chunks contain no eval); dev mode
 *   needs it for hot reload.
 * - style-src 'unsafe-inline': React `style={…}` attributes are used throughout.
 * - img-src data: blob: — the room QR code is a data: URL; media-src blob: — the
 *   WAV export is played/downloaded from a blob: URL.
 * - worker-src blob: — the audio library (Tone.js) runs its clock in a blob: worker.
 * - connect-src 'self' plus ws(s):// of this host: Socket.IO (and, in dev, HMR)
 *   use a same-host WebSocket; older Safari does not match ws: against 'self'.
 * - frame-ancestors 'none' (no clickjacking), base-uri/form-action 'self',
 *   object-src 'none'; everything else falls back to default-src 'self'.
 */
export function contentSecurityPolicy(opts: { dev?: boolean; host?: string }): string {
  const host = opts.host && SAFE_HOST.test(opts.host) ? opts.host : null;
  const connect = ["'self'", ...(host ? [`ws://${host}`, `wss://${host}`] : [])];
  const script = ["'self'", "'unsafe-inline'", ...(opts.dev ? ["'unsafe-eval'"] : [])];
  return [
    "default-src 'self'",
    `script-src ${script.join(" ")}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src ${connect.join(" ")}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join("; ");
}

/** Web MIDI for drum kits on this origin; the powerful features the app never uses are off. */
export const PERMISSIONS_POLICY = [
  "midi=(self)",
  "camera=()",
  "microphone=()",
  "geolocation=()",
  "payment=()",
  "usb=()",
  "serial=()",
  "hid=()",
  "bluetooth=()",
  "display-capture=()",
  "browsing-topics=()",
].join(", ");

/** Sets the security headers on a response (before anything is written). */
export function setSecurityHeaders(req: IncomingMessage, res: ServerResponse, opts: SecurityOptions = {}): void {
  const host = typeof req.headers.host === "string" ? req.headers.host : undefined;
  res.setHeader("Content-Security-Policy", contentSecurityPolicy({ dev: opts.dev, host }));
  res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY"); // for browsers without frame-ancestors
  res.setHeader("Permissions-Policy", PERMISSIONS_POLICY);
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
}

/**
 * Whether the request's Origin (if any) is this server's own: same host as the
 * Host header (scheme not compared, so a TLS-terminating proxy still works) or
 * one of `allowedOrigins`. No Origin header (curl, tests, same-origin GETs) is
 * allowed: browsers always send Origin on cross-origin POST/PATCH/DELETE and on
 * WebSocket handshakes.
 */
export function originAllowed(req: IncomingMessage, allowedOrigins: readonly string[] = []): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (typeof origin !== "string" || origin === "null") return false;
  if (allowedOrigins.includes(origin)) return true;
  let originHost: string;
  try {
    const u = new URL(origin);
    if (u.protocol !== "http:" && u.protocol !== "https:") return false;
    originHost = u.host.toLowerCase();
  } catch {
    return false;
  }
  const host = req.headers.host?.toLowerCase();
  if (!host) return false;
  // URL drops default ports (http://h:80 → h); the Host header may keep them.
  return originHost === host || originHost === host.replace(/:(80|443)$/, "");
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Answers 403 to a cross-origin state-changing request; returns true when it did. */
export function rejectCrossOriginWrite(req: IncomingMessage, res: ServerResponse, allowedOrigins?: readonly string[]): boolean {
  if (!STATE_CHANGING.has(req.method ?? "") || originAllowed(req, allowedOrigins)) return false;
  const body = JSON.stringify({ error: "forbidden_origin", message: "Cross-origin requests may not change anything here." });
  res.writeHead(403, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
  res.end(body);
  return true;
}
