/**
 * Room logic: membership, hit relay, tempo, recording. It knows nothing of
 * Socket.IO — only the small `Connection` interface — so tests drive it with
 * in-memory connections and the socket adapter stays thin.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import {
  LIMITS,
  PROTOCOL_VERSION,
  type AckResult,
  type ErrorCode,
  type ErrorMsg,
  type HearingMsg,
  type HitMsg,
  type JoinMsg,
  type LegReport,
  type ListeningReport,
  type PlayMode,
  type MemberView,
  type QualityReportMsg,
  type RecordingStartMsg,
  type RecordingView,
  type RoomView,
  type BattleView,
  type ServerToClientEvents,
  type Tempo,
} from "../core/protocol";
import { battleEndMs, battleResult, scoreTurn, turnAt, turns, type BattleConfig, type Reaction } from "../core/battle";
import { GROOVE_IDS, type GrooveId } from "../core/grooves";
import { barMs, nextBarLineMs } from "../core/metronome";
import { generateRoomCode } from "../core/room-code";
import type { Rng } from "../core/rng";
import type { RecordingSummary, Store, StoredHearing, StoredHit, TimelineEntry } from "./store";
import { LocalRoomSync, SCORING_LOCK_MS, type RoomSync, type SharedMember, type SharedRoomState } from "./room-sync";
import { FailedAttemptLimiter, hashPasscode, verifyPasscode, type AttemptLimit } from "./passcode";
import { WriteQueue } from "./write-queue";

export interface Connection {
  readonly id: string;
  send<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  close(): void;
  /** join the transport's broadcast group of a room (Socket.IO room), when there is one */
  joinRoom?(code: string): void;
  leaveRoom?(code: string): void;
  /** false once the transport closed (a join that awaited the database must not seat a dead connection) */
  isOpen?(): boolean;
}

/**
 * Sends an event to everyone in a room, on every server (the Socket.IO adapter
 * does the cross-server part). Without one, RoomService sends to its own
 * connections directly.
 */
