-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Room" (
    "code" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tempoBpm" REAL NOT NULL,
    "beatsPerBar" INTEGER NOT NULL,
    "mode" TEXT NOT NULL DEFAULT 'live',
    "hostTokenHash" TEXT
);
INSERT INTO "new_Room" ("beatsPerBar", "code", "createdAt", "tempoBpm") SELECT "beatsPerBar", "code", "createdAt", "tempoBpm" FROM "Room";
DROP TABLE "Room";
ALTER TABLE "new_Room" RENAME TO "Room";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
