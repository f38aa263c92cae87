/**
 * Room state shared between server processes. With one process (no
 * REDIS_URL) it is a no-op and the room lives in memory, exactly as before.
 * With Redis, every change a server makes to a room is written to Redis and
 * announced; the other servers reload their copy. Fan-out of events to
 * sockets on other servers is the Socket.IO Redis Streams adapter's job
 * (server/socket.ts), not this module's.
 */
import type { BattleConfig, BattleResult } from "../core/battle";
import type { GrooveId } from "../core/grooves";
import type { LegReport, ListeningReport, PlayMode } from "../core/protocol";

export interface SharedRoomState {
  tempoBpm: number;
  beatsPerBar: number;
  beatUnit: number;
  groove: GrooveId;
  epochMs: number;
  mode: PlayMode;
  recording: { id: string; startedAtMs: number; startedBy: string; endedAtMs: number | null } | null;
  closing: { id: string; startedAtMs: number; startedBy: string; endedAtMs: number | null }[];
  battle: { config: BattleConfig; votes: Record<string, number>; result: BattleResult | null; voted: string[] } | null;
  kicked: [string, number][];
  /** the grid before the last tempo change (recordings starting before it takes effect store it); absent from older servers */
  previousGrid?: { epochMs: number; tempoBpm: number; beatsPerBar: number; beatUnit: number; groove: string } | null;
}

export interface SharedMember {
  id: string;
  name: string;
  color: string;
  role: "player" | "spectator";
  isHost: boolean;
  rttMs: number | null;
  clockErrorMs: number | null;
  listening: ListeningReport[];
  legs?: LegReport | null;
  connected: boolean;
  /** the server holding this member's connection */
  serverId: string | null;
  /** sha256 of the member's seat key (see joinSchema.seatKey) */
  seatKeyHash: string | null;
}

export interface RoomSync {
  readonly serverId: string;
  readonly shared: boolean;
  load(code: string): Promise<{ state: SharedRoomState; members: SharedMember[] } | null>;
  /**
   * Writes the room's state, and merges members: `members` (the ones this server holds or
   * changed) are written, `removed` deleted, everyone else's entries are left as they are.
   */
  save(code: string, state: SharedRoomState, members: SharedMember[], removed: string[]): Promise<void>;
  onRemoteChange(cb: (code: string) => void): void;
  pushBattleHit(battleId: string, player: string, hit: { strikeAtMs: number; velocity: number }): void;
  battleHits(battleId: string, player: string): Promise<{ strikeAtMs: number; velocity: number }[]>;
  /**
   * Counts one vote for `player` unless `voterKey` (`${turn}:${memberId}`) already voted in
   * this battle. Returns the battle's vote totals after it, or null when it was not counted.
   */
  vote(battleId: string, voterKey: string, player: string): Promise<Record<string, number> | null>;
  /** the battle's vote totals */
  votes(battleId: string): Promise<Record<string, number>>;
  /** true for exactly one caller per battle (per lock lifetime): that server scores it */
  claimScoring(battleId: string): Promise<boolean>;
  /** kept apart from the room snapshot, so a save from a server that has not seen it yet cannot undo it */
  saveBattleResult(battleId: string, result: BattleResult): Promise<void>;
  /** of these server ids, those with no live heartbeat (their members are gone) */
  deadServers(serverIds: string[]): Promise<Set<string>>;
  close(): Promise<void>;
}

/** KEYS: voted set, votes hash; ARGV: voter key, player, TTL in s. Returns 1 when counted, 0 when this voter already voted. */
const VOTE_SCRIPT = `
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
return 1
`;

/** battles whose hits and votes a single process remembers (the oldest are forgotten first) */
const LOCAL_BATTLES_KEPT = 256;

