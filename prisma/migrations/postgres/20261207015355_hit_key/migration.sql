-- DropIndex
DROP INDEX "Hit_recordingId_participantId_seq_key";

-- AlterTable
ALTER TABLE "Hit" DROP CONSTRAINT "Hit_pkey",
DROP COLUMN "id",
ADD CONSTRAINT "Hit_pkey" PRIMARY KEY ("recordingId", "participantId", "seq");
