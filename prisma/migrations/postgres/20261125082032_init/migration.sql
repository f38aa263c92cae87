-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Room" (
    "code" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tempoBpm" DOUBLE PRECISION NOT NULL,
    "beatsPerBar" INTEGER NOT NULL,

    CONSTRAINT "Room_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "Participant" (
    "id" TEXT NOT NULL,
    "roomCode" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "color" TEXT NOT NULL,
    "joinedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Participant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Recording" (
    "id" TEXT NOT NULL,
    "roomCode" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAtMs" DOUBLE PRECISION NOT NULL,
    "endedAtMs" DOUBLE PRECISION,
    "tempoBpm" DOUBLE PRECISION NOT NULL,
    "beatsPerBar" INTEGER NOT NULL,

    CONSTRAINT "Recording_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RecordingParticipant" (
    "recordingId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,

    CONSTRAINT "RecordingParticipant_pkey" PRIMARY KEY ("recordingId","participantId")
);

-- CreateTable
CREATE TABLE "Hit" (
    "id" SERIAL NOT NULL,
    "recordingId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "strikeAtMs" DOUBLE PRECISION NOT NULL,
    "pad" TEXT NOT NULL,
    "velocity" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "Hit_pkey" PRIMARY KEY ("id")
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

-- AddForeignKey
ALTER TABLE "Participant" ADD CONSTRAINT "Participant_roomCode_fkey" FOREIGN KEY ("roomCode") REFERENCES "Room"("code") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Recording" ADD CONSTRAINT "Recording_roomCode_fkey" FOREIGN KEY ("roomCode") REFERENCES "Room"("code") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RecordingParticipant" ADD CONSTRAINT "RecordingParticipant_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RecordingParticipant" ADD CONSTRAINT "RecordingParticipant_participantId_fkey" FOREIGN KEY ("participantId") REFERENCES "Participant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Hit" ADD CONSTRAINT "Hit_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Hit" ADD CONSTRAINT "Hit_participantId_fkey" FOREIGN KEY ("participantId") REFERENCES "Participant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
