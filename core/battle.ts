/**
 * Battle mode ("trading bars"): players take turns of N bars on the shared
 * clock; each turn's timing is scored against the grid; reactions from the
 * others during a turn count as votes for whoever is playing. Pure.
 */
import type { Hit } from "./hit";
import { median, quantile } from "./stats";
import { barMs, gridOffsetMs, type Grid } from "./metronome";

export const BATTLE_BARS = [2, 4, 8] as const;
export const BATTLE_SUBDIVISIONS = [4, 8, 16] as const;
export const REACTIONS = ["🔥", "👏", "😮", "😂"] as const;
export type Reaction = (typeof REACTIONS)[number];

export interface BattleConfig {
  id: string;
  /** turn order */
  players: string[];
  barsPerTurn: number;
  /** turns per player */
  rounds: number;
  subdivision: number;
  /** shared time of the first turn's downbeat (a bar line of the grid) */
  startAtMs: number;
  grid: Grid;
}

export interface Turn {
  index: number;
  player: string;
  startMs: number;
  endMs: number;
}

export function turnMs(cfg: BattleConfig): number {
  return barMs(cfg.grid) * cfg.barsPerTurn;
}

export function battleEndMs(cfg: BattleConfig): number {
  return cfg.startAtMs + turnMs(cfg) * cfg.players.length * cfg.rounds;
}

export function turns(cfg: BattleConfig): Turn[] {
  const len = turnMs(cfg);
  return Array.from({ length: cfg.players.length * cfg.rounds }, (_, index) => ({
    index,
    player: cfg.players[index % cfg.players.length]!,
    startMs: cfg.startAtMs + index * len,
    endMs: cfg.startAtMs + (index + 1) * len,
  }));
}

/** The turn in force at atMs, or null before the start / after the end. */
export function turnAt(cfg: BattleConfig, atMs: number): Turn | null {
  if (atMs < cfg.startAtMs || atMs >= battleEndMs(cfg)) return null;
  const index = Math.floor((atMs - cfg.startAtMs) / turnMs(cfg));
  return turns(cfg)[index] ?? null;
}

/** Where a battle stands at an instant: counting down to its first turn, in a turn, or over (scoring). */
export type BattlePhase =
  | { kind: "countdown"; secondsLeft: number; /** until the count shows the next second (the start at 0 s) */ nextSecondInMs: number }
  | { kind: "turn"; turn: Turn; /** the turn after it, null for the last */ next: Turn | null }
  | { kind: "over" };

export function battlePhaseAt(cfg: BattleConfig, atMs: number): BattlePhase {
  if (atMs < cfg.startAtMs) {
    const leftMs = cfg.startAtMs - atMs;
    return { kind: "countdown", secondsLeft: Math.ceil(leftMs / 1000), nextSecondInMs: (leftMs % 1000) + 1 };
  }
  const turn = turnAt(cfg, atMs);
  return turn ? { kind: "turn", turn, next: turnAt(cfg, turn.endMs) } : { kind: "over" };
}

export interface TurnScore {
  turn: number;
  player: string;
  hits: number;
  /** median signed offset from the nearest grid line (ms): + is behind the beat */
  medianOffsetMs: number | null;
  /** spread of the offsets: interquartile range (ms) */
  spreadMs: number | null;
  /** mean velocity 0..1 and its range (dynamics) */
  meanVelocity: number | null;
  velocityRange: number | null;
}

export function scoreTurn(cfg: BattleConfig, turn: Turn, hits: readonly Pick<Hit, "strikeAtMs" | "velocity">[]): TurnScore {
  const mine = hits.filter((h) => h.strikeAtMs >= turn.startMs && h.strikeAtMs < turn.endMs);
  if (mine.length === 0) {
    return { turn: turn.index, player: turn.player, hits: 0, medianOffsetMs: null, spreadMs: null, meanVelocity: null, velocityRange: null };
  }
  const offsets = mine.map((h) => gridOffsetMs(cfg.grid, cfg.subdivision, h.strikeAtMs)).sort((a, b) => a - b);
  const vel = mine.map((h) => h.velocity);
  return {
    turn: turn.index,
    player: turn.player,
    hits: mine.length,
    medianOffsetMs: median(offsets),
    spreadMs: quantile(offsets, 0.75) - quantile(offsets, 0.25),
    meanVelocity: vel.reduce((a, b) => a + b, 0) / vel.length,
    velocityRange: Math.max(...vel) - Math.min(...vel),
  };
}

export interface PlayerResult {
  player: string;
  votes: number;
  hits: number;
  /** median over the player's turns of |median offset|: how centred on the grid */
  timingMs: number | null;
  /** median over the player's turns of the spread: how tight */
  spreadMs: number | null;
}

export interface BattleResult {
  turns: TurnScore[];
  players: PlayerResult[];
  /** most votes; ties broken by tighter timing (smaller spread); null when nobody played */
  winner: string | null;
}

export function battleResult(cfg: BattleConfig, scores: TurnScore[], votes: Record<string, number>): BattleResult {
  const players = cfg.players.map((player) => {
    const mine = scores.filter((s) => s.player === player && s.hits > 0);
    const timing = mine.map((s) => Math.abs(s.medianOffsetMs!));
    const spread = mine.map((s) => s.spreadMs!);
    return {
      player,
      votes: votes[player] ?? 0,
      hits: scores.filter((s) => s.player === player).reduce((a, s) => a + s.hits, 0),
      timingMs: timing.length ? median(timing) : null,
      spreadMs: spread.length ? median(spread) : null,
    };
  });
  const ranked = players
    .filter((p) => p.hits > 0)
    .sort((a, b) => b.votes - a.votes || (a.spreadMs ?? Infinity) - (b.spreadMs ?? Infinity) || (a.timingMs ?? Infinity) - (b.timingMs ?? Infinity));
  return { turns: scores, players, winner: ranked[0]?.player ?? null };
}
