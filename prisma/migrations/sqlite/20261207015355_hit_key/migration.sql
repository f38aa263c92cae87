-- RedefineTables
-- Hand-edited: WITHOUT ROWID (Prisma's schema cannot say it). The key is the table: an insert
-- writes one B-tree instead of a rowid table and a unique index (docs/benchmarks/relay.md).
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Hit" (
    "recordingId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "strikeAtMs" REAL NOT NULL,
    "pad" TEXT NOT NULL,
    "velocity" REAL NOT NULL,

    PRIMARY KEY ("recordingId", "participantId", "seq"),
    CONSTRAINT "Hit_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Hit_participantId_fkey" FOREIGN KEY ("participantId") REFERENCES "Participant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
INSERT INTO "new_Hit" ("pad", "participantId", "recordingId", "seq", "strikeAtMs", "velocity") SELECT "pad", "participantId", "recordingId", "seq", "strikeAtMs", "velocity" FROM "Hit";
DROP TABLE "Hit";
ALTER TABLE "new_Hit" RENAME TO "Hit";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
