-- AlterTable
ALTER TABLE "Room" ADD COLUMN     "beatUnit" INTEGER NOT NULL DEFAULT 4,
ADD COLUMN     "groove" TEXT NOT NULL DEFAULT 'none';

-- AlterTable
ALTER TABLE "Recording" ADD COLUMN     "battlesJson" TEXT,
ADD COLUMN     "beatUnit" INTEGER NOT NULL DEFAULT 4;