/** One process: nothing to share. Battle hits and votes stay in memory, for the last LOCAL_BATTLES_KEPT battles. */
export class LocalRoomSync implements RoomSync {
  readonly shared = false;
  /** per battle (insertion order = age): hits per player, who voted, the tally */
  private readonly battles = new Map<string, { hits: Map<string, { strikeAtMs: number; velocity: number }[]>; voted: Set<string>; tally: Record<string, number> }>();
  constructor(readonly serverId = "local") {}
  async load() {
    return null;
  }
  async save() {}
  onRemoteChange() {}
  private battle(battleId: string) {
    let b = this.battles.get(battleId);
    if (!b) {
      b = { hits: new Map(), voted: new Set(), tally: {} };
      this.battles.set(battleId, b);
      // Bounded: a long-running server forgets battles long over (their results are saved with the recording).
      while (this.battles.size > LOCAL_BATTLES_KEPT) this.battles.delete(this.battles.keys().next().value!);
    }
    return b;
  }
  pushBattleHit(battleId: string, player: string, hit: { strikeAtMs: number; velocity: number }) {
    const hits = this.battle(battleId).hits;
    const list = hits.get(player) ?? [];
    // A battle turn is at most 8 bars: 10,000 hits is far beyond any drummer.
    if (list.length < 10_000) list.push(hit);
    hits.set(player, list);
  }
  async battleHits(battleId: string, player: string) {
    return this.battles.get(battleId)?.hits.get(player) ?? [];
  }
  async vote(battleId: string, voterKey: string, player: string) {
    const b = this.battle(battleId);
    if (b.voted.has(voterKey)) return null;
    b.voted.add(voterKey);
    b.tally[player] = (b.tally[player] ?? 0) + 1;
    return { ...b.tally };
  }
  async votes(battleId: string) {
    return { ...this.battles.get(battleId)?.tally };
  }
  async claimScoring() {
    return true; // alone: nobody to race
  }
  async saveBattleResult() {}
  async deadServers() {
    return new Set<string>(); // alone: every member is on this server
  }
  async close() {}
}

/** The subset of a node-redis client this module uses (so tests can pass any client). */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, opts?: { EX?: number; expiration?: { type: "PX"; value: number }; condition?: "NX" }): Promise<string | null>;
  mGet(keys: string[]): Promise<(string | null)[]>;
  hGetAll(key: string): Promise<Record<string, string>>;
  del(key: string | string[]): Promise<unknown>;
  hSet(key: string, field: string, value: string): Promise<unknown>;
  expire(key: string, seconds: number): Promise<unknown>;
  rPush(key: string, value: string): Promise<unknown>;
  sAdd(key: string, member: string): Promise<number>;
  hIncrBy(key: string, field: string, increment: number): Promise<number>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  lRange(key: string, start: number, stop: number): Promise<string[]>;
  publish(channel: string, message: string): Promise<unknown>;
  multi(): { set(k: string, v: string, o?: { EX?: number }): unknown; del(k: string): unknown; hSet(k: string, f: string, v: string): unknown; hDel(k: string, f: string): unknown; expire(k: string, s: number): unknown; exec(): Promise<unknown> };
}

const ROOM_TTL_S = 24 * 3600; // a room nobody touched for a day is rebuilt from the database
const CHANNEL = "backbeat:rooms";
/**
 * Battle hits, votes and results outlive any battle (8 bars × 8 players × rounds) by far. Per
 * battle: `bb:battle:<id>:<player>` hit lists, and `:voted`, `:votes`, `:scorer`, `:result` —
 * shorter than any participant id (8–40 characters), so never a player's list.
 */
const BATTLE_TTL_S = 3600;
/**
 * Each server refreshes `bb:server:<id>:alive` this often, with this TTL: a server that died
 * (kill -9, lost host) is known dead 6 s after its last beat at most. Three beats per TTL, so a
 * GC pause or a Redis hiccup of a few seconds does not disconnect anybody.
 */
export const HEARTBEAT_INTERVAL_MS = 2_000;
export const HEARTBEAT_TTL_MS = 6_000;
/**
 * The scorer of a battle holds its lock this long. It saves the result within milliseconds of
 * winning; should it die first, another server's retry takes the lock once it expires.
 */
export const SCORING_LOCK_MS = 10_000;

export class RedisRoomSync implements RoomSync {
  readonly shared = true;
  private listeners: ((code: string) => void)[] = [];
  private heartbeat: ReturnType<typeof setInterval> | null = null;

  constructor(
    readonly serverId: string,
    private readonly client: RedisLike,
    private readonly subscriber: { subscribe(channel: string, cb: (message: string) => void): Promise<unknown>; quit?(): Promise<unknown> },
  ) {}

  async start(): Promise<void> {
    // Alive before anyone can join here: a member is never listed on a server without a heartbeat.
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat().catch(() => undefined), HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref?.();
    await this.subscriber.subscribe(CHANNEL, (message) => {
      const sep = message.indexOf("|");
      const from = message.slice(0, sep);
      const code = message.slice(sep + 1);
      if (from !== this.serverId) for (const cb of this.listeners) cb(code);
    });
  }

  private beat(): Promise<unknown> {
    return this.client.set(aliveKey(this.serverId), String(Date.now()), { expiration: { type: "PX", value: HEARTBEAT_TTL_MS } });
  }