export interface Fanout {
  toRoom<E extends keyof ServerToClientEvents>(code: string, exceptConnId: string | null, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
}

export const MEMBER_COLORS = ["#f97316", "#22d3ee", "#a3e635", "#f472b6", "#facc15", "#818cf8", "#34d399", "#fb7185"];
/** players who can play at once; spectators have their own, larger limit */
export const ROOM_CAPACITY = 8;
export const SPECTATOR_CAPACITY = 32;
/** members remembered per room, connected or not (reconnects keep name and colour) */
const MAX_MEMBERS = 64;
/** recordings listed in a room's state */
const MAX_LISTED_RECORDINGS = 50;
/** a kicked participant id may not come back to the room for this long */
const KICK_BAN_MS = 10 * 60_000;
/** Hits struck before Stop can still be in flight; keep accepting them this long after Stop. */
const STOP_GRACE_MS = 5_000;
/** Pending hits are written in one batch at this cadence. */
const FLUSH_INTERVAL_MS = 50;
/** After a failed write, retry at this cadence (server/write-queue.ts bounds what is kept, and for how long). */
const RETRY_INTERVAL_MS = 1_000;
/**
 * With several servers, each looks this often for members held by a server whose heartbeat
 * expired (server/room-sync.ts HEARTBEAT_TTL_MS): a killed server's players show disconnected
 * within TTL + this.
 */
const PRESENCE_SWEEP_MS = 2_000;
/**
 * A sender gets at most one `hits:ack` per this interval, listing every hit
 * stored since the last: at 10 hits/s that is one ack write per few hits
 * instead of one per hit (docs/benchmarks/relay.md). The browser's outbox
 * only needs to learn eventually that a hit is safe.
 */
export const ACK_INTERVAL_MS = 500;
/** how often due acks are looked for: often enough that each sweep sends only a few (no burst of writes) */
const ACK_SWEEP_MS = 25;
/**
 * A room nobody here is connected to leaves memory after this long (its state is in the
 * database; a join loads it again): long enough that a reload or a dropped link comes back
 * to the same room state (greyed members, seat keys), short enough that memory stays
 * bounded however many rooms are made and left (docs/benchmarks/idle-rooms.md).
 */
export const DEFAULT_ROOM_IDLE_MS = 60_000;
/** idle rooms are looked for at most this far apart */
const IDLE_SWEEP_MAX_MS = 10_000;

interface Member {
  id: string;
  name: string;
  color: string;
  rttMs: number | null;
  clockErrorMs: number | null;
  listening: ListeningReport[];
  legs: LegReport | null;
  isHost: boolean;
  role: "player" | "spectator";
  /** the connection, when it is held by THIS server */
  conn: Connection | null;
  /** sha256 of the seat key the member first joined with (null: none given) */
  seatKeyHash: string | null;
  /** connected to some server (this one or another) */
  connected: boolean;
  serverId: string | null;
}

interface BattleState extends BattleView {
  /** who already voted in which turn: `${turn}:${memberId}` */
  voted: Set<string>;
  /** the scoring, scheduled on every server holding the room (one of them claims it) */
  timer: ReturnType<typeof setTimeout> | null;
}

interface ActiveRecording {
  id: string;
  startedAtMs: number;
  startedBy: string;
  /** set when stopped; hits struck before it are still accepted during the grace period */
  endedAtMs: number | null;
}

interface Room {
  code: string;
  tempoBpm: number;
  beatsPerBar: number;
  epochMs: number;
  beatUnit: number;
  groove: GrooveId;
  /** the grid before the last tempo change: still sounding until epochMs when that change is pending */
  previousGrid: TimelineEntry | null;
  mode: PlayMode;
  battle: BattleState | null;
  kicked: Map<string, number>;
  hostTokenHash: string | null;
  /** private rooms: salted scrypt hash of the passcode, from the database (so every server has it) */
  passcodeHash: string | null;
  members: Map<string, Member>;
  recording: ActiveRecording | null;
  /** recordings stopped within the grace period, by id */
  closing: Map<string, ActiveRecording>;
  recordings: RecordingView[];
  /** since when nobody has been connected to it through this server (null: someone is) */
  idleSinceMs: number | null;
}

export interface RoomServiceDeps {
  store: Store;
  /** room state shared with other server processes (LocalRoomSync when alone) */
  sync?: RoomSync;
  fanout?: Fanout;
  /** told when recordingsChanged is called here (not by a peer): other worker processes refresh too */
  onRecordingsChanged?: (roomCode: string) => void;
  /** the shared clock (ms) */
  now: () => number;
  rng: Rng;
  log?: (msg: string, err?: unknown) => void;
  /** failed passcode joins allowed per room (DEFAULT_PASSCODE_ATTEMPTS: 10 a minute) */
  passcodeAttempts?: AttemptLimit;
  /** ms on `now` an idle room stays in memory (DEFAULT_ROOM_IDLE_MS; 0: leaves with its last member) */
  idleRoomMs?: number;
}

type Result<T> = AckResult<T>;

function fail(code: ErrorCode, message: string, event?: string): { ok: false; error: ErrorMsg } {
  return { ok: false, error: { code, message, event } };
}

/** a tempo change is written to its recording's timeline this many times (RETRY_INTERVAL_MS apart) before it is given up */
const TIMELINE_WRITE_ATTEMPTS = 60;

/** The room's grid as a recording's timeline stores it (core/timeline.ts). */
function gridEntry(room: Pick<Room, "epochMs" | "tempoBpm" | "beatsPerBar" | "beatUnit" | "groove">): TimelineEntry {
  return { epochMs: room.epochMs, tempoBpm: room.tempoBpm, beatsPerBar: room.beatsPerBar, beatUnit: room.beatUnit, groove: room.groove };
}

export function newRecordingId(): string {
  // 128 random bits: replay links are unguessable.
  return randomBytes(16).toString("base64url");
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function tokenMatches(token: string | undefined, hash: string | null): boolean {
  if (!token || !hash) return false;
  const a = Buffer.from(hashToken(token), "hex");
  const b = Buffer.from(hash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

function toRecordingView(r: RecordingSummary): RecordingView {
  return {
    id: r.id,
    title: r.title,
    createdAt: r.createdAt.toISOString(),
    startedAtMs: r.startedAtMs,
    endedAtMs: r.endedAtMs,
    hitCount: r.hitCount,
    participants: r.participants,
  };
}

export class RoomService {
  private readonly rooms = new Map<string, Room>();
  private readonly byConn = new Map<string, { room: Room; memberId: string }>();
  /** hits waiting for the next batch write; their senders get `hits:ack` once it succeeds */
  private readonly hitQueue: WriteQueue<{ recordingId: string; roomCode: string; hit: StoredHit }>;
  private readonly hearingQueue: WriteQueue<{ recordingId: string; roomCode: string; hearing: StoredHearing }>;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** per sender (room + participant): seqs stored but not yet acknowledged, and when the last ack went out */
  private acks = new Map<string, { roomCode: string; participantId: string; seqs: number[]; lastSentMs: number }>();
  private ackTimer: ReturnType<typeof setTimeout> | null = null;

  private readonly sync: RoomSync;
  /** wrong passcodes per room code (per server: with k servers an attacker gets k times the budget) */
  private readonly passcodeAttempts: FailedAttemptLimiter;
  /** per room, the last save to the shared store: saves stay in order */
  private saving = new Map<string, Promise<void>>();
  private sweepTimer: ReturnType<typeof setInterval> | null = null;
  private sweeping = false;
  private readonly idleRoomMs: number;
  private idleTimer: ReturnType<typeof setInterval> | null = null;
  /** joins under way per room code: a room being joined is never evicted (the join awaits) */
  private readonly joinsInFlight = new Map<string, number>();

  constructor(private readonly deps: RoomServiceDeps) {
    this.idleRoomMs = deps.idleRoomMs ?? DEFAULT_ROOM_IDLE_MS;
    if (!(this.idleRoomMs >= 0) || !Number.isFinite(this.idleRoomMs)) throw new RangeError(`idleRoomMs must be ≥ 0 (finite), got: ${this.idleRoomMs}`);
    this.idleTimer = setInterval(() => this.evictIdleRooms(), Math.min(Math.max(this.idleRoomMs, 1_000), IDLE_SWEEP_MAX_MS));
    this.idleTimer.unref?.();
    this.sync = deps.sync ?? new LocalRoomSync();
    const storeChecks = {
      databaseAnswers: () => deps.store.ping().then(() => true),
      recordingExists: (id: string) => deps.store.getRecordingOwnerHash(id).then((h) => h !== undefined),
      log: deps.log,
    };
    this.hitQueue = new WriteQueue({
      ...storeChecks,
      what: "hit",
      write: (batches) => deps.store.addHitBatches(batches.map((b) => ({ recordingId: b.recordingId, hits: b.rows.map((r) => r.hit) }))),
      done: (rows) => this.ackStored(rows),
      sender: (r) => r.hit.participantId,
      describe: (r) => `${r.hit.participantId}#${r.hit.seq}`,
    });
    this.hearingQueue = new WriteQueue({
      ...storeChecks,
      what: "hearing",
      write: async (batches) => {
        for (const b of batches) await deps.store.addHearings(b.recordingId, b.rows.map((r) => r.hearing));
      },
      done: (rows) => this.ackHearings(rows),
      sender: (r) => r.hearing.listenerId,
      describe: (r) => `${r.hearing.listenerId}:${r.hearing.senderId}#${r.hearing.seq}`,
    });
    this.passcodeAttempts = new FailedAttemptLimiter(deps.passcodeAttempts);
    this.sync.onRemoteChange((code) => void this.reloadShared(code).catch((err: unknown) => deps.log?.("room reload failed", err)));
    if (this.sync.shared) {
      this.sweepTimer = setInterval(() => void this.sweepPresence(), PRESENCE_SWEEP_MS);
      this.sweepTimer.unref?.();
    }
  }

  // ---------- sharing between servers ----------
  private toShared(room: Room): { state: SharedRoomState; members: SharedMember[] } {
    return {
      state: {
        tempoBpm: room.tempoBpm,
        beatsPerBar: room.beatsPerBar,
        beatUnit: room.beatUnit,
        groove: room.groove,
        epochMs: room.epochMs,
        mode: room.mode,
        recording: room.recording,
        closing: [...room.closing.values()],
        battle: room.battle ? { config: room.battle.config, votes: room.battle.votes, result: room.battle.result, voted: [...room.battle.voted] } : null,
        kicked: [...room.kicked.entries()],
        previousGrid: room.previousGrid,
      },
      members: [...room.members.values()].map((m) => ({
        id: m.id,
        name: m.name,
        color: m.color,
        role: m.role,
        isHost: m.isHost,
        rttMs: m.rttMs,
        clockErrorMs: m.clockErrorMs,
        listening: m.listening,
        legs: m.legs,
        connected: m.conn !== null || (m.connected && m.serverId !== this.sync.serverId),
        serverId: m.conn ? this.sync.serverId : m.serverId,
        seatKeyHash: m.seatKeyHash,
      })),
    };
  }

  private applyShared(room: Room, shared: { state: SharedRoomState; members: SharedMember[] }): void {
    const st = shared.state;
    room.tempoBpm = st.tempoBpm;
    room.beatsPerBar = st.beatsPerBar;
    room.beatUnit = st.beatUnit;
    room.groove = st.groove;
    room.epochMs = st.epochMs;
    room.mode = st.mode;
    room.recording = st.recording;
    room.closing = new Map(st.closing.map((c) => [c.id, c]));
    const prev = room.battle;
    const same = prev !== null && prev.config.id === st.battle?.config.id;
    if (prev?.timer && (!same || st.battle?.result)) clearTimeout(prev.timer);
    const timer = same && !st.battle?.result ? prev.timer : null;
    room.battle = st.battle ? { config: st.battle.config, votes: st.battle.votes, result: st.battle.result, voted: new Set(st.battle.voted), timer } : null;
    // A battle started on another server is scored here too, should that server die.
    if (room.battle && !room.battle.result && !room.battle.timer) this.scheduleScoring(room, room.battle);
    room.kicked = new Map(st.kicked);
    room.previousGrid = st.previousGrid ?? null;
    const next = new Map<string, Member>();
    for (const sm of shared.members) {
      const local = room.members.get(sm.id);
      // A connection held here stays authoritative for this member's presence.
      const conn = local?.conn && local.conn ? local.conn : null;
      next.set(sm.id, { ...sm, legs: sm.legs ?? null, conn, connected: conn !== null || sm.connected, serverId: conn ? this.sync.serverId : sm.serverId });
    }
    // Members connected here that another server has not heard of yet stay — unless the host
    // removed them on another server: this one holds their connection, so it closes it.
    for (const [id, m] of room.members) {
      if (!m.conn) continue;
      if (this.recentlyKicked(room, id)) {
        this.disconnectKicked(m.conn);
        next.delete(id);
        this.memberRemoved(room, id);
        continue;
      }
      if (!next.has(id)) next.set(id, m);
    }
    room.members = next;
  }

  /** per room, the last reload: reloads run one after the other, so an older read never lands after a newer one */
  private reloading = new Map<string, Promise<void>>();
  private reloadShared(code: string): Promise<void> {
    const next = (this.reloading.get(code) ?? Promise.resolve()).then(() => this.reloadSharedNow(code));
    const settled = next.catch(() => undefined);
    this.reloading.set(code, settled);
    void settled.then(() => {
      if (this.reloading.get(code) === settled) this.reloading.delete(code);
    });
    return next;
  }

  private async reloadSharedNow(code: string): Promise<void> {
    const room = this.rooms.get(code);
    if (!room) return;
    const shared = await this.sync.load(code);
    if (!shared) return;
    const presence = (r: Room) => [...r.members.values()].map((m) => `${m.id}:${m.conn !== null || m.connected}`).sort().join();
    const before = presence(room);
    this.applyShared(room, shared);
    // A connection held here is the truth about its member: a snapshot listing it as gone (a
    // sweep elsewhere while our heartbeat was late, or a stale leave) is put right for everyone.
    if (shared.members.some((sm) => !sm.connected && room.members.get(sm.id)?.conn)) this.broadcastState(room);
    // Members joined or left on another server at the same time as here: the views each server
    // broadcast then were partial, so show the merged one to the members connected here (not
    // shared again: the other server does the same for its own).
    else if (presence(room) !== before) {
      const v = this.view(room);
      for (const m of room.members.values()) m.conn?.send("room:state", v);
    }
  }

  /**
   * Members listed as connected to a server whose heartbeat expired are gone (kill -9, lost
   * host): show them disconnected, save, and tell everyone. Every server holding the room may
   * do it; they all write the same.
   */
  private async sweepPresence(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const remote = (m: Member) => !m.conn && m.connected && m.serverId !== null && m.serverId !== this.sync.serverId;
      const ids = [...this.rooms.values()].flatMap((r) => [...r.members.values()].filter(remote).map((m) => m.serverId!));
      if (ids.length === 0) return;
      const dead = await this.sync.deadServers(ids);
      if (dead.size === 0) return;
      for (const room of this.rooms.values()) {
        const gone = [...room.members.values()].filter((m) => remote(m) && dead.has(m.serverId!));
        for (const m of gone) {
          m.connected = false;
          m.rttMs = null;
          this.memberChanged(room, m.id);
        }
        if (gone.length > 0) this.broadcastState(room);
      }
    } catch (err) {
      this.deps.log?.("presence sweep failed", err);
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Members are merged in the shared store, not replaced: a server writes the members whose
   * connection it holds and those it changed (marked here), and deletes those it removed, so
   * two servers saving at once never drop each other's members.
   */
  private memberChanges = new Map<string, { changed: Set<string>; removed: Set<string> }>();
  private changesOf(room: Room): { changed: Set<string>; removed: Set<string> } {
    let c = this.memberChanges.get(room.code);
    if (!c) this.memberChanges.set(room.code, (c = { changed: new Set(), removed: new Set() }));
    return c;
  }
  private memberChanged(room: Room, id: string): void {
    if (this.sync.shared) this.changesOf(room).changed.add(id);
  }
  private memberRemoved(room: Room, id: string): void {
    if (!this.sync.shared) return;
    const c = this.changesOf(room);
    c.changed.delete(id);
    c.removed.add(id);
  }

  private share(room: Room): void {
    if (!this.sync.shared) return;
    const snapshot = this.toShared(room);
    const changes = this.memberChanges.get(room.code);
    this.memberChanges.delete(room.code);
    const mine = snapshot.members.filter((m) => room.members.get(m.id)?.conn || changes?.changed.has(m.id));
    const removed = [...(changes?.removed ?? [])];
    const prev = this.saving.get(room.code) ?? Promise.resolve();
    const next = prev
      .then(() => this.sync.save(room.code, snapshot.state, mine, removed))
      .catch((err: unknown) => this.deps.log?.("sharing room state failed", err));
    this.saving.set(room.code, next);
    void next.then(() => {
      if (this.saving.get(room.code) === next) this.saving.delete(room.code); // (one entry per room ever made otherwise)
    });
  }

  // ---------- rooms ----------
  /**
   * Creates a room; the returned host token is shown once and kept by the creator's browser.
   * With a passcode the room is private: only its hash is stored.
   */
  async createRoom(tempo?: Partial<Tempo> & { passcode?: string }): Promise<{ code: string; hostToken: string }> {
    const hostToken = randomBytes(24).toString("base64url");
    const passcodeHash = tempo?.passcode ? await hashPasscode(tempo.passcode) : null;
    for (let attempt = 0; attempt < 20; attempt++) {
      const code = generateRoomCode(); // crypto randomness, 50 bits (core/room-code.ts)
      const created = await this.deps.store.createRoom({
        code,
        tempoBpm: tempo?.tempoBpm ?? 100,
        beatsPerBar: tempo?.beatsPerBar ?? 4,
        hostTokenHash: hashToken(hostToken),
        passcodeHash,
      });
      if (created) return { code, hostToken };
    }
    throw new Error("Could not find a free room code after 20 attempts");
  }

  private async loadRoom(code: string): Promise<Room | null> {
    const live = this.rooms.get(code);
    if (live) return live;
    const stored = await this.deps.store.getRoom(code);
    if (!stored) return null;
    // A concurrent join may have loaded it meanwhile.
    const again = this.rooms.get(code);
    if (again) return again;
    const recordings = (await this.deps.store.listRecordings(code)).map(toRecordingView);
    // A recording still open in the database was running when this server stopped
    // (crash, kill -9, redeploy): carry on with it, so re-sent hits find their home.
    const open = await this.deps.store.listOpenRecordings(code);
    const running = open[0];
    // Its grid carries on too: a fresh epoch would move every beat of the rest of the recording.
    const timeline = running ? await this.deps.store.getTimeline(running.id) : [];
    const grid = timeline.at(-1);
    const room: Room = {
      code,
      tempoBpm: grid?.tempoBpm ?? stored.tempoBpm,
      beatsPerBar: grid?.beatsPerBar ?? stored.beatsPerBar,
      epochMs: grid?.epochMs ?? this.deps.now(),
      beatUnit: (grid?.beatUnit ?? stored.beatUnit) === 8 ? 8 : 4,
      groove: GROOVE_IDS.find((g) => g === (grid?.groove ?? stored.groove)) ?? "none",
      previousGrid: grid && grid.epochMs > this.deps.now() ? (timeline.at(-2) ?? null) : null,
      battle: null,
      kicked: new Map(),
      mode: stored.mode,
      hostTokenHash: stored.hostTokenHash,
      passcodeHash: stored.passcodeHash,
      members: new Map(),
      recording: running ? { id: running.id, startedAtMs: running.startedAtMs, startedBy: "", endedAtMs: null } : null,
      closing: new Map(),
      recordings,
      idleSinceMs: this.deps.now(),
    };
    const shared = this.sync.shared ? await this.sync.load(code) : null;
    if (this.rooms.has(code)) return this.rooms.get(code)!; // a concurrent join loaded it during the awaits above
    // Another server already runs this room: take its live state (tempo epoch, members, recording, battle).
    if (shared) this.applyShared(room, shared);
    this.rooms.set(code, room);
    return room;
  }

  view(room: Room): RoomView {
    const members: MemberView[] = [...room.members.values()].map((m) => ({
      id: m.id,
      name: m.name,
      color: m.color,
      rttMs: m.rttMs,
      clockErrorMs: m.clockErrorMs,
      connected: m.conn !== null || m.connected,
      isHost: m.isHost,
      role: m.role,
      listening: m.listening,
      legs: m.legs,
    }));
    return {
      code: room.code,
      tempoBpm: room.tempoBpm,
      beatsPerBar: room.beatsPerBar,
      epochMs: room.epochMs,
      beatUnit: room.beatUnit,
      groove: room.groove,
      battle: room.battle ? { config: room.battle.config, votes: room.battle.votes, result: room.battle.result } : null,
      mode: room.mode,
      recording: room.recording
        ? { id: room.recording.id, startedAtMs: room.recording.startedAtMs, startedBy: room.recording.startedBy }
        : null,
      members,
      recordings: room.recordings.slice(0, MAX_LISTED_RECORDINGS),
      private: room.passcodeHash !== null,
    };
  }

  private broadcastState(room: Room): void {
    const v = this.view(room);
    if (this.deps.fanout) this.deps.fanout.toRoom(room.code, null, "room:state", v);
    else for (const m of room.members.values()) m.conn?.send("room:state", v);
    this.share(room);
  }

  // ---------- membership ----------
  async join(conn: Connection, msg: JoinMsg): Promise<Result<{ room: RoomView; serverNowMs: number }>> {
    const code = msg.roomCode;
    this.joinsInFlight.set(code, (this.joinsInFlight.get(code) ?? 0) + 1);
    try {
      return await this.joinNow(conn, msg);
    } finally {
      const n = (this.joinsInFlight.get(code) ?? 1) - 1;
      if (n > 0) this.joinsInFlight.set(code, n);
      else this.joinsInFlight.delete(code);
      // a refused join (wrong passcode, room full…) leaves the room as idle as it was
      const room = this.rooms.get(code);
      if (room) this.noteIdle(room);
    }
  }

  private async joinNow(conn: Connection, msg: JoinMsg): Promise<Result<{ room: RoomView; serverNowMs: number }>> {
    if (msg.protocolVersion !== PROTOCOL_VERSION) {
      return fail(
        "protocol_mismatch",
        `This page speaks protocol ${msg.protocolVersion}, the server ${PROTOCOL_VERSION}: reload the page.`,
        "join",
      );
    }
    const room = await this.loadRoom(msg.roomCode);
    if (!room) return fail("room_not_found", `Room "${msg.roomCode}" does not exist.`, "join");
    const prevBinding = this.byConn.get(conn.id);
    if (prevBinding && (prevBinding.room !== room || prevBinding.memberId !== msg.participantId)) this.leave(conn);

    if (this.recentlyKicked(room, msg.participantId)) {
      return fail("kicked", "The host removed you from this room.", "join");
    }
    if (room.passcodeHash !== null && !tokenMatches(msg.hostToken, room.hostTokenHash)) {
      // A member already let in proves it with this tab's seat key: a reconnect needs no passcode,
      // not even while wrong guesses have locked the room's passcode attempts.
      const seated = room.members.get(msg.participantId);
      if (!seated?.seatKeyHash || !tokenMatches(msg.seatKey, seated.seatKeyHash)) {
        const refused = await this.checkPasscode(room.code, room.passcodeHash, msg.passcode);
        if (refused) return refused;
      }
    }
    // Awaited above (room load, passcode hash): the connection may have closed, or the host
    // removed this participant, meanwhile.
    if (conn.isOpen?.() === false) return fail("not_joined", "The connection closed while joining.", "join");
    if (this.recentlyKicked(room, msg.participantId)) {
      return fail("kicked", "The host removed you from this room.", "join");
    }
    const role = msg.role ?? "player";
    let member = room.members.get(msg.participantId);
    if (member?.seatKeyHash && !tokenMatches(msg.seatKey, member.seatKeyHash)) {
      return fail("seat_taken", "Someone else is using this seat. Reload the page to join as yourself.", "join");
    }
    if (member && !member.seatKeyHash && msg.seatKey) member.seatKeyHash = hashToken(msg.seatKey);
    if (!member || member.role !== role) {
      const online = [...room.members.values()].filter((m) => (m.conn !== null || m.connected) && m.role === role && m.id !== msg.participantId).length;
      const cap = role === "player" ? ROOM_CAPACITY : SPECTATOR_CAPACITY;
      if (online >= cap) return fail("room_full", `Room is full (${cap} ${role}s).`, "join");
    }
    if (!member) {
      const used = new Set([...room.members.values()].map((m) => m.color));
      const color = MEMBER_COLORS.find((c) => !used.has(c)) ?? MEMBER_COLORS[room.members.size % MEMBER_COLORS.length]!;
      // Rooms must not grow without bound: forget the longest-gone members first.
      if (room.members.size >= MAX_MEMBERS) {
        const gone = [...room.members.values()].find((m) => !m.conn && !m.connected);
        if (!gone) return fail("room_full", "Room is full.", "join");
        room.members.delete(gone.id);
        this.memberRemoved(room, gone.id);
      }
      member = {
        id: msg.participantId,
        name: msg.name,
        color,
        rttMs: null,
        clockErrorMs: null,
        listening: [],
        legs: null,
        isHost: false,
        role,
        conn: null,
        connected: false,
        serverId: null,
        seatKeyHash: msg.seatKey ? hashToken(msg.seatKey) : null,
      };
      room.members.set(member.id, member);
    }
    member.role = role;
    member.name = msg.name;
    if (tokenMatches(msg.hostToken, room.hostTokenHash)) member.isHost = true;
    // A reload or second tab of the same participant takes over the seat.
    if (member.conn && member.conn.id !== conn.id) {
      const old = member.conn;
      this.byConn.delete(old.id);
      old.close();
    }
    member.conn = conn;
    member.connected = true;
    member.serverId = this.sync.serverId;
    room.idleSinceMs = null;
    conn.joinRoom?.(room.code);
    this.byConn.set(conn.id, { room, memberId: member.id });
    // A (re)join must work while the database is away (its outbox is waiting to be re-sent):
    // these writes retry in the background instead of failing the join.
    const m = member;
    await this.retryUntilStored(
      () => this.deps.store.upsertParticipant({ id: m.id, roomCode: room.code, name: m.name, color: m.color }),
      "store participant",
    );
    const rec = room.recording;
    if (rec && rec.endedAtMs === null && m.role === "player") {
      await this.retryUntilStored(
        () => this.deps.store.upsertParticipant({ id: m.id, roomCode: room.code, name: m.name, color: m.color }).then(() => this.deps.store.addRecordingParticipant(rec.id, m.id)),
        "add recording participant",
      );
    }
    this.broadcastState(room);
    return { ok: true, data: { room: this.view(room), serverNowMs: this.deps.now() } };
  }

  /** null when the passcode is right; otherwise the join's error (missing, wrong, or too many wrong lately) */
  private async checkPasscode(code: string, hash: string, passcode: string | undefined): Promise<{ ok: false; error: ErrorMsg } | null> {
    // No passcode is no guess: it does not count against the room's attempts.
    if (!passcode) return fail("passcode_required", "This room is private: enter its passcode to join.", "join");
    const attempt = this.passcodeAttempts.begin(code, this.deps.now());
    if (!attempt.ok) {
      const s = Math.ceil(attempt.retryAfterMs / 1000);
      return {
        ok: false,
        error: {
          code: "rate_limited",
          event: "join",
          message: `Too many wrong passcodes for this room: try again in ${s} s.`,
          details: { retryAfterMs: attempt.retryAfterMs },
        },
      };
    }
    if (!(await verifyPasscode(passcode, hash))) return fail("wrong_passcode", "Wrong passcode for this room.", "join");
    attempt.release();
    return null;
  }

  leave(conn: Connection): void {
    const binding = this.byConn.get(conn.id);
    if (!binding) return;
    this.byConn.delete(conn.id);
    conn.leaveRoom?.(binding.room.code);
    const { room, memberId } = binding;
    const member = room.members.get(memberId);
    if (member && member.conn?.id === conn.id) {
      // Members stay listed (greyed) so a reconnect keeps name and colour.
      member.conn = null;
      member.connected = false;
      member.rttMs = null;
      this.memberChanged(room, member.id);
      this.broadcastState(room);
    }
    this.noteIdle(room);
  }

  // ---------- idle rooms ----------
  /** Rooms in memory here (each is in the database too). */
  get roomCount(): number {
    return this.rooms.size;
  }

  /** Connections joined to a room here. */
  get connectionCount(): number {
    return this.byConn.size;
  }

  /** Called when someone left: a room nobody here is connected to starts its idle time. */
  private noteIdle(room: Room): void {
    if ([...room.members.values()].some((m) => m.conn)) return;
    room.idleSinceMs ??= this.deps.now();
    if (this.idleRoomMs === 0) this.evictIfIdle(room, this.deps.now());
  }

  /**
   * Forgets the rooms that have been idle for idleRoomMs (a timer calls it; tests with a fake
   * clock call it directly). Returns how many left memory.
   */
  evictIdleRooms(): number {
    const nowMs = this.deps.now();
    let evicted = 0;
    for (const room of [...this.rooms.values()]) if (this.evictIfIdle(room, nowMs)) evicted++;
    return evicted;
  }

  /**
   * Everything an idle room holds is in the database or may be forgotten (greyed members,
   * the beat epoch), except while a join is under way, a battle is unscored, a kick ban or
   * a stopped recording's grace period is running: those rooms wait for the next sweep.
   */
  private evictIfIdle(room: Room, nowMs: number): boolean {
    if (this.rooms.get(room.code) !== room) return false;
    if ([...room.members.values()].some((m) => m.conn)) {
      room.idleSinceMs = null;
      return false;
    }
    // (a connection that went without a leave — a peer's kick — starts the idle time here)
    room.idleSinceMs ??= nowMs;
    if (nowMs - room.idleSinceMs < this.idleRoomMs || this.joinsInFlight.has(room.code)) return false;
    if (room.battle && !room.battle.result) return false;
    if ([...room.kicked.values()].some((atMs) => nowMs - atMs < KICK_BAN_MS)) return false;
    for (const [id, c] of room.closing) if (c.endedAtMs !== null && nowMs - c.endedAtMs > STOP_GRACE_MS) room.closing.delete(id);
    if (room.closing.size > 0) return false;
    if (room.battle?.timer) clearTimeout(room.battle.timer);
    this.rooms.delete(room.code);
    this.memberChanges.delete(room.code);
    return true;
  }

  /** The participant leaves for good (the Leave button): removed from the list, not just greyed. */
  explicitLeave(conn: Connection): Result<null> {
    const b = this.bound(conn, "leave");
    if ("ok" in b) return b;
    this.byConn.delete(conn.id);
    conn.leaveRoom?.(b.room.code);
    b.room.members.delete(b.member.id);
    this.memberRemoved(b.room, b.member.id);
    this.broadcastState(b.room);
    this.noteIdle(b.room);
    return { ok: true, data: null };
  }

  private recentlyKicked(room: Room, id: string): boolean {
    const kickedAt = room.kicked.get(id);
    return kickedAt !== undefined && this.deps.now() - kickedAt < KICK_BAN_MS;
  }

  /** Tells a removed member why and closes their connection (here, whichever server the host is on). */
  private disconnectKicked(conn: Connection): void {
    this.byConn.delete(conn.id);
    conn.send("error", { code: "kicked", message: "The host removed you from this room." });
    conn.close();
  }

  kick(conn: Connection, id: string): Result<null> {
    const b = this.requireHost(conn, "member:kick");
    if ("ok" in b) return b;
    if (id === b.member.id) return fail("invalid_message", "You cannot remove yourself; use Leave.", "member:kick");
    const target = b.room.members.get(id);
    if (!target) return fail("invalid_message", "No such member in this room.", "member:kick");
    b.room.kicked.set(id, this.deps.now());
    b.room.members.delete(id);
    this.memberRemoved(b.room, id);
    if (target.conn) this.disconnectKicked(target.conn);
    this.broadcastState(b.room);
    return { ok: true, data: null };
  }

  /** Reactions go to everyone (volatile); during a battle turn they count as one vote per person per turn. */
  react(conn: Connection, emoji: Reaction): ErrorMsg | null {
    const b = this.bound(conn, "react");
    if ("ok" in b) return b.error;
    const atMs = this.deps.now();
    const reaction = { from: b.member.id, emoji, atMs };
    if (this.deps.fanout) this.deps.fanout.toRoom(b.room.code, null, "reaction", reaction);
    else for (const m of b.room.members.values()) m.conn?.send("reaction", reaction);
    const battle = b.room.battle;
    const turn = battle && !battle.result ? turnAt(battle.config, atMs) : null;
    if (battle && turn && turn.player !== b.member.id) {
      const key = `${turn.index}:${b.member.id}`;
      if (!battle.voted.has(key)) {
        battle.voted.add(key);
        // Counted in the shared store, once per person per turn whatever server they are on;
        // the totals it returns are what everyone is shown.
        const { room } = b;
        const id = battle.config.id;
        void this.sync.vote(id, key, turn.player).then(
          (votes) => {
            const current = room.battle;
            if (!votes || current?.config.id !== id || current.result) return;
            current.votes = votes;
            this.broadcastState(room);
          },
          (err: unknown) => this.deps.log?.("counting a vote failed", err),
        );
      }
    }
    return null;
  }

  startBattle(conn: Connection, opts: { barsPerTurn: number; rounds: number; subdivision: number }): Result<{ startAtMs: number }> {
    const b = this.requireHost(conn, "battle:start");
    if ("ok" in b) return b;
    const room = b.room;
    if (room.battle && !room.battle.result) return fail("battle_running", "A battle is already running.", "battle:start");
    // Players on every server: their battle hits reach the shared store from wherever they are.
    const players = [...room.members.values()].filter((m) => (m.conn || m.connected) && m.role === "player").map((m) => m.id);
    if (players.length < 2) return fail("not_enough_players", "A battle needs at least two players.", "battle:start");
    // Host first, then the others in join order.
    players.sort((x, y) => (x === b.member.id ? -1 : y === b.member.id ? 1 : 0));
    const grid = { tempoBpm: room.tempoBpm, beatsPerBar: room.beatsPerBar, beatUnit: room.beatUnit, epochMs: room.epochMs };
    // A full bar of count-in: everyone sees the countdown before the first turn.
    const startAtMs = nextBarLineMs(grid, this.deps.now() + barMs(grid));
    const config: BattleConfig = { id: newRecordingId(), players, barsPerTurn: opts.barsPerTurn, rounds: opts.rounds, subdivision: opts.subdivision, startAtMs, grid };
    const battle: BattleState = { config, votes: {}, result: null, voted: new Set(), timer: null };
    room.battle = battle;
    this.scheduleScoring(room, battle);
    this.broadcastState(room);
    return { ok: true, data: { startAtMs } };
  }

  stopBattle(conn: Connection): Result<null> {
    const b = this.requireHost(conn, "battle:stop");
    if ("ok" in b) return b;
    const battle = b.room.battle;
    if (battle?.timer) clearTimeout(battle.timer);
    b.room.battle = null;
    this.broadcastState(b.room);
    return { ok: true, data: null };
  }

  /** Scores the battle a little after its end (the last turn's hits have arrived by then). */
  private scheduleScoring(room: Room, battle: BattleState, delayMs = battleEndMs(battle.config) - this.deps.now() + 1_500): void {
    const id = battle.config.id;
    battle.timer = setTimeout(() => {
      this.finishBattle(room, battle).catch((err: unknown) => {
        this.deps.log?.("scoring the battle failed (will retry)", err);
        const current = room.battle;
        // Any lock taken by the failed attempt has expired by then.
        if (current?.config.id === id && !current.result) this.scheduleScoring(room, current, SCORING_LOCK_MS + 1_000);
      });
    }, Math.max(0, delayMs));
    battle.timer.unref?.();
  }

  /**
   * Scores every turn, picks the winner, and saves the battle with the recording it happened in.
   * Every server holding the room calls it; the one that claims the scoring in the shared store
   * does it, so a battle is scored once even when the server that started it has died.
   */
  async finishBattle(room: Room, started: BattleState): Promise<void> {
    const id = started.config.id;
    // The shared copy may have been replaced by a reload from another server: use the current one.
    const live = () => (room.battle?.config.id === id && !room.battle.result ? room.battle : null);
    if (!live()) return;
    if (!(await this.sync.claimScoring(id))) {
      // Another server is scoring; should it die before saving, its claim expires: look again then.
      const waiting = live();
      if (waiting) this.scheduleScoring(room, waiting, SCORING_LOCK_MS + 1_000);
      return;
    }
    // After an expired claim the result may be saved already.
    if (this.sync.shared) await this.reloadShared(room.code);
    const cfg = live()?.config;
    if (!cfg) return;
    const [hitsByPlayer, votes] = await Promise.all([
      Promise.all(cfg.players.map(async (p) => [p, await this.sync.battleHits(cfg.id, p)] as const)).then((e) => new Map(e)),
      this.sync.votes(cfg.id),
    ]);
    const scores = turns(cfg).map((t) => scoreTurn(cfg, t, hitsByPlayer.get(t.player) ?? []));
    const result = battleResult(cfg, scores, votes);
    // Saved before it is shown: any reload from now on carries it.
    await this.sync.saveBattleResult(cfg.id, result);
    const battle = live();
    if (!battle) return;
    battle.votes = votes;
    battle.result = result;
    battle.timer = null;
    this.broadcastState(room);
    const rec = this.recordingFor(room, cfg.startAtMs, this.deps.now()) ?? (room.recording && room.recording.startedAtMs <= battleEndMs(cfg) ? room.recording : null);
    if (rec) {
      await this.retryUntilStored(
        () => this.deps.store.appendRecordingBattle(rec.id, { config: cfg, votes: battle.votes, result: battle.result }),
        "save battle",
      );
    }
  }

  private bound(conn: Connection, event: string): { room: Room; member: Member } | { ok: false; error: ErrorMsg } {
    const b = this.byConn.get(conn.id);
    const member = b?.room.members.get(b.memberId);
    if (!b || !member) return fail("not_joined", "Join a room first.", event);
    return { room: b.room, member };
  }

  // ---------- play ----------
  /** Relays a hit to the rest of the room and queues it for the recording. Returns an error or null. */
  hit(conn: Connection, msg: HitMsg): ErrorMsg | null {
    const b = this.bound(conn, "hit");
    if ("ok" in b) return b.error;
    if (b.member.role === "spectator") return { code: "spectator", event: "hit", message: "Spectators listen and react; join as a player to play." };
    const nowMs = this.deps.now();
    const battle = b.room.battle;
    if (battle && !battle.result && !msg.resend) {
      const turn = turnAt(battle.config, msg.strikeAtMs);
      if (turn && turn.player === b.member.id) {
        this.sync.pushBattleHit(battle.config.id, b.member.id, { strikeAtMs: msg.strikeAtMs, velocity: msg.velocity });
      }
    }
    if (Math.abs(msg.strikeAtMs - nowMs) > LIMITS.strikeSkewMaxMs) {
      return { code: "invalid_message", event: "hit", message: `strikeAtMs is ${Math.round(msg.strikeAtMs - nowMs)} ms from the server clock` };
    }
    if (!msg.resend) {
      // A re-sent hit is long past its slot: partners would only hear it late.
      const relayed = { seq: msg.seq, pad: msg.pad, velocity: msg.velocity, strikeAtMs: msg.strikeAtMs, from: b.member.id };
      if (this.deps.fanout) this.deps.fanout.toRoom(b.room.code, conn.id, "hit", relayed);
      else
        for (const m of b.room.members.values()) {
          if (m.conn && m.id !== b.member.id) m.conn.send("hit", relayed);
        }
    }
    const rec = this.recordingFor(b.room, msg.strikeAtMs, nowMs);
    if (rec) {
      this.hitQueue.add({
        recordingId: rec.id,
        roomCode: b.room.code,
        hit: { participantId: b.member.id, seq: msg.seq, strikeAtMs: msg.strikeAtMs, pad: msg.pad, velocity: msg.velocity },
      });
      this.scheduleFlush();
    } else {
      this.queueAck(b.room.code, b.member.id, msg.seq); // nothing to store: the sender can forget it
    }
    return null;
  }

  /** A listener reports when other players' hits sounded on their machine. */
  heard(conn: Connection, msg: { hearings: HearingMsg[] }): { ok: true; data: null } | { ok: false; error: ErrorMsg } {
    const b = this.bound(conn, "heard");
    if ("ok" in b) return b;
    const nowMs = this.deps.now();
    const notRecorded: { from: string; seq: number }[] = [];
    for (const h of msg.hearings) {
      const rec = this.recordingFor(b.room, h.strikeAtMs, nowMs);
      if (!rec || h.from === b.member.id) {
        notRecorded.push({ from: h.from, seq: h.seq }); // nothing to store: the listener can forget it
        continue;
      }
      this.hearingQueue.add({
        recordingId: rec.id,
        roomCode: b.room.code,
        hearing: { listenerId: b.member.id, senderId: h.from, seq: h.seq, soundedAtMs: h.soundedAtMs, late: h.late, skipped: h.skipped },
      });
    }
    if (this.hearingQueue.size) this.scheduleFlush();
    if (notRecorded.length) b.member.conn?.send("hearings:ack", { hearings: notRecorded });
    return { ok: true, data: null };
  }

  /** Stored hearings: their listeners may forget them (hearings come in ~1 s batches, so no pacing). */
  private ackHearings(rows: readonly { roomCode: string; hearing: StoredHearing }[]): void {
    const byListener = new Map<string, { roomCode: string; listenerId: string; keys: { from: string; seq: number }[] }>();
    for (const r of rows) {
      const k = `${r.roomCode}\u0000${r.hearing.listenerId}`;
      let e = byListener.get(k);
      if (!e) byListener.set(k, (e = { roomCode: r.roomCode, listenerId: r.hearing.listenerId, keys: [] }));
      e.keys.push({ from: r.hearing.senderId, seq: r.hearing.seq });
    }
    for (const e of byListener.values()) {
      // Not connected: the browser re-sends them after it rejoins; they are stored once.
      this.rooms.get(e.roomCode)?.members.get(e.listenerId)?.conn?.send("hearings:ack", { hearings: e.keys });
    }
  }

  private recordingFor(room: Room, strikeAtMs: number, nowMs: number): ActiveRecording | null {
    const r = room.recording;
    if (r && strikeAtMs >= r.startedAtMs) return r; // (hits during a count-in are before startedAtMs: not recorded)
    for (const [id, c] of room.closing) {
      if (c.endedAtMs !== null && nowMs - c.endedAtMs > STOP_GRACE_MS) {
        room.closing.delete(id);
        continue;
      }
      if (strikeAtMs >= c.startedAtMs && c.endedAtMs !== null && strikeAtMs <= c.endedAtMs) return c;
    }
    return null;
  }

  quality(conn: Connection, msg: QualityReportMsg): ErrorMsg | null {
    const b = this.bound(conn, "quality");
    if ("ok" in b) return b.error;
    const m = b.member;
    const listening = (msg.listening ?? []).filter((l) => l.from !== m.id && b.room.members.has(l.from));
    const changed =
      m.rttMs === null ||
      Math.abs(m.rttMs - msg.rttMs) >= 1 ||
      JSON.stringify(listening) !== JSON.stringify(m.listening) ||
      (msg.clockErrorMs ?? null) !== m.clockErrorMs ||
      legsMoved(m.legs, msg.legs ?? null);
    m.rttMs = msg.rttMs;
    m.clockErrorMs = msg.clockErrorMs ?? null;
    m.listening = listening;
    m.legs = msg.legs ?? null;
    if (changed) this.broadcastState(b.room);
    return null;
  }

  private requireHost(conn: Connection, event: string): { room: Room; member: Member } | { ok: false; error: ErrorMsg } {
    const b = this.bound(conn, event);
    if ("ok" in b) return b;
    if (!b.member.isHost) return fail("not_host", "Only the host (the room's creator) can do that.", event);
    return b;
  }

  async setMode(conn: Connection, mode: PlayMode): Promise<Result<null>> {
    const b = this.requireHost(conn, "mode:set");
    if ("ok" in b) return b;
    b.room.mode = mode;
    await this.deps.store.updateRoomMode(b.room.code, mode);
    this.broadcastState(b.room);
    return { ok: true, data: null };
  }

  async setTempo(conn: Connection, tempo: Tempo): Promise<Result<null>> {
    const b = this.requireHost(conn, "tempo:set");
    if ("ok" in b) return b;
    const { room } = b;
    const nowMs = this.deps.now();
    // The new tempo starts on the next bar line of the old grid, ahead enough for everyone to hear of it.
    // A change that is not in force by then is replaced at its own start, a bar line of the grid before it
    // (the next bar line of the pending grid would not be one of the grid that is sounding).
    const replacesPending = room.previousGrid !== null && room.epochMs > nowMs + 250;
    const startMs = replacesPending ? room.epochMs : nextBarLineMs(room, nowMs + 250);
    if (room.battle && !room.battle.result) return fail("battle_running", "Change the tempo after the battle.", "tempo:set");
    if (!replacesPending) room.previousGrid = gridEntry(room);
    room.tempoBpm = tempo.tempoBpm;
    room.beatsPerBar = tempo.beatsPerBar;
    room.beatUnit = tempo.beatUnit ?? room.beatUnit;
    room.groove = tempo.groove ?? room.groove;
    room.epochMs = startMs;
    await this.deps.store.updateRoomTempo(room.code, {
      tempoBpm: room.tempoBpm,
      beatsPerBar: room.beatsPerBar,
      beatUnit: room.beatUnit,
      groove: room.groove,
    });
    if (room.recording) this.storeGridChange(room.recording.id, gridEntry(room));
    this.broadcastState(room);
    return { ok: true, data: null };
  }

  /** per recording, the last timeline write: they land in order (each replaces entries at or after its epoch) */
  private timelineWrites = new Map<string, Promise<void>>();
  private storeGridChange(recordingId: string, entry: TimelineEntry): void {
    const write = () => this.deps.store.addTimelineEntry(recordingId, entry);
    const next = (this.timelineWrites.get(recordingId) ?? Promise.resolve()).then(async () => {
      // (the recording's row may still be being created: startRecording sets room.recording first)
      for (let attempt = 1; ; attempt++) {
        try {
          return await write();
        } catch (err) {
          if (attempt >= TIMELINE_WRITE_ATTEMPTS) return this.deps.log?.("storing a tempo change failed (given up)", err);
          await new Promise((r) => setTimeout(r, RETRY_INTERVAL_MS).unref?.());
        }
      }
    });
    this.timelineWrites.set(recordingId, next);
    void next.then(() => {
      if (this.timelineWrites.get(recordingId) === next) this.timelineWrites.delete(recordingId);
    });
  }

  // ---------- recording ----------
  async startRecording(conn: Connection, msg: RecordingStartMsg): Promise<Result<{ id: string; ownerToken: string }>> {
    const b = this.bound(conn, "recording:start");
    if ("ok" in b) return b;
    if (b.member.role === "spectator") return fail("spectator", "Spectators cannot start recordings.", "recording:start");
    const { room, member } = b;
    if (room.recording) return fail("already_recording", "This room is already recording.", "recording:start");
    const id = newRecordingId();
    const ownerToken = randomBytes(24).toString("base64url");
    const grid = { tempoBpm: room.tempoBpm, beatsPerBar: room.beatsPerBar, beatUnit: room.beatUnit, epochMs: room.epochMs };
    // Count-in: start on the bar line after a whole bar of clicks, the same for everyone.
    const startedAtMs = msg.countIn ? nextBarLineMs(grid, this.deps.now() + barMs(grid)) : this.deps.now();
    const rec: ActiveRecording = { id, startedAtMs, startedBy: member.id, endedAtMs: null };
    room.recording = rec;
    try {
      const participantIds = [...room.members.values()].filter((m) => (m.conn || m.connected) && m.role === "player").map((m) => m.id);
      const title = msg.title && msg.title.length > 0 ? msg.title : `Jam ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`;
      await this.deps.store.createRecording({
        id,
        roomCode: room.code,
        title,
        startedAtMs,
        tempoBpm: room.tempoBpm,
        beatsPerBar: room.beatsPerBar,
        participantIds,
        ownerTokenHash: hashToken(ownerToken),
        beatUnit: room.beatUnit,
        // a change still pending at the start: the grid before it sounds until then
        timeline: room.previousGrid && room.epochMs > startedAtMs ? [room.previousGrid, gridEntry(room)] : [gridEntry(room)],
      });
    } catch (err) {
      room.recording = null;
      throw err;
    }
    this.broadcastState(room);
    return { ok: true, data: { id, ownerToken } };
  }

  async stopRecording(conn: Connection): Promise<Result<{ id: string }>> {
    const b = this.bound(conn, "recording:stop");
    if ("ok" in b) return b;
    if (b.member.role === "spectator") return fail("spectator", "Spectators cannot stop recordings.", "recording:stop");
    const { room } = b;
    const rec = room.recording;
    if (!rec) return fail("not_recording", "This room is not recording.", "recording:stop");
    // Stopped during the count-in: an empty recording, not a negative length.
    const endedAtMs = Math.max(this.deps.now(), rec.startedAtMs);
    rec.endedAtMs = endedAtMs;
    room.recording = null;
    room.closing.set(rec.id, rec);
    // Stopping must work even while the database is away: hits stay queued and
    // the end time is written when it returns.
    await this.flush().catch((err: unknown) => this.deps.log?.("flush at stop failed (will retry)", err));
    await this.retryUntilStored(() => this.deps.store.finishRecording(rec.id, endedAtMs), "finish recording");
    await this.refreshRecordings(room).catch(() => undefined);
    this.broadcastState(room);
    // Late hits of the grace period are stored by later flushes; refresh the list's counts after it.
    setTimeout(() => {
      void this.flush()
        .then(() => this.refreshRecordings(room))
        .then(() => this.broadcastState(room))
        .catch((err: unknown) => this.deps.log?.("refresh after stop failed", err));
    }, STOP_GRACE_MS + 100).unref?.();
    return { ok: true, data: { id: rec.id } };
  }

  /** Tries once now; on failure keeps retrying in the background and resolves at once. */
  private async retryUntilStored(write: () => Promise<void>, what: string): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.deps.log?.(`${what} failed (will retry)`, err);
      const again = () => {
        write().catch(() => setTimeout(again, RETRY_INTERVAL_MS).unref?.());
      };
      setTimeout(again, RETRY_INTERVAL_MS).unref?.();
    }
  }

  private async refreshRecordings(room: Room): Promise<void> {
    room.recordings = (await this.deps.store.listRecordings(room.code)).map(toRecordingView);
  }

  // ---------- batched writes ----------
  private scheduleFlush(delayMs = FLUSH_INTERVAL_MS): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush().catch((err: unknown) => this.deps.log?.("hit flush failed (will retry)", err));
    }, delayMs);
  }

