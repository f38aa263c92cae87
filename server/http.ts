/** The JSON API served by the custom server before requests reach Next. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createHash, timingSafeEqual } from "node:crypto";
import type { z } from "zod";
import { recordingToMidi } from "../core/midi";
import { roomCodeSchema } from "../core/protocol";
import { createRoomRequestSchema, renameRecordingSchema, type RecordingJson, type RecordingSummaryJson } from "../core/http-api";
import { limitMessage, type AddressLimiter, type BudgetName } from "./address-limits";
import type { RoomService } from "./room/service";
import { roomNameOf } from "./room/snapshot";
import { rejectCrossOriginWrite } from "./security";
import type { Store } from "./store";
import { exportFileName } from "../core/export-name";

export interface ApiDeps {
  store: Store;
  rooms: RoomService;
  startedAt: Date;
  /** origins besides the server's own host allowed to POST/PATCH/DELETE (see server/security.ts) */
  allowedOrigins?: readonly string[];
  /** per-address limits (server/address-limits.ts; the ConnectionGate has both); none without */
  limits?: { readonly limiter: AddressLimiter; keyOf(req: IncomingMessage): string };
  /**
   * The secret of this server's own page rendering (INTERNAL_REQUEST_HEADER): the replay page
   * asks the API for every link preview from 127.0.0.1, which must not spend one address's budget.
   */
  internalToken?: string;
}

/** Sent by the server's own pages (app/replay/[id]/page.tsx) with BACKBEAT_INTERNAL_TOKEN. */
export const INTERNAL_REQUEST_HEADER = "x-backbeat-internal";

function isInternal(req: IncomingMessage, token: string | undefined): boolean {
  const given = req.headers[INTERNAL_REQUEST_HEADER];
  if (!token || typeof given !== "string") return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage, maxBytes = 4096): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > maxBytes) throw new Error(`body larger than ${maxBytes} bytes`);
    chunks.push(b);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  return text === "" ? {} : JSON.parse(text);
}

/** Reads and validates a JSON body; on bad input answers 400 itself and returns null. */
async function readValid<T>(req: IncomingMessage, res: ServerResponse, schema: z.ZodType<T>): Promise<T | null> {
  let body: unknown;
  try {
    body = await readJson(req);
  } catch (err) {
    sendJson(res, 400, { error: "invalid_json", message: err instanceof Error ? err.message : "bad body" });
    return null;
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    sendJson(res, 400, { error: "invalid_request", message: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });
    return null;
  }
  return parsed.data;
}

/**
 * Spends (or, with `check`, only looks at) one point of the client address's `budget`;
 * when there is none left, answers 429 with Retry-After itself and returns true.
 */
async function refusedByLimit(req: IncomingMessage, res: ServerResponse, deps: ApiDeps, budget: BudgetName, mode: "take" | "check" = "take"): Promise<boolean> {
  if (!deps.limits || isInternal(req, deps.internalToken)) return false;
  const key = deps.limits.keyOf(req);
  const verdict = mode === "take" ? await deps.limits.limiter.take(budget, key) : await deps.limits.limiter.check(budget, key);
  if (verdict.ok) return false;
  res.setHeader("retry-after", String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))));
  sendJson(res, 429, { error: "rate_limited", message: limitMessage(budget, verdict.retryAfterMs), retryAfterMs: verdict.retryAfterMs });
  return true;
}

const RECORDING_ID = /^[A-Za-z0-9_-]{1,64}$/;