  /**
   * The room as last saved, corrected: members held by a server without a live heartbeat are
   * disconnected, and the battle's votes and result are the ones kept apart from the snapshot.
   */
  async load(code: string) {
    const [state, members] = await Promise.all([this.client.get(`bb:room:${code}:state`), this.client.hGetAll(`bb:room:${code}:members`)]);
    if (!state) return null;
    const shared = {
      state: JSON.parse(state) as SharedRoomState,
      members: Object.values(members).map((m) => JSON.parse(m) as SharedMember),
    };
    const dead = await this.deadServers(shared.members.filter((m) => m.connected && m.serverId).map((m) => m.serverId!));
    for (const m of shared.members) {
      if (m.connected && m.serverId && dead.has(m.serverId)) {
        m.connected = false;
        m.rttMs = null;
      }
    }
    const battle = shared.state.battle;
    if (battle) {
      const [votes, result] = await Promise.all([this.votes(battle.config.id), this.client.get(`bb:battle:${battle.config.id}:result`)]);
      battle.votes = votes;
      if (result && !battle.result) battle.result = JSON.parse(result) as BattleResult;
    }
    return shared;
  }

  async deadServers(serverIds: string[]): Promise<Set<string>> {
    const ids = [...new Set(serverIds)].filter((id) => id !== this.serverId);
    if (ids.length === 0) return new Set();
    const alive = await this.client.mGet(ids.map(aliveKey));
    return new Set(ids.filter((_, i) => alive[i] === null));
  }

  async save(code: string, state: SharedRoomState, members: SharedMember[], removed: string[]): Promise<void> {
    const m = this.client.multi();
    m.set(`bb:room:${code}:state`, JSON.stringify(state), { EX: ROOM_TTL_S });
    for (const member of members) m.hSet(`bb:room:${code}:members`, member.id, JSON.stringify(member));
    for (const id of removed) m.hDel(`bb:room:${code}:members`, id);
    m.expire(`bb:room:${code}:members`, ROOM_TTL_S);
    await m.exec();
    await this.client.publish(CHANNEL, `${this.serverId}|${code}`);
  }

  onRemoteChange(cb: (code: string) => void): void {
    this.listeners.push(cb);
  }

  pushBattleHit(battleId: string, player: string, hit: { strikeAtMs: number; velocity: number }): void {
    const key = `bb:battle:${battleId}:${player}`;
    // A lost battle hit costs a point of score, not the process (an unhandled rejection would).
    void this.client
      .rPush(key, JSON.stringify(hit))
      .then(() => this.client.expire(key, BATTLE_TTL_S))
      .catch(() => undefined);
  }

  async battleHits(battleId: string, player: string) {
    const raw = await this.client.lRange(`bb:battle:${battleId}:${player}`, 0, 9_999);
    return raw.map((r) => JSON.parse(r) as { strikeAtMs: number; velocity: number });
  }

  async vote(battleId: string, voterKey: string, player: string): Promise<Record<string, number> | null> {
    // One script, so atomic: SADD decides who voted first, whatever server they are on, and
    // HINCRBY counts it — a server dying in between cannot record a voter without the vote.
    const counted = await this.client.eval(VOTE_SCRIPT, {
      keys: [`bb:battle:${battleId}:voted`, `bb:battle:${battleId}:votes`],
      arguments: [voterKey, player, String(BATTLE_TTL_S)],
    });
    if (counted === 0) return null;
    return this.votes(battleId);
  }

  async votes(battleId: string): Promise<Record<string, number>> {
    const raw = await this.client.hGetAll(`bb:battle:${battleId}:votes`);
    return Object.fromEntries(Object.entries(raw).map(([player, n]) => [player, Number(n)]));
  }

  async claimScoring(battleId: string): Promise<boolean> {
    const won = await this.client.set(`bb:battle:${battleId}:scorer`, this.serverId, { expiration: { type: "PX", value: SCORING_LOCK_MS }, condition: "NX" });
    return won !== null;
  }

  async saveBattleResult(battleId: string, result: BattleResult): Promise<void> {
    await this.client.set(`bb:battle:${battleId}:result`, JSON.stringify(result), { EX: BATTLE_TTL_S });
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    // Stopped on purpose: the others need not wait for the TTL to know.
    await this.client.del(aliveKey(this.serverId)).catch(() => undefined);
    await this.subscriber.quit?.();
  }
}

function aliveKey(serverId: string): string {
  return `bb:server:${serverId}:alive`;
}
