/**
 * The wire protocol between browser and server: one zod schema per message,
 * with the TypeScript types inferred from them. Both sides import this file;
 * event names live here and nowhere else.
 */
import { z } from "zod";
import { BATTLE_BARS, BATTLE_SUBDIVISIONS, REACTIONS, type BattleConfig, type BattleResult } from "./battle";
import { GROOVE_IDS } from "./grooves";
import type { Hit, SentHit } from "./hit";
import { PAD_IDS } from "./kit";
import { ROOM_CODE_PATTERN } from "./room-code";

import { LIMITS } from "./limits";

// The bounds and version live in core/limits.ts (no zod), so pages that only need them do not
// ship zod (docs/benchmarks/bundle.md); re-exported here for everything that speaks the protocol.
export { LIMITS, PROTOCOL_VERSION } from "./limits";

const rangeMessage = (name: string, min: number, max: number) => (issue: { input?: unknown }) =>
  `${name} must be within [${min}, ${max}], got: ${String(issue.input)}`;
/** a number within [min, max], failing with "<name> must be within [min, max], got: x" */
const ranged = (name: string, min: number, max: number) =>
  z.number().min(min, { error: rangeMessage(name, min, max) }).max(max, { error: rangeMessage(name, min, max) });
/** Values of the hit and hearing fields the store keeps; the schemas below are built from them. */
const seqSchema = z.number().int().pipe(ranged("seq", LIMITS.seqMin, LIMITS.seqMax));
const velocitySchema = ranged("velocity", LIMITS.velocityMin, LIMITS.velocityMax);
const timeMsSchema = (name: string) => z.number().finite().pipe(ranged(name, LIMITS.timeMsMin, LIMITS.timeMsMax));

/** Why a seq cannot be stored ("seq must be an integer within [1, 2147483647], got: x"), or null. */
export function seqRangeError(seq: number): string | null {
  return Number.isInteger(seq) && seq >= LIMITS.seqMin && seq <= LIMITS.seqMax ? null : `seq must be an integer within [${LIMITS.seqMin}, ${LIMITS.seqMax}], got: ${seq}`;
}
/** Why a shared-clock time cannot be stored, or null. */
export function timeRangeError(name: string, ms: number): string | null {
  return ms >= LIMITS.timeMsMin && ms <= LIMITS.timeMsMax ? null : `${name} must be within [${LIMITS.timeMsMin}, ${LIMITS.timeMsMax}], got: ${ms}`;
}
/**
 * Why a hit's numbers cannot be stored (the first bad field, with its range and
 * value), or null: the schemas' bounds, for parseHitFast and the store.
 */
export function hitRangeError(hit: { seq: number; velocity: number; strikeAtMs: number }): string | null {
  const { seq, velocity, strikeAtMs } = hit;
  const velocityOk = velocity >= LIMITS.velocityMin && velocity <= LIMITS.velocityMax;
  return (
    seqRangeError(seq) ??
    (velocityOk ? null : `velocity must be within [${LIMITS.velocityMin}, ${LIMITS.velocityMax}], got: ${velocity}`) ??
    timeRangeError("strikeAtMs", strikeAtMs)
  );
}

// ---------- building blocks ----------
/** new codes (brisk-otter-7k3m9q2x) and those of the old format (brisk-otter-42): core/room-code.ts */
export const roomCodeSchema = z.string().max(64).regex(ROOM_CODE_PATTERN, "room code looks like brisk-otter-7k3m9q2x");
/** client-generated, kept in the browser per room so a reload keeps identity */
export const participantIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,40}$/, "8–40 URL-safe characters");
export const displayNameSchema = z
  .string()
  .transform((s) => s.trim().replace(/\s+/g, " "))
  .pipe(z.string().min(1, "name is empty").max(LIMITS.nameMaxChars));
export const padSchema = z.enum(PAD_IDS);
const finiteMs = z.number().finite();
export const tempoSchema = z.object({
  tempoBpm: z.number().int().min(LIMITS.tempoMinBpm).max(LIMITS.tempoMaxBpm),
  beatsPerBar: z.number().int().min(2).max(12),
  /** 4 = quarter-note beats (4/4, 3/4), 8 = eighth-note beats (6/8) */
  beatUnit: z.union([z.literal(4), z.literal(8)]).optional(),
  groove: z.enum(GROOVE_IDS).optional(),
});
export type Tempo = z.infer<typeof tempoSchema>;

