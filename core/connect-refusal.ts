/**
 * Why the server refused a connection before it could join anything (too many
 * new or open connections from one address, or a pause after abuse): the `data`
 * of Socket.IO's `connect_error`, so a page can show the reason and knows when
 * to try again. Built by server/connection-limits.ts, read by the clients.
 */
import type { ErrorMsg } from "./protocol";

/** The longest wait a client honours (a longer one is cut to this): the abuse pause is a minute by default. */
const RETRY_AFTER_MAX_MS = 10 * 60_000;
const MESSAGE_MAX_CHARS = 300;

const CODES = ["rate_limited", "abuse"] as const;
/** new: too many new connections; open: too many open at once; abuse: paused after an `abuse` disconnect */
const REASONS = ["new", "open", "abuse"] as const;

export interface ConnectRefusal extends ErrorMsg {
  code: (typeof CODES)[number];
  message: string;
  details: { reason: (typeof REASONS)[number]; retryAfterMs: number };
}

/**
 * The refusal a `connect_error` carries, or null for every other failure
 * (network down, server restarting: Socket.IO retries those by itself, while
 * after a refusal it waits for the page to call `connect()` again).
 *
 * Checked by hand, not with zod: this runs in every page, and zod would be its only reason to
 * ship zod to the browser (docs/benchmarks/bundle.md).
 */
export function connectRefusalOf(err: unknown): ConnectRefusal | null {
  if (typeof err !== "object" || err === null) return null;
  const data = (err as { data?: unknown }).data;
  if (typeof data !== "object" || data === null) return null;
  const { code, message, details } = data as Record<string, unknown>;
  if (!CODES.includes(code as never) || typeof message !== "string" || message.length > MESSAGE_MAX_CHARS) return null;
  if (typeof details !== "object" || details === null) return null;
  const { reason, retryAfterMs } = details as Record<string, unknown>;
  if (!REASONS.includes(reason as never) || typeof retryAfterMs !== "number" || !Number.isFinite(retryAfterMs) || retryAfterMs < 0) return null;
  return {
    code: code as ConnectRefusal["code"],
    message,
    details: { reason: reason as ConnectRefusal["details"]["reason"], retryAfterMs: Math.min(retryAfterMs, RETRY_AFTER_MAX_MS) },
  };
}

/** When to connect again after a refusal: as asked, at least a second later, jittered so a room behind one NAT does not come back in one burst. */
export function reconnectAfterRefusalMs(refusal: ConnectRefusal, random: () => number): number {
  return Math.max(1_000, refusal.details.retryAfterMs) + Math.floor(random() * 1_000);
}