function ownerTokenOk(req: IncomingMessage, hash: string | null): boolean {
  const m = /^Bearer ([A-Za-z0-9_-]{16,64})$/.exec(req.headers.authorization ?? "");
  if (!m || !hash) return false;
  const a = createHash("sha256").update(m[1]!).digest();
  const b = Buffer.from(hash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Returns true when the request was an API request (and has been answered). */
export async function handleApi(req: IncomingMessage, res: ServerResponse, deps: ApiDeps): Promise<boolean> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname;
  if (!path.startsWith("/api/")) return false;
  // No CORS: no Access-Control-Allow-Origin is ever sent, so other sites cannot read
  // answers; and a cross-origin form or fetch that would change something is refused.
  if (rejectCrossOriginWrite(req, res, deps.allowedOrigins)) return true;
  try {
    if (path === "/api/health" && req.method === "GET") {
      let db: { ok: boolean; kind: string; error?: string };
      try {
        await deps.store.ping();
        db = { ok: true, kind: deps.store.kind };
      } catch (err) {
        db = { ok: false, kind: deps.store.kind, error: err instanceof Error ? err.message : String(err) };
      }
      sendJson(res, db.ok ? 200 : 503, {
        status: db.ok ? "ok" : "degraded",
        db,
        pendingWrites: deps.rooms.pendingCount,
        // memory: rooms leave it when idle (docs/benchmarks/idle-rooms.md)
        roomsInMemory: deps.rooms.roomCount,
        startedAt: deps.startedAt.toISOString(),
      });
      return true;
    }
    if (path === "/api/rooms" && req.method === "POST") {
      if (await refusedByLimit(req, res, deps, "create")) return true;
      const body = await readValid(req, res, createRoomRequestSchema);
      if (!body) return true;
      const { code, hostToken } = await deps.rooms.createRoom(body);
      sendJson(res, 201, { code, url: `/room/${code}`, hostToken, private: body.passcode !== undefined });
      return true;
    }
    const roomMatch = /^\/api\/rooms\/([^/]+)$/.exec(path);
    if (roomMatch && req.method === "GET") {
      // Every look-up is counted, and an address that asked for too many rooms that do not
      // exist is refused look-ups for a while: scanning the codes is what this stops.
      if ((await refusedByLimit(req, res, deps, "lookup")) || (await refusedByLimit(req, res, deps, "miss", "check"))) return true;
      const code = decodeURIComponent(roomMatch[1]!);
      const room = roomCodeSchema.safeParse(code).success ? await deps.store.getRoom(code) : null;
      if (!room && deps.limits) await deps.limits.limiter.take("miss", deps.limits.keyOf(req));
      if (!room) sendJson(res, 404, { error: "not_found", message: `Room "${code.slice(0, 64)}" does not exist.` });
      // Whether it is private, never the passcode's hash; the host's name for the room only when it is
      // not private (link previews show it: a private room's name is for those who know the passcode).
      else {
        const isPrivate = room.passcodeHash !== null;
        sendJson(res, 200, { code: room.code, tempoBpm: room.tempoBpm, beatsPerBar: room.beatsPerBar, private: isPrivate, name: isPrivate ? null : roomNameOf(room.stateJson) });
      }
      return true;
    }
    const recMatch = /^\/api\/recordings\/([^/]+?)(\/midi)?$/.exec(path);
    if (recMatch) {
      if (await refusedByLimit(req, res, deps, "recordings")) return true;
      const id = decodeURIComponent(recMatch[1]!);
      const isMidi = recMatch[2] === "/midi";
      if (!RECORDING_ID.test(id)) {
        sendJson(res, 404, { error: "not_found", message: "No recording with this id." });
        return true;
      }
      if (req.method === "GET" && !isMidi && url.searchParams.get("summary") === "1") {
        // Link previews ask this for every shared link: never load the hits for it.
        const rec = await deps.store.getRecordingSummary(id);
        if (!rec) sendJson(res, 404, { error: "not_found", message: "No recording with this id." });
        else sendJson(res, 200, { ...rec, createdAt: rec.createdAt.toISOString() } satisfies RecordingSummaryJson);
        return true;
      }
      if (req.method === "GET") {
        const rec = await deps.store.getRecording(id);
        if (!rec) {
          sendJson(res, 404, { error: "not_found", message: "No recording with this id." });
          return true;
        }
        if (isMidi) {
          const bytes = recordingToMidi(rec);
          res.writeHead(200, {
            "content-type": "audio/midi",
            "content-length": bytes.byteLength,
            "content-disposition": `attachment; filename="${exportFileName(rec.title, "mid")}"`,
            "cache-control": "no-store",
          });
          res.end(Buffer.from(bytes));
          return true;
        }
        const body: RecordingJson = {
          id: rec.id,
          roomCode: rec.roomCode,
          title: rec.title,
          createdAt: rec.createdAt.toISOString(),
          startedAtMs: rec.startedAtMs,
          barOneAtMs: rec.barOneAtMs,
          endedAtMs: rec.endedAtMs,
          tempoBpm: rec.tempoBpm,
          beatsPerBar: rec.beatsPerBar,
          beatUnit: rec.beatUnit,
          participants: rec.participants,
          battles: rec.battles as RecordingJson["battles"],
          hits: rec.hits,
          hearings: rec.hearings,
          timeline: rec.timeline,
        };
        if (url.searchParams.get("download") === "json") {
          res.setHeader("content-disposition", `attachment; filename="${exportFileName(rec.title, "json")}"`);
        }
        sendJson(res, 200, body);
        return true;
      }
      if (!isMidi && (req.method === "PATCH" || req.method === "DELETE")) {
        // Neither needs the hits: who may, and which room's list to refresh.
        const owner = await deps.store.getRecordingOwner(id);
        if (!owner) {
          sendJson(res, 404, { error: "not_found", message: "No recording with this id." });
          return true;
        }
        if (!ownerTokenOk(req, owner.ownerTokenHash)) {
          sendJson(res, 403, { error: "forbidden", message: "Only the recording's creator can change or delete it." });
          return true;
        }
        if (req.method === "DELETE") {
          await deps.store.deleteRecording(id);
          await deps.rooms.recordingsChanged(owner.roomCode);
          res.writeHead(204).end();
          return true;
        }
        const body = await readValid(req, res, renameRecordingSchema);
        if (!body) return true;
        await deps.store.renameRecording(id, body.title);
        await deps.rooms.recordingsChanged(owner.roomCode);
        sendJson(res, 200, { id, title: body.title });
        return true;
      }
    }
    sendJson(res, 404, { error: "not_found", message: `No API route ${req.method} ${path}` });
    return true;
  } catch (err) {
    console.error("[api]", err);
    sendJson(res, 500, { error: "internal", message: "Internal server error" });
    return true;
  }
}