// ---------- client → server ----------
/** the room creator's secret (kept in their browser): proves they are the host */
export const hostTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "16–64 URL-safe characters");
export const playModeSchema = z.enum(["live", "groove"]);
export type PlayMode = z.infer<typeof playModeSchema>;

export const joinSchema = z.object({
  protocolVersion: z.number().int(),
  roomCode: roomCodeSchema,
  participantId: participantIdSchema,
  name: displayNameSchema,
  hostToken: hostTokenSchema.optional(),
  /** spectators listen and react but do not play; players by default */
  role: z.enum(["player", "spectator"]).optional(),
  /**
   * A per-tab secret binding this participant id to this browser tab: member ids are public
   * (every room:state lists them), so without it anyone could take over a seat.
   */
  seatKey: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "16–64 URL-safe characters").optional(),
  /** a private room's passcode (the host and members already let in need none); "" = none */
  passcode: z.string().trim().max(LIMITS.passcodeMaxChars).optional(),
});
export const syncPingSchema = z.object({
  /** client's local clock (performance.now()) when sent */
  t0Ms: finiteMs,
});
export const hitSchema = z.object({
  /** per-sender sequence number, starting at 1 */
  seq: seqSchema,
  pad: padSchema,
  velocity: velocitySchema,
  /** strike time on the shared clock (ms) */
  strikeAtMs: timeMsSchema("strikeAtMs"),
  /** re-sent after a reconnect: store it, but do not relay it (it is long past its slot) */
  resend: z.boolean().optional(),
}) satisfies z.ZodType<HitMsg>; // the schema parses to the one hit's wire form: a field it drops fails here
/** When this listener's machine sounded another player's hit (for "as <name> heard it" replays). */
export const hearingSchema = z.object({
  from: participantIdSchema,
  seq: seqSchema,
  strikeAtMs: timeMsSchema("strikeAtMs"),
  soundedAtMs: timeMsSchema("soundedAtMs"),
  late: z.boolean(),
  skipped: z.boolean(),
});
export const heardSchema = z.object({ hearings: z.array(hearingSchema).min(1).max(256) });
const msOrNull = z.number().finite().min(-60_000).max(60_000).nullable();
/** What a listener measures of one sender's hits; shown to everyone in the latency panel. */
export const listeningReportSchema = z.object({
  from: participantIdSchema,
  /** playout delay this listener applies to that sender's hits */
  delayMs: z.number().finite().min(0).max(60_000),
  /** median (arrival − strike) of that sender's hits: the one-way delay */
  oneWayMs: msOrNull,
  /** p95 − p50 of the same */
  jitterMs: msOrNull,
  latePercent: z.number().min(0).max(100),
  hits: z.number().int().min(0),
});
export type ListeningReport = z.infer<typeof listeningReportSchema>;
const legMs = z.number().finite().min(0).max(60_000);
/** The reporter's one-way legs to and from the server, from clock sync: partners start their playout from them. */
export const legReportSchema = z.object({ upP50Ms: legMs, upP99Ms: legMs, downP50Ms: legMs, downP99Ms: legMs });
export type LegReport = z.infer<typeof legReportSchema>;
export const qualityReportSchema = z.object({
  rttMs: z.number().min(0).max(60_000),
  /** the reporter's clock-sync error estimate */
  clockErrorMs: z.number().min(0).max(60_000).optional(),
  listening: z.array(listeningReportSchema).max(16).optional(),
  legs: legReportSchema.optional(),
});
export const recordingStartSchema = z.object({
  title: z.string().trim().max(LIMITS.titleMaxChars).optional(),
  /** start on the bar line after a full count-in bar */
  countIn: z.boolean().optional(),
});
export const battleStartSchema = z.object({
  barsPerTurn: z.union(BATTLE_BARS.map((n) => z.literal(n)) as [z.ZodLiteral<2>, z.ZodLiteral<4>, z.ZodLiteral<8>]),
  rounds: z.number().int().min(1).max(8),
  subdivision: z.union(BATTLE_SUBDIVISIONS.map((n) => z.literal(n)) as [z.ZodLiteral<4>, z.ZodLiteral<8>, z.ZodLiteral<16>]),
});
export const reactSchema = z.object({ emoji: z.enum(REACTIONS) });
/** the room's name as the host types it; "" clears it (the room is then called by its code) */
export const roomNameSchema = z
  .string()
  .transform((s) => s.trim().replace(/\s+/g, " "))
  .pipe(z.string().max(LIMITS.roomNameMaxChars, `at most ${LIMITS.roomNameMaxChars} characters`));
