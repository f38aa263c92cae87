-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Room" (
    "code" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tempoBpm" REAL NOT NULL,
    "beatsPerBar" INTEGER NOT NULL,
    "beatUnit" INTEGER NOT NULL DEFAULT 4,
    "groove" TEXT NOT NULL DEFAULT 'none',
    "mode" TEXT NOT NULL DEFAULT 'live',
    "hostTokenHash" TEXT
);
INSERT INTO "new_Room" ("beatsPerBar", "code", "createdAt", "hostTokenHash", "mode", "tempoBpm") SELECT "beatsPerBar", "code", "createdAt", "hostTokenHash", "mode", "tempoBpm" FROM "Room";
DROP TABLE "Room";
ALTER TABLE "new_Room" RENAME TO "Room";
CREATE TABLE "new_Recording" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "roomCode" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAtMs" REAL NOT NULL,
    "endedAtMs" REAL,
    "tempoBpm" REAL NOT NULL,
    "beatsPerBar" INTEGER NOT NULL,
    "beatUnit" INTEGER NOT NULL DEFAULT 4,
    "ownerTokenHash" TEXT,
    "battlesJson" TEXT,
    CONSTRAINT "Recording_roomCode_fkey" FOREIGN KEY ("roomCode") REFERENCES "Room" ("code") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Recording" ("beatsPerBar", "createdAt", "endedAtMs", "id", "ownerTokenHash", "roomCode", "startedAtMs", "tempoBpm", "title") SELECT "beatsPerBar", "createdAt", "endedAtMs", "id", "ownerTokenHash", "roomCode", "startedAtMs", "tempoBpm", "title" FROM "Recording";
DROP TABLE "Recording";
ALTER TABLE "new_Recording" RENAME TO "Recording";
CREATE INDEX "Recording_roomCode_createdAt_idx" ON "Recording"("roomCode", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