  /**
   * Writes every queued hit and hearing (server/write-queue.ts), then
   * acknowledges the hits to their senders. Resolves when everything queued
   * before the call is stored or given up; rejects while the database is away
   * (what it kept is retried), so callers can tell.
   */
  async flush(): Promise<void> {
    const [hits, hearings] = await Promise.allSettled([this.hitQueue.flush(), this.hearingQueue.flush()]);
    const kept = [hits, hearings].some((r) => r.status === "rejected" || r.value.kept > 0);
    if (kept) this.scheduleFlush(RETRY_INTERVAL_MS);
    for (const r of [hits, hearings]) if (r.status === "rejected") throw r.reason;
  }

  private ackStored(stored: readonly { roomCode: string; hit: StoredHit }[]): void {
    for (const p of stored) this.queueAck(p.roomCode, p.hit.participantId, p.hit.seq);
  }

  /** Queues an ack; a sweep every ACK_SWEEP_MS sends each sender's when due (never one sweep per hit). */
  private queueAck(roomCode: string, participantId: string, seq: number): void {
    const key = `${roomCode}\u0000${participantId}`;
    let e = this.acks.get(key);
    if (!e) this.acks.set(key, (e = { roomCode, participantId, seqs: [], lastSentMs: Number.NEGATIVE_INFINITY }));
    e.seqs.push(seq);
    this.armAckSweep();
  }