export const emptySchema = z.object({}).strict();

// ---------- the direct path's signalling (issue 15, docs/direct-path.md) ----------
/** an SDP offer or answer; a data-channel-only one is ~1 kB, the cap keeps the message under maxMessageBytes */
export const sessionDescriptionSchema = z.object({ type: z.enum(["offer", "answer"]), sdp: z.string().min(1).max(12_000) });
/** an ICE candidate as RTCIceCandidate.toJSON() gives it ("" candidate: end of candidates) */
export const iceCandidateSchema = z.object({
  candidate: z.string().max(1_024),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});
/**
 * One step of setting up a direct channel with one partner, relayed by the server to `to` only:
 * a description, candidates (gathered ones go out together, at most one message per ~50 ms), or both.
 */
export const directSignalSchema = z
  .object({
    to: participantIdSchema,
    description: sessionDescriptionSchema.optional(),
    candidates: z.array(iceCandidateSchema).max(16).optional(),
  })
  .refine((m) => m.description !== undefined || (m.candidates?.length ?? 0) > 0, "a signal carries a description or candidates");
export type DirectSignalMsg = z.infer<typeof directSignalSchema>;
/** what the partner receives: the signal with its sender instead of its addressee */
export type RelayedDirectSignal = Omit<DirectSignalMsg, "to"> & { from: string };
/** an RTCIceServer (ICE_SERVERS, server/env.ts), handed to players with the join answer */
export const iceServerSchema = z.object({
  urls: z.union([z.string(), z.array(z.string()).min(1)]).refine(
    (u) => (Array.isArray(u) ? u : [u]).every((x) => /^(stun|turn|turns):/.test(x)),
    "ICE server urls start with stun:, turn: or turns:",
  ),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof iceServerSchema>;

export type JoinMsg = z.infer<typeof joinSchema>;
export type SyncPingMsg = z.infer<typeof syncPingSchema>;
/** The `hit` message: the one hit (core/hit.ts) as its sender sends it, maybe re-sent. */
export type HitMsg = SentHit & { resend?: boolean };

const PAD_ID_SET: ReadonlySet<string> = new Set(PAD_IDS);
/**
 * `hitSchema.safeParse` for the one hot message (every strike of every
 * player): the same checks and the same output (unknown keys stripped),
 * without zod's per-call allocations. Returns null when the payload is
 * invalid; callers then run `parseClientMessage("hit", …)` for the detailed
 * error. core/protocol.test.ts checks it agrees with the schema on seeded
 * random and malformed payloads.
 */
export function parseHitFast(payload: unknown): HitMsg | null {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return null;
  const { seq, pad, velocity, strikeAtMs, resend } = payload as Record<string, unknown>;
  if (typeof seq !== "number" || typeof velocity !== "number" || typeof strikeAtMs !== "number") return null;
  if (typeof pad !== "string" || !PAD_ID_SET.has(pad)) return null;
  // hitRangeError's bounds, inline: no object and no message built per hit
  if (!Number.isInteger(seq) || seq < LIMITS.seqMin || seq > LIMITS.seqMax) return null;
  if (!(velocity >= LIMITS.velocityMin && velocity <= LIMITS.velocityMax)) return null;
  if (!(strikeAtMs >= LIMITS.timeMsMin && strikeAtMs <= LIMITS.timeMsMax)) return null;
  if (resend !== undefined && typeof resend !== "boolean") return null;
  const hit = { seq, pad: pad as HitMsg["pad"], velocity, strikeAtMs };
  return resend === undefined ? hit : { ...hit, resend };
}
export type HearingMsg = z.infer<typeof hearingSchema>;
export type QualityReportMsg = z.infer<typeof qualityReportSchema>;
export type RecordingStartMsg = z.infer<typeof recordingStartSchema>;

/** Every client → server event: its schema and whether it expects an ack. */
export const CLIENT_EVENTS = {
  join: joinSchema,
  "sync:ping": syncPingSchema,
  hit: hitSchema,
  heard: heardSchema,
  quality: qualityReportSchema,
  "tempo:set": tempoSchema,
  "mode:set": z.object({ mode: playModeSchema }),
  "recording:start": recordingStartSchema,
  "recording:stop": emptySchema,
  "member:kick": z.object({ id: participantIdSchema }),
  leave: emptySchema,
  react: reactSchema,
  "battle:start": battleStartSchema,
  "battle:stop": emptySchema,
  /** the host hands the host role to another player (the host only, not the co-host) */
  "host:pass": z.object({ id: participantIdSchema }),
  /** the host names a co-host (null: none), who gets the host's powers but cannot pass them on */
  "cohost:set": z.object({ id: participantIdSchema.nullable() }),
  "room:rename": z.object({ name: roomNameSchema }),
  /** a direct channel's offer/answer/candidates for one partner (relayed, never stored) */
  "direct:signal": directSignalSchema,
} as const;
export type ClientEventName = keyof typeof CLIENT_EVENTS;

// ---------- server → client ----------
export interface MemberView {
  id: string;
  name: string;
  color: string;
  /** the member's own last reported round trip to the server, null until known */
  rttMs: number | null;
  /** the member's clock-sync error estimate */
  clockErrorMs: number | null;
  connected: boolean;
  isHost: boolean;
  /** named by the host: the host's powers (tempo, meter, groove, mode, battles, removing people) */
  isCoHost: boolean;
  role: "player" | "spectator";
  /** what this member measures of the others' hits */
  listening: ListeningReport[];
  /** the member's one-way legs to and from the server (clock sync), null until reported */
  legs: LegReport | null;
}

/**
 * A member's telemetry (issue 13, "Telemetry as deltas"): sent to the others in the room as a small
 * volatile update when it changes, at most once per MEMBER_QUALITY_INTERVAL_MS per member, instead
 * of a whole `room:state`. `room:state` and the join ack still carry the latest figures in each
 * MemberView, so a late joiner starts complete.
 */
export interface MemberQuality {
  id: string;
  rttMs: number | null;
  clockErrorMs: number | null;
  listening: ListeningReport[];
  legs: LegReport | null;
}
/** the server forwards a member's telemetry at most this often (latest wins) */
export const MEMBER_QUALITY_INTERVAL_MS = 2_000;

export interface RecordingView {
  id: string;
  title: string;
  createdAt: string;
  startedAtMs: number;
  endedAtMs: number | null;
  hitCount: number;
  participants: { id: string; name: string; color: string }[];
}

export interface RoomView {
  code: string;
  tempoBpm: number;
  beatsPerBar: number;
  /** shared-clock time of a bar line: beats fall at epochMs + k * 60000 / tempoBpm */
  epochMs: number;
  beatUnit: number;
  groove: (typeof GROOVE_IDS)[number];
  mode: PlayMode;
  battle: BattleView | null;
  /** startedAtMs: where the recording begins (its count-in bar, if any); barOneAtMs: the bar after the count-in (= startedAtMs without one) */
  recording: { id: string; startedAtMs: number; barOneAtMs: number; startedBy: string } | null;
  members: MemberView[];
  recordings: RecordingView[];
  /** a passcode is needed to join (the link alone is not enough) */
  private: boolean;
  /** the name the host gave the room; null: none (call it by its code) */
  name: string | null;
}

export interface BattleView {
  config: BattleConfig;
  /** reactions to each player during their turns */
  votes: Record<string, number>;
  /** set once the last turn has ended */
  result: BattleResult | null;
}

/** A hit relayed to the room: the `hit` message plus its sender (a Hit's participantId). */
export interface RelayedHit extends HitMsg {
  from: Hit["participantId"];
}

export interface SyncPong {
  t0Ms: number;
  /** server clock when the ping arrived */
  t1Ms: number;
  /** server clock when the pong left */
  t2Ms: number;
}

export const ERROR_CODES = [
  "invalid_message",
  /** this server process does not own the room (several workers: connect with ?room=<code>) */
  "wrong_server",
  /**
   * the room is owned by another server process right now (it is being handed over, or its
   * owner's lease has not yet expired): connect again after `details.retryAfterMs`
   */
  "room_moving",
  "unknown_event",
  "protocol_mismatch",
  "room_not_found",
  "room_full",
  "not_joined",
  "not_host",
  "kicked",
  "seat_taken",
  "spectator",
  "battle_running",
  "not_enough_players",
  "already_recording",
  "not_recording",
  "internal",
  "rate_limited",
  "abuse",
  /** a private room: join with its passcode */
  "passcode_required",
  "wrong_passcode",
  /** a direct-path signal the room does not relay: not Live mode, too many players, or the partner is no connected player (docs/direct-path.md) */
  "no_direct_path",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorMsg {
  code: ErrorCode;
  message: string;
  /** the event that caused it */
  event?: string;
  details?: unknown;
}

export type Ack<T> = (res: { ok: true; data: T } | { ok: false; error: ErrorMsg }) => void;
export type AckResult<T> = Parameters<Ack<T>>[0];

export interface ServerToClientEvents {
  /** sent only when the room really changes (members, roles, grid, mode, recording, battle, recordings list) */
  "room:state": (room: RoomView) => void;
  /** one member's telemetry changed (volatile: a dropped one is replaced by the next) */
  "member:quality": (q: MemberQuality) => void;
  hit: (hit: RelayedHit) => void;
  /** these of your hits are safely stored (or needed no storing): forget them */
  "hits:ack": (msg: { seqs: number[] }) => void;
  /** the listener's hearings now stored (or not recordable): it may forget them */
  "hearings:ack": (msg: { hearings: { from: string; seq: number }[] }) => void;
  reaction: (msg: { from: string; emoji: (typeof REACTIONS)[number]; atMs: number }) => void;
  /** a partner's step in setting up the direct channel with you */
  "direct:signal": (msg: RelayedDirectSignal) => void;
  error: (err: ErrorMsg) => void;
}

export interface ClientToServerEvents {
  /** iceServers: ICE_SERVERS for the direct path (empty: host candidates only) */
  join: (msg: JoinMsg, ack: Ack<{ room: RoomView; serverNowMs: number; iceServers?: IceServer[] }>) => void;
  "sync:ping": (msg: SyncPingMsg, ack: (pong: SyncPong) => void) => void;
  hit: (msg: HitMsg) => void;
  heard: (msg: { hearings: HearingMsg[] }, ack?: Ack<null>) => void;
  quality: (msg: QualityReportMsg) => void;
  "tempo:set": (msg: Tempo, ack?: Ack<null>) => void;
  "mode:set": (msg: { mode: PlayMode }, ack?: Ack<null>) => void;
  /** the ack carries the owner token (shown once): it is needed to rename or delete the recording */
  "recording:start": (msg: RecordingStartMsg, ack?: Ack<{ id: string; ownerToken: string }>) => void;
  "recording:stop": (msg: Record<string, never>, ack?: Ack<{ id: string }>) => void;
  "member:kick": (msg: { id: string }, ack?: Ack<null>) => void;
  leave: (msg: Record<string, never>, ack?: Ack<null>) => void;
  react: (msg: { emoji: (typeof REACTIONS)[number] }) => void;
  "battle:start": (msg: z.infer<typeof battleStartSchema>, ack?: Ack<{ startAtMs: number }>) => void;
  "battle:stop": (msg: Record<string, never>, ack?: Ack<null>) => void;
  "host:pass": (msg: { id: string }, ack?: Ack<null>) => void;
  "cohost:set": (msg: { id: string | null }, ack?: Ack<null>) => void;
  "room:rename": (msg: { name: string }, ack?: Ack<null>) => void;
  "direct:signal": (msg: DirectSignalMsg, ack?: Ack<null>) => void;
}

/** Validates an inbound payload; returns the parsed value or an error message. */
export function parseClientMessage<E extends ClientEventName>(
  event: E,
  payload: unknown,
): { ok: true; value: z.infer<(typeof CLIENT_EVENTS)[E]> } | { ok: false; error: ErrorMsg } {
  const schema = CLIENT_EVENTS[event];
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data as z.infer<(typeof CLIENT_EVENTS)[E]> };
  return {
    ok: false,
    error: {
      code: "invalid_message",
      event,
      message: `Invalid "${event}" message: ${result.error.issues
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ")}`,
      details: result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    },
  };
}

export function isClientEventName(name: string): name is ClientEventName {
  return Object.prototype.hasOwnProperty.call(CLIENT_EVENTS, name);
}
