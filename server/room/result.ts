/**
 * The one shape every room command answers with (and the socket adapter acks with):
 * `{ ok: true, data }` or `{ ok: false, error }` — never a bare error or null.
 */
import type { AckResult, ErrorCode, ErrorMsg } from "../../core/protocol";

export type Result<T> = AckResult<T>;
export type Failure = { ok: false; error: ErrorMsg };

export function ok<T>(data: T): Result<T> {
  return { ok: true, data };
}

/** The answer of commands with nothing to say; shared, so the hit path allocates none. */
export const OK_NULL: Result<null> = Object.freeze({ ok: true, data: null }) as Result<null>;

export function fail(code: ErrorCode, message: string, event?: string, details?: unknown): Failure {
  return { ok: false, error: details === undefined ? { code, message, event } : { code, message, event, details } };
}
