-- AlterTable
ALTER TABLE "Recording" ADD COLUMN     "ownerTokenHash" TEXT;

-- CreateTable
CREATE TABLE "Hearing" (
    "id" SERIAL NOT NULL,
    "recordingId" TEXT NOT NULL,
    "listenerId" TEXT NOT NULL,
    "senderId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "soundedAtMs" DOUBLE PRECISION NOT NULL,
    "late" BOOLEAN NOT NULL,
    "skipped" BOOLEAN NOT NULL,

    CONSTRAINT "Hearing_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Hearing_recordingId_listenerId_senderId_seq_key" ON "Hearing"("recordingId", "listenerId", "senderId", "seq");

-- AddForeignKey
ALTER TABLE "Hearing" ADD CONSTRAINT "Hearing_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording"("id") ON DELETE CASCADE ON UPDATE CASCADE;
