/**
 * Battles ("trading bars"): turns on the shared clock, hits of the player whose turn it is kept
 * for scoring, reactions during a turn as votes (one per person per turn), and the scoring a
 * little after the end (core/battle.ts), saved with the recording it happened in — or, when
 * nothing was recording, as a recording of its own (battle-record.ts). The room's one owner does
 * all of it; no locks.
 */
import { battleEndMs, battleResult, scoreTurn, turnAt, turns, type BattleConfig, type Reaction } from "../../core/battle";
import type { Hit, SentHit } from "../../core/hit";
import { barMs, nextBarLineMs } from "../../core/metronome";
import { retryUntilStored, type RoomContext } from "./context";
import { saveBattleRecording } from "./battle-record";
import { fail, OK_NULL, ok, type Result } from "./result";
import { recordingFor } from "./recording";
import { newRecordingId, type BattleState, type Member, type Room } from "./room";

/** the last turn's hits have arrived this long after the battle's end */
export const SCORING_DELAY_MS = 1_500;
/** A battle turn is at most 8 bars: 10,000 hits is far beyond any drummer. */
const MAX_TURN_HITS = 10_000;

export function startBattle(ctx: RoomContext, room: Room, host: Member, opts: { barsPerTurn: number; rounds: number; subdivision: number }): Result<{ startAtMs: number }> {
  if (room.battle && !room.battle.result) return fail("battle_running", "A battle is already running.", "battle:start");
  const players = [...room.members.values()].filter((m) => m.conn && m.role === "player").map((m) => m.id);
  if (players.length < 2) return fail("not_enough_players", "A battle needs at least two players.", "battle:start");
  // Host first, then the others in join order.
  players.sort((x, y) => (x === host.id ? -1 : y === host.id ? 1 : 0));
  const grid = { tempoBpm: room.tempoBpm, beatsPerBar: room.beatsPerBar, beatUnit: room.beatUnit, epochMs: room.epochMs };
  // A full bar of count-in: everyone sees the countdown before the first turn.
  const startAtMs = nextBarLineMs(grid, ctx.clock.now() + barMs(grid));
  const config: BattleConfig = { id: newRecordingId(), players, barsPerTurn: opts.barsPerTurn, rounds: opts.rounds, subdivision: opts.subdivision, startAtMs, grid };
  const battle: BattleState = { config, votes: {}, result: null, voted: new Set(), hits: new Map(), timer: null };
  room.battle = battle;
  scheduleScoring(ctx, room, battle);
  void ctx.changed(room);
  return ok({ startAtMs });
}

export function stopBattle(ctx: RoomContext, room: Room): Result<null> {
  ctx.clock.clearTimeout(room.battle?.timer);
  room.battle = null;
  void ctx.changed(room);
  return OK_NULL;
}

/** A hit of the player whose turn it is (relay.ts calls it for every live hit during a battle). */
export function battleHit(battle: BattleState, playerId: string, hit: SentHit): void {
  const turn = turnAt(battle.config, hit.strikeAtMs);
  if (!turn || turn.player !== playerId) return;
  let list = battle.hits.get(playerId);
  if (!list) battle.hits.set(playerId, (list = []));
  // kept whole (pad, seq): a battle fought while nothing records is stored from these
  if (list.length < MAX_TURN_HITS) list.push({ seq: hit.seq, pad: hit.pad, strikeAtMs: hit.strikeAtMs, velocity: hit.velocity });
}

/** Reactions go to everyone; during a battle turn they count as one vote per person per turn. */
export function react(ctx: RoomContext, room: Room, member: Member, emoji: Reaction): Result<null> {
  const atMs = ctx.clock.now();
  ctx.fanout.toRoom(room.code, null, "reaction", { from: member.id, emoji, atMs });
  const battle = room.battle;
  const turn = battle && !battle.result ? turnAt(battle.config, atMs) : null;
  if (battle && turn && turn.player !== member.id) {
    const key = `${turn.index}:${member.id}`;
    if (!battle.voted.has(key)) {
      battle.voted.add(key);
      battle.votes = { ...battle.votes, [turn.player]: (battle.votes[turn.player] ?? 0) + 1 };
      void ctx.changed(room);
    }
  }
  return OK_NULL;
}

/** Scores the battle a little after its end (the last turn's hits have arrived by then). */
export function scheduleScoring(ctx: RoomContext, room: Room, battle: BattleState): void {
  const delayMs = battleEndMs(battle.config) + SCORING_DELAY_MS - ctx.clock.now();
  battle.timer = ctx.clock.setTimeout(() => {
    battle.timer = null;
    finishBattle(ctx, room, battle).catch((err: unknown) => ctx.log("scoring the battle failed", err));
  }, delayMs);
}

/**
 * Scores every turn, picks the winner, shows it, and saves it: with the recording it happened
 * in, or, when nothing recorded it, as a recording of its own (battle-record.ts).
 */
export async function finishBattle(ctx: RoomContext, room: Room, battle: BattleState): Promise<void> {
  if (room.battle !== battle || battle.result || !ctx.isLive(room)) return;
  const cfg = battle.config;
  const scores = turns(cfg).map((t) => scoreTurn(cfg, t, battle.hits.get(t.player) ?? []));
  battle.result = battleResult(cfg, scores, battle.votes);
  const hits: Hit[] = [...battle.hits].flatMap(([participantId, list]) => list.map((h) => ({ participantId, ...h })));
  battle.hits.clear();
  void ctx.changed(room);
  const saved = { config: cfg, votes: battle.votes, result: battle.result };
  const rec = recordingFor(room, cfg.startAtMs, ctx.clock.now()) ?? (room.recording && room.recording.startedAtMs <= battleEndMs(cfg) ? room.recording : null);
  if (rec) await retryUntilStored(ctx, () => ctx.store.appendRecordingBattle(rec.id, saved), "save battle");
  else await saveBattleRecording(ctx, room, saved, hits);
}