  /**
   * Sends the acks that are due (ACK_INTERVAL_MS since the sender's last) and
   * keeps the sweep going while any wait. Paced on the process's monotonic
   * clock, not the injected shared clock (tests may freeze that).
   */
  private sendDueAcks(): void {
    const t = performance.now();
    let waiting = false;
    for (const [key, e] of this.acks) {
      const due = t - e.lastSentMs >= ACK_INTERVAL_MS;
      if (e.seqs.length === 0) {
        if (due) this.acks.delete(key); // idle sender: forget it (the map stays bounded)
        continue;
      }
      if (!due) {
        waiting = true;
        continue;
      }
      // The sender may have reconnected meanwhile: ack on their current connection.
      // Not connected: the browser re-sends these after it rejoins; they are stored once.
      this.rooms.get(e.roomCode)?.members.get(e.participantId)?.conn?.send("hits:ack", { seqs: e.seqs });
      e.seqs = [];
      e.lastSentMs = t;
    }
    if (waiting) this.armAckSweep();
  }

  private armAckSweep(): void {
    if (this.ackTimer) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      this.sendDueAcks();
    }, ACK_SWEEP_MS);
    this.ackTimer.unref?.();
  }

  /** Pending writes (for health and tests). */
  get pendingCount(): number {
    return this.hitQueue.size + this.hearingQueue.size;
  }

  /**
   * A recording was renamed or deleted over HTTP: refresh the room's list if it
   * is live here, and tell the other workers (server/workers.ts) unless they told us.
   */
  async recordingsChanged(roomCode: string, opts: { fromPeer?: boolean } = {}): Promise<void> {
    if (!opts.fromPeer) this.deps.onRecordingsChanged?.(roomCode);
    const room = this.rooms.get(roomCode);
    if (!room) return;
    await this.refreshRecordings(room);
    this.broadcastState(room);
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
    for (const room of this.rooms.values()) if (room.battle?.timer) clearTimeout(room.battle.timer);
    await Promise.all(this.saving.values());
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.flush().catch((err: unknown) => this.deps.log?.("final flush failed", err));
    // Everything stored is acknowledged before the clients are disconnected.
    for (const e of this.acks.values()) e.lastSentMs = Number.NEGATIVE_INFINITY;
    this.sendDueAcks();
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
  }
}

/** Legs are re-sent every report; only a move of ≥ 2 ms in a leg is worth a room broadcast. */
function legsMoved(a: LegReport | null, b: LegReport | null): boolean {
  if (a === null || b === null) return a !== b;
  return (["upP50Ms", "upP99Ms", "downP50Ms", "downP99Ms"] as const).some((k) => Math.abs(a[k] - b[k]) >= 2);
}
