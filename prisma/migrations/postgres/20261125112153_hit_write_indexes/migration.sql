-- DropIndex
DROP INDEX "Hit_recordingId_strikeAtMs_idx";

-- DropIndex
DROP INDEX "Hit_participantId_idx";
