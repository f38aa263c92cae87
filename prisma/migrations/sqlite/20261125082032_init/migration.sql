-- CreateTable
CREATE TABLE "Room" (
    "code" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tempoBpm" REAL NOT NULL,
    "beatsPerBar" INTEGER NOT NULL
);

-- CreateTable
CREATE TABLE "Participant" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "roomCode" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "color" TEXT NOT NULL,
    "joinedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Participant_roomCode_fkey" FOREIGN KEY ("roomCode") REFERENCES "Room" ("code") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Recording" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "roomCode" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAtMs" REAL NOT NULL,
    "endedAtMs" REAL,
    "tempoBpm" REAL NOT NULL,
    "beatsPerBar" INTEGER NOT NULL,
    CONSTRAINT "Recording_roomCode_fkey" FOREIGN KEY ("roomCode") REFERENCES "Room" ("code") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RecordingParticipant" (
    "recordingId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,

    PRIMARY KEY ("recordingId", "participantId"),
    CONSTRAINT "RecordingParticipant_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "RecordingParticipant_participantId_fkey" FOREIGN KEY ("participantId") REFERENCES "Participant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Hit" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "recordingId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "strikeAtMs" REAL NOT NULL,
    "pad" TEXT NOT NULL,
    "velocity" REAL NOT NULL,
    CONSTRAINT "Hit_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Hit_participantId_fkey" FOREIGN KEY ("participantId") REFERENCES "Participant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "Participant_roomCode_idx" ON "Participant"("roomCode");

-- CreateIndex
CREATE INDEX "Recording_roomCode_createdAt_idx" ON "Recording"("roomCode", "createdAt");

-- CreateIndex
CREATE INDEX "RecordingParticipant_participantId_idx" ON "RecordingParticipant"("participantId");

-- CreateIndex
CREATE INDEX "Hit_recordingId_strikeAtMs_idx" ON "Hit"("recordingId", "strikeAtMs");

-- CreateIndex
CREATE INDEX "Hit_participantId_idx" ON "Hit"("participantId");

-- CreateIndex
CREATE UNIQUE INDEX "Hit_recordingId_participantId_seq_key" ON "Hit"("recordingId", "participantId", "seq");
