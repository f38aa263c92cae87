/**
 * Why the server refused a connection before it could join anything (too many
 * new or open connections from one address, or a pause after abuse): the `data`
 * of Socket.IO's `connect_error`, so a page can show the reason and knows when
 * to try again. Built by server/connection-limits.ts, read by the clients.
 */
import { z } from "zod";
import type { ErrorMsg } from "./protocol";

/** The longest wait a client honours (a longer one is cut to this): the abuse pause is a minute by default. */
const RETRY_AFTER_MAX_MS = 10 * 60_000;

export const connectRefusalSchema = z.object({
  code: z.enum(["rate_limited", "abuse"]),
  message: z.string().max(300),
  details: z.object({
    /** new: too many new connections; open: too many open at once; abuse: paused after an `abuse` disconnect */
    reason: z.enum(["new", "open", "abuse"]),
    retryAfterMs: z
      .number()
      .finite()
      .min(0)
      .transform((ms) => Math.min(ms, RETRY_AFTER_MAX_MS)),
  }),
});

export type ConnectRefusal = z.infer<typeof connectRefusalSchema> & ErrorMsg;

/**
 * The refusal a `connect_error` carries, or null for every other failure
 * (network down, server restarting: Socket.IO retries those by itself, while
 * after a refusal it waits for the page to call `connect()` again).
 */
export function connectRefusalOf(err: unknown): ConnectRefusal | null {
  if (typeof err !== "object" || err === null) return null;
  const parsed = connectRefusalSchema.safeParse((err as { data?: unknown }).data);
  return parsed.success ? parsed.data : null;
}

/** When to connect again after a refusal: as asked, at least a second later, jittered so a room behind one NAT does not come back in one burst. */
export function reconnectAfterRefusalMs(refusal: ConnectRefusal, random: () => number): number {
  return Math.max(1_000, refusal.details.retryAfterMs) + Math.floor(random() * 1_000);
}
