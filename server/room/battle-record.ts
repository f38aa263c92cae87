/**
 * A battle fought while nothing was recording is still kept (issue 14, defect 8: a battle's
 * result used to be saved only inside a recording that happened to run). It becomes a recording
 * of its own — the battle's span, the hits of each player's own turns (what was scored), the
 * room's grid, and the result — so it is listed with the room's recordings and replayed, scored
 * turn by turn, like any other. Nobody holds an owner token for it: it was nobody's Start.
 */
import { battleEndMs, type BattleConfig } from "../../core/battle";
import type { Hit } from "../../core/hit";
import { LIMITS } from "../../core/limits";
import { RETRY_INTERVAL_MS } from "./writer";
import type { RoomContext } from "./context";
import { refreshRecordings } from "./recording";
import type { Room } from "./room";

export interface SavedBattle {
  config: BattleConfig;
  votes: Record<string, number>;
  result: unknown;
}

/** "Battle: Ada vs Bo" (names as they are now; a player who left keeps the name they had). */
export function battleTitle(room: Pick<Room, "members">, cfg: Pick<BattleConfig, "players">): string {
  const names = cfg.players.map((id) => room.members.get(id)?.name ?? "a player");
  return `Battle: ${names.join(" vs ")}`.slice(0, LIMITS.titleMaxChars);
}

/**
 * Stores the battle as a recording named after its players, with the battle's id (already an
 * unguessable recording id), and lists it in the room. Each step runs once; a failed one is
 * retried on the clock until the database takes it (as retryUntilStored, but a retry does not
 * repeat the steps that landed: creating the recording twice would fail forever).
 */
export async function saveBattleRecording(ctx: RoomContext, room: Room, saved: SavedBattle, hits: Hit[]): Promise<void> {
  const cfg = saved.config;
  const id = cfg.id;
  const steps: { what: string; run: () => Promise<unknown> }[] = [
    {
      what: "create the battle's recording",
      run: async () => {
        try {
          await ctx.store.createRecording({
            id,
            roomCode: room.code,
            title: battleTitle(room, cfg),
            startedAtMs: cfg.startAtMs,
            tempoBpm: cfg.grid.tempoBpm,
            beatsPerBar: cfg.grid.beatsPerBar,
            beatUnit: cfg.grid.beatUnit ?? 4,
            participantIds: cfg.players,
            ownerTokenHash: null,
            // tempo and meter cannot change during a battle (transport.ts): one grid holds
            timeline: [{ epochMs: cfg.grid.epochMs, tempoBpm: cfg.grid.tempoBpm, beatsPerBar: cfg.grid.beatsPerBar, beatUnit: cfg.grid.beatUnit ?? 4, groove: room.groove }],
          });
        } catch (err) {
          // an earlier attempt that landed but was reported failed
          if (!(await ctx.store.getRecordingSummary(id))) throw err;
        }
      },
    },
    { what: "store the battle's hits", run: () => (hits.length ? ctx.store.addHits(id, hits) : Promise.resolve(0)) }, // duplicates are ignored
    { what: "finish the battle's recording", run: () => ctx.store.finishRecording(id, battleEndMs(cfg)) },
    { what: "save battle", run: () => ctx.store.appendRecordingBattle(id, saved) },
    {
      what: "list the battle's recording",
      run: async () => {
        if (!ctx.isLive(room)) return;
        await refreshRecordings(ctx, room);
        void ctx.changed(room);
      },
    },
  ];
  let next = 0;
  const runFrom = async (): Promise<void> => {
    while (next < steps.length) {
      await steps[next]!.run();
      next++;
    }
  };
  try {
    await runFrom();
  } catch (err) {
    ctx.log(`${steps[next]?.what ?? "save battle"} failed (will retry)`, err);
    const again = () => {
      runFrom().catch(() => ctx.clock.setTimeout(again, RETRY_INTERVAL_MS));
    };
    ctx.clock.setTimeout(again, RETRY_INTERVAL_MS);
  }
}
