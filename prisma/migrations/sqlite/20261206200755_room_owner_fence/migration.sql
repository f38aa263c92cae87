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
    "hostTokenHash" TEXT,
    "passcodeHash" TEXT,
    "fence" INTEGER NOT NULL DEFAULT 0,
    "stateJson" TEXT
);
INSERT INTO "new_Room" ("beatUnit", "beatsPerBar", "code", "createdAt", "groove", "hostTokenHash", "mode", "passcodeHash", "tempoBpm") SELECT "beatUnit", "beatsPerBar", "code", "createdAt", "groove", "hostTokenHash", "mode", "passcodeHash", "tempoBpm" FROM "Room";
DROP TABLE "Room";
ALTER TABLE "new_Room" RENAME TO "Room";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
