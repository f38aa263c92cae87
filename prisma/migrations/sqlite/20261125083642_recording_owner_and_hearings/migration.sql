-- AlterTable
ALTER TABLE "Recording" ADD COLUMN "ownerTokenHash" TEXT;

-- CreateTable
CREATE TABLE "Hearing" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "recordingId" TEXT NOT NULL,
    "listenerId" TEXT NOT NULL,
    "senderId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "soundedAtMs" REAL NOT NULL,
    "late" BOOLEAN NOT NULL,
    "skipped" BOOLEAN NOT NULL,
    CONSTRAINT "Hearing_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "Hearing_recordingId_listenerId_senderId_seq_key" ON "Hearing"("recordingId", "listenerId", "senderId", "seq");
