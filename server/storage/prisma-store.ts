/**
 * The Store on top of a generated Prisma client. One implementation serves
 * SQLite and PostgreSQL: it is typed against the SQLite client, and
 * index.ts hands in the PostgreSQL client through one documented cast.
 * Nothing generated leaves this file: results are mapped to server/store.ts types.
 */
import { compareHits, type Hit } from "../../core/hit";
import { PAD_IDS, type PadId } from "../../core/kit";
import { hitRangeError, seqRangeError, timeRangeError } from "../../core/protocol";
import type {
  HitRow,
  ParticipantRecord,
  RecordingSummary,
  RecordingWithHits,
  StoredHearing,
  RoomRecord,
  RoomStateRecord,
  Store,
  TimelineEntry,
} from "../store";
import { checkTimelineEntry } from "../../core/timeline";
import { Prisma, type PrismaClient } from "../../generated/sqlite/client";
import type { HitWriter } from "./sqlite-hit-writer";
import { batchesOf, checkColumns, columnsOf, type HitColumnBatch } from "../hit-columns";

/** The client type the implementation is written against (see index.ts for the PostgreSQL cast). */
export type StoreClient = PrismaClient;

// SQLite allows 32,766 bound parameters per statement and PostgreSQL 65,535;
// 6 per hit × 1,000 rows stays well inside both.
const HITS_PER_STATEMENT = 1_000;


type ParticipantInfo = RecordingSummary["participants"][number];

export class PrismaStore implements Store {
  private closed = false;

  constructor(
    readonly kind: "sqlite" | "postgres",
    private readonly db: StoreClient,
    /** a faster path for the hot hit inserts (SQLite: a prepared statement in a worker thread, server/storage/sqlite-hit-writer.ts) */
    private readonly hitWriter?: HitWriter,
  ) {}

