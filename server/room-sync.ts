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
import type { ListeningReport, PlayMode } from "../core/protocol";

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
  save(code: string, state: SharedRoomState, members: SharedMember[]): Promise<void>;
  onRemoteChange(cb: (code: string) => void): void;
  pushBattleHit(battleId: string, player: string, hit: { strikeAtMs: number; velocity: number }): void;
  battleHits(battleId: string, player: string): Promise<{ strikeAtMs: number; velocity: number }[]>;
  close(): Promise<void>;
}

/** One process: nothing to share. Battle hits stay in memory. */
export class LocalRoomSync implements RoomSync {
  readonly shared = false;
  private readonly hits = new Map<string, { strikeAtMs: number; velocity: number }[]>();
  constructor(readonly serverId = "local") {}
  async load() {
    return null;
  }
  async save() {}
  onRemoteChange() {}
  pushBattleHit(battleId: string, player: string, hit: { strikeAtMs: number; velocity: number }) {
    const key = `${battleId}:${player}`;
    const list = this.hits.get(key) ?? [];
    // A battle turn is at most 8 bars: 10,000 hits is far beyond any drummer.
    if (list.length < 10_000) list.push(hit);
    this.hits.set(key, list);
  }
  async battleHits(battleId: string, player: string) {
    return this.hits.get(`${battleId}:${player}`) ?? [];
  }
  async close() {}
}

/** The subset of a node-redis client this module uses (so tests can pass any client). */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, opts?: { EX?: number }): Promise<unknown>;
  hGetAll(key: string): Promise<Record<string, string>>;
  del(key: string | string[]): Promise<unknown>;
  hSet(key: string, field: string, value: string): Promise<unknown>;
  expire(key: string, seconds: number): Promise<unknown>;
  rPush(key: string, value: string): Promise<unknown>;
  lRange(key: string, start: number, stop: number): Promise<string[]>;
  publish(channel: string, message: string): Promise<unknown>;
  multi(): { set(k: string, v: string, o?: { EX?: number }): unknown; del(k: string): unknown; hSet(k: string, f: string, v: string): unknown; expire(k: string, s: number): unknown; exec(): Promise<unknown> };
}

const ROOM_TTL_S = 24 * 3600; // a room nobody touched for a day is rebuilt from the database
const CHANNEL = "backbeat:rooms";

export class RedisRoomSync implements RoomSync {
  readonly shared = true;
  private listeners: ((code: string) => void)[] = [];

  constructor(
    readonly serverId: string,
    private readonly client: RedisLike,
    private readonly subscriber: { subscribe(channel: string, cb: (message: string) => void): Promise<unknown>; quit?(): Promise<unknown> },
  ) {}

  async start(): Promise<void> {
    await this.subscriber.subscribe(CHANNEL, (message) => {
      const sep = message.indexOf("|");
      const from = message.slice(0, sep);
      const code = message.slice(sep + 1);
      if (from !== this.serverId) for (const cb of this.listeners) cb(code);
    });
  }

  async load(code: string) {
    const [state, members] = await Promise.all([this.client.get(`bb:room:${code}:state`), this.client.hGetAll(`bb:room:${code}:members`)]);
    if (!state) return null;
    return {
      state: JSON.parse(state) as SharedRoomState,
      members: Object.values(members).map((m) => JSON.parse(m) as SharedMember),
    };
  }

  async save(code: string, state: SharedRoomState, members: SharedMember[]): Promise<void> {
    const m = this.client.multi();
    m.set(`bb:room:${code}:state`, JSON.stringify(state), { EX: ROOM_TTL_S });
    m.del(`bb:room:${code}:members`);
    for (const member of members) m.hSet(`bb:room:${code}:members`, member.id, JSON.stringify(member));
    m.expire(`bb:room:${code}:members`, ROOM_TTL_S);
    await m.exec();
    await this.client.publish(CHANNEL, `${this.serverId}|${code}`);
  }

  onRemoteChange(cb: (code: string) => void): void {
    this.listeners.push(cb);
  }

  pushBattleHit(battleId: string, player: string, hit: { strikeAtMs: number; velocity: number }): void {
    const key = `bb:battle:${battleId}:${player}`;
    void this.client.rPush(key, JSON.stringify(hit)).then(() => this.client.expire(key, 3600));
  }

  async battleHits(battleId: string, player: string) {
    const raw = await this.client.lRange(`bb:battle:${battleId}:${player}`, 0, 9_999);
    return raw.map((r) => JSON.parse(r) as { strikeAtMs: number; velocity: number });
  }

  async close(): Promise<void> {
    await this.subscriber.quit?.();
  }
}
