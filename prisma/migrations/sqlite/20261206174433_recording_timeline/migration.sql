-- CreateTable
CREATE TABLE "TimelineEntry" (
    "recordingId" TEXT NOT NULL,
    "epochMs" REAL NOT NULL,
    "tempoBpm" REAL NOT NULL,
    "beatsPerBar" INTEGER NOT NULL,
    "beatUnit" INTEGER NOT NULL,
    "groove" TEXT NOT NULL,

    PRIMARY KEY ("recordingId", "epochMs"),
    CONSTRAINT "TimelineEntry_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
