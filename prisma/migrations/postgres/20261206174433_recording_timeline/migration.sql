-- CreateTable
CREATE TABLE "TimelineEntry" (
    "recordingId" TEXT NOT NULL,
    "epochMs" DOUBLE PRECISION NOT NULL,
    "tempoBpm" DOUBLE PRECISION NOT NULL,
    "beatsPerBar" INTEGER NOT NULL,
    "beatUnit" INTEGER NOT NULL,
    "groove" TEXT NOT NULL,

    CONSTRAINT "TimelineEntry_pkey" PRIMARY KEY ("recordingId","epochMs")
);

-- AddForeignKey
ALTER TABLE "TimelineEntry" ADD CONSTRAINT "TimelineEntry_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording"("id") ON DELETE CASCADE ON UPDATE CASCADE;