  async createRoom(room: { code: string; tempoBpm: number; beatsPerBar: number; hostTokenHash?: string | null; passcodeHash?: string | null }): Promise<boolean> {
    try {
      await this.db.room.create({ data: room });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async getRoom(code: string): Promise<RoomRecord | null> {
    const room = await this.db.room.findUnique({ where: { code } });
    return (
      room && {
        code: room.code,
        createdAt: room.createdAt,
        tempoBpm: room.tempoBpm,
        beatsPerBar: room.beatsPerBar,
        beatUnit: room.beatUnit,
        groove: room.groove,
        mode: room.mode === "groove" ? "groove" : "live",
        hostTokenHash: room.hostTokenHash,
        passcodeHash: room.passcodeHash,
        stateJson: room.stateJson,
        fence: room.fence,
      }
    );
  }

  async claimRoom(code: string): Promise<number | null> {
    // One statement: the increment and the read cannot interleave with another claim
    // (an update...returning is atomic in both SQLite and PostgreSQL).
    const rows = await this.db.$queryRaw<{ fence: number | bigint }[]>`
      UPDATE "Room" SET "fence" = "fence" + 1 WHERE "code" = ${code} RETURNING "fence"`;
    const fence = rows[0]?.fence;
    return fence === undefined ? null : Number(fence);
  }

  async saveRoomState(code: string, state: RoomStateRecord, fence: number): Promise<boolean> {
    // The fence in the WHERE clause is the whole guard: once a newer owner claimed the room,
    // this matches no row and the old owner learns it must let the room go.
    const { count } = await this.db.room.updateMany({ where: { code, fence }, data: state });
    return count === 1;
  }

  async upsertParticipant(p: ParticipantRecord): Promise<void> {
    const fields = { roomCode: p.roomCode, name: p.name, color: p.color };
    await this.db.participant.upsert({ where: { id: p.id }, create: { id: p.id, ...fields }, update: fields });
  }

  async createRecording(rec: {
    id: string;
    roomCode: string;
    title: string;
    startedAtMs: number;
    barOneAtMs?: number | null;
    tempoBpm: number;
    beatsPerBar: number;
    participantIds: string[];
    ownerTokenHash?: string | null;
    beatUnit?: number;
    timeline?: TimelineEntry[];
  }): Promise<void> {
    const { participantIds, timeline = [], ...fields } = rec;
    // A nested create is one statement batch in one transaction.
    await this.db.recording.create({
      data: {
        ...fields,
        participants: { create: [...new Set(participantIds)].map((participantId) => ({ participantId })) },
        timeline: { create: [...new Map(timeline.map((e) => [e.epochMs, timelineRow(e)])).values()] },
      },
    });
  }

  async addTimelineEntry(recordingId: string, entry: TimelineEntry): Promise<void> {
    const row = timelineRow(entry);
    await this.db.$transaction([
      this.db.timelineEntry.deleteMany({ where: { recordingId, epochMs: { gte: row.epochMs } } }),
      this.db.timelineEntry.create({ data: { recordingId, ...row } }),
    ]);
  }

  async getTimeline(recordingId: string): Promise<TimelineEntry[]> {
    return this.db.timelineEntry.findMany({ where: { recordingId }, select: TIMELINE_FIELDS, orderBy: { epochMs: "asc" } });
  }

  async addRecordingParticipant(recordingId: string, participantId: string): Promise<void> {
    // Idempotent without a read-then-write race: re-adding someone is normal.
    await this.db.$executeRaw`
      INSERT INTO "RecordingParticipant" ("recordingId", "participantId")
      VALUES (${recordingId}, ${participantId})
      ON CONFLICT ("recordingId", "participantId") DO NOTHING`;
  }

  async finishRecording(id: string, endedAtMs: number): Promise<void> {
    const { count } = await this.db.recording.updateMany({ where: { id }, data: { endedAtMs } });
    if (count === 0) throw new Error(`Unknown recording: ${id}`);
  }

  async addHits(recordingId: string, hits: Hit[]): Promise<number> {
    return this.addHitBatches([{ recordingId, hits }]);
  }

  async addHitColumns(batch: HitColumnBatch): Promise<number> {
    if (batch.length === 0) return 0;
    if (!this.hitWriter) return this.addHitBatches(batchesOf(batch));
    await checkColumns(batch);
    return this.hitWriter.write(batch);
  }

  async addHitBatches(batches: { recordingId: string; hits: Hit[] }[]): Promise<number> {
    if (this.hitWriter) {
      // The SQLite writer thread inserts in order with ON CONFLICT DO NOTHING in one transaction:
      // the first occurrence inside a batch wins there too, so no key per hit is built here (the hot path).
      for (const { hits } of batches) for (const hit of hits) checkHit(hit);
      return this.hitWriter.write(columnsOf(batches));
    }
    // First occurrence wins inside a batch, as the stored row wins across batches.
    const unique = new Map<string, HitRow>();
    for (const { recordingId, hits } of batches) {
      for (const hit of hits) {
        checkHit(hit);
        const key = `${recordingId}\u0000${hit.participantId}\u0000${hit.seq}`;
        if (!unique.has(key)) unique.set(key, { recordingId, hit });
      }
    }
    const rows = [...unique.values()];
    if (rows.length === 0) return 0;

    // Prisma's createMany has no skipDuplicates on SQLite, so both providers
    // use the same INSERT … ON CONFLICT DO NOTHING (SQLite ≥ 3.24, any
    // supported PostgreSQL). Its affected-row count excludes ignored rows.
    // All recordings' hits go in the same statements: one transaction per
    // flush, however many rooms are recording (docs/benchmarks/relay.md).
    const statements: Prisma.Sql[] = [];
    for (let start = 0; start < rows.length; start += HITS_PER_STATEMENT) {
      const values = rows
        .slice(start, start + HITS_PER_STATEMENT)
        .map(({ recordingId, hit: h }) => Prisma.sql`(${recordingId}, ${h.participantId}, ${h.seq}, ${h.strikeAtMs}, ${h.pad}, ${h.velocity})`);
      statements.push(Prisma.sql`
        INSERT INTO "Hit" ("recordingId", "participantId", "seq", "strikeAtMs", "pad", "velocity")
        VALUES ${Prisma.join(values)}
        ON CONFLICT ("recordingId", "participantId", "seq") DO NOTHING`);
    }
    const counts =
      statements.length === 1
        ? [await this.db.$executeRaw(statements[0]!)]
        : await this.db.$transaction(statements.map((sql) => this.db.$executeRaw(sql)));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  async addHearings(recordingId: string, hearings: StoredHearing[]): Promise<number> {
    const unique = new Map<string, StoredHearing>();
    for (const h of hearings) {
      const invalid = seqRangeError(h.seq) ?? timeRangeError("soundedAtMs", h.soundedAtMs);
      if (invalid) throw new RangeError(`Hearing ${invalid}`);
      const key = `${h.listenerId}\u0000${h.senderId}\u0000${h.seq}`;
      if (!unique.has(key)) unique.set(key, h);
    }
    const rows = [...unique.values()];
    if (rows.length === 0) return 0;
    const statements: Prisma.Sql[] = [];
    for (let start = 0; start < rows.length; start += HITS_PER_STATEMENT) {
      const values = rows
        .slice(start, start + HITS_PER_STATEMENT)
        .map((h) => Prisma.sql`(${recordingId}, ${h.listenerId}, ${h.senderId}, ${h.seq}, ${h.soundedAtMs}, ${h.late}, ${h.skipped})`);
      statements.push(Prisma.sql`
        INSERT INTO "Hearing" ("recordingId", "listenerId", "senderId", "seq", "soundedAtMs", "late", "skipped")
        VALUES ${Prisma.join(values)}
        ON CONFLICT ("recordingId", "listenerId", "senderId", "seq") DO NOTHING`);
    }
    const counts = await this.db.$transaction(statements.map((sql) => this.db.$executeRaw(sql)));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  async listOpenRecordings(roomCode: string): Promise<RecordingSummary[]> {
    const recordings = await this.db.recording.findMany({
      where: { roomCode, endedAtMs: null },
      orderBy: [{ startedAtMs: "desc" }],
      include: { _count: { select: { hits: true } } },
    });
    const participants = await this.participantsOf(recordings.map((r) => r.id));
    return recordings.map((r) => summary(r, r._count.hits, participants.get(r.id) ?? []));
  }

  async getRecordingOwnerHash(id: string): Promise<string | null | undefined> {
    const r = await this.db.recording.findUnique({ where: { id }, select: { ownerTokenHash: true } });
    return r === null ? undefined : r.ownerTokenHash;
  }

  async appendRecordingBattle(recordingId: string, battle: unknown): Promise<void> {
    // Read-modify-write in one transaction: battles are rare (one per few minutes).
    await this.db.$transaction(async (tx) => {
      const r = await tx.recording.findUnique({ where: { id: recordingId }, select: { battlesJson: true } });
      if (!r) throw new Error(`Unknown recording: ${recordingId}`);
      const list = r.battlesJson ? (JSON.parse(r.battlesJson) as unknown[]) : [];
      list.push(battle);
      await tx.recording.update({ where: { id: recordingId }, data: { battlesJson: JSON.stringify(list) } });
    });
  }

  async renameRecording(id: string, title: string): Promise<boolean> {
    const { count } = await this.db.recording.updateMany({ where: { id }, data: { title } });
    return count > 0;
  }

  async deleteRecording(id: string): Promise<boolean> {
    const { count } = await this.db.recording.deleteMany({ where: { id } });
    return count > 0;
  }

  async listRecordings(roomCode: string): Promise<RecordingSummary[]> {
    const recordings = await this.db.recording.findMany({
      where: { roomCode },
      orderBy: [{ createdAt: "desc" }, { startedAtMs: "desc" }, { id: "asc" }],
      include: { _count: { select: { hits: true } } },
    });
    const participants = await this.participantsOf(recordings.map((r) => r.id));
    return recordings.map((r) => summary(r, r._count.hits, participants.get(r.id) ?? []));
  }

  async getRecordingSummary(id: string): Promise<RecordingSummary | null> {
    const r = await this.db.recording.findUnique({
      where: { id },
      select: { ...SUMMARY_FIELDS, _count: { select: { hits: true } } },
    });
    if (!r) return null;
    const participants = await this.participantsOf([id]);
    return summary(r, r._count.hits, participants.get(id) ?? []);
  }

  async getRecordingOwner(id: string): Promise<{ roomCode: string; ownerTokenHash: string | null } | null> {
    return this.db.recording.findUnique({ where: { id }, select: { roomCode: true, ownerTokenHash: true } });
  }

  async getRecording(id: string): Promise<RecordingWithHits | null> {
    const recording = await this.db.recording.findUnique({
      where: { id },
      include: {
        hits: {
          select: { participantId: true, seq: true, strikeAtMs: true, pad: true, velocity: true },
          orderBy: [{ strikeAtMs: "asc" }, { participantId: "asc" }, { seq: "asc" }],
        },
        timeline: { select: TIMELINE_FIELDS, orderBy: { epochMs: "asc" } },
      },
    });
    if (!recording) return null;
    // The database's order on participantId follows its collation, which
    // differs between providers (and PostgreSQL locales); re-sort the ties by
    // code unit so both backends return the same order.
    const hits = recording.hits.map(toHit).sort(compareHits);
    const participants = await this.participantsOf([id]);
    const hearings = (
      await this.db.hearing.findMany({
        where: { recordingId: id },
        select: { listenerId: true, senderId: true, seq: true, soundedAtMs: true, late: true, skipped: true },
        orderBy: [{ listenerId: "asc" }, { soundedAtMs: "asc" }],
      })
    ).sort((a, b) => (a.listenerId < b.listenerId ? -1 : a.listenerId > b.listenerId ? 1 : a.soundedAtMs - b.soundedAtMs));
    const battles = recording.battlesJson ? (JSON.parse(recording.battlesJson) as unknown[]) : [];
    return { ...summary(recording, hits.length, participants.get(id) ?? []), hits, hearings, battles, timeline: recording.timeline };
  }

  async ping(): Promise<void> {
    await this.db.$queryRaw`SELECT 1`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.hitWriter?.close();
    await this.db.$disconnect();
  }

  /**
   * Everyone who took part: those registered on the recording plus anyone
   * with hits in it (a late joiner whose registration was lost still shows).
   * Ordered by join time, then id.
   */
  private async participantsOf(recordingIds: string[]): Promise<Map<string, ParticipantInfo[]>> {
    const result = new Map<string, ParticipantInfo[]>();
    if (recordingIds.length === 0) return result;
    const [registered, hitters] = await Promise.all([
      this.db.recordingParticipant.findMany({
        where: { recordingId: { in: recordingIds } },
        select: { recordingId: true, participantId: true },
      }),
      this.db.hit.groupBy({ by: ["recordingId", "participantId"], where: { recordingId: { in: recordingIds } } }),
    ]);
    const idsByRecording = new Map<string, Set<string>>();
    for (const { recordingId, participantId } of [...registered, ...hitters]) {
      let ids = idsByRecording.get(recordingId);
      if (!ids) idsByRecording.set(recordingId, (ids = new Set()));
      ids.add(participantId);
    }
    const allIds = [...new Set([...idsByRecording.values()].flatMap((ids) => [...ids]))];
    const people = await this.db.participant.findMany({
      where: { id: { in: allIds } },
      select: { id: true, name: true, color: true, joinedAt: true },
    });
    people.sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime() || compareCodeUnits(a.id, b.id));
    for (const [recordingId, ids] of idsByRecording) {
      result.set(
        recordingId,
        people.filter((p) => ids.has(p.id)).map(({ id, name, color }) => ({ id, name, color })),
      );
    }
    return result;
  }
}

/** The columns `summary` reads (not battlesJson, which may be long). */
const SUMMARY_FIELDS = {
  id: true,
  roomCode: true,
  title: true,
  createdAt: true,
  startedAtMs: true,
  barOneAtMs: true,
  endedAtMs: true,
  tempoBpm: true,
  beatsPerBar: true,
  beatUnit: true,
} as const;

function summary(
  r: {
    id: string;
    roomCode: string;
    title: string;
    createdAt: Date;
    startedAtMs: number;
    barOneAtMs: number | null;
    endedAtMs: number | null;
    tempoBpm: number;
    beatsPerBar: number;
    beatUnit: number;
  },
  hitCount: number,
  participants: ParticipantInfo[],
): RecordingSummary {
  return {
    id: r.id,
    roomCode: r.roomCode,
    title: r.title,
    createdAt: r.createdAt,
    startedAtMs: r.startedAtMs,
    barOneAtMs: r.barOneAtMs,
    endedAtMs: r.endedAtMs,
    tempoBpm: r.tempoBpm,
    beatsPerBar: r.beatsPerBar,
    beatUnit: r.beatUnit,
    hitCount,
    participants,
  };
}

const TIMELINE_FIELDS = { epochMs: true, tempoBpm: true, beatsPerBar: true, beatUnit: true, groove: true } as const;

/** A timeline entry's columns, checked: a grid the replay or the MIDI export could not use is refused here. */
function timelineRow(e: TimelineEntry): TimelineEntry {
  checkTimelineEntry(e);
  return { epochMs: e.epochMs, tempoBpm: e.tempoBpm, beatsPerBar: e.beatsPerBar, beatUnit: e.beatUnit, groove: e.groove };
}

const PADS: ReadonlySet<string> = new Set(PAD_IDS);

function isPadId(value: string): value is PadId {
  return PADS.has(value);
}

function toHit(row: Omit<Hit, "pad"> & { pad: string }): Hit {
  if (!isPadId(row.pad)) throw new Error(`Stored hit has an unknown pad, got: ${row.pad}`);
  return { participantId: row.participantId, seq: row.seq, strikeAtMs: row.strikeAtMs, pad: row.pad, velocity: row.velocity };
}

/**
 * Fails loudly on values outside the protocol's bounds (core/protocol.ts LIMITS: the
 * same ones the socket checks, so a hit accepted there is never refused here).
 */
function checkHit(hit: Hit): void {
  const invalid = hitRangeError(hit);
  if (invalid) throw new RangeError(`Hit ${invalid}`);
  if (!isPadId(hit.pad)) throw new RangeError(`Hit pad must be one of ${PAD_IDS.join(", ")}, got: ${String(hit.pad)}`);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}
