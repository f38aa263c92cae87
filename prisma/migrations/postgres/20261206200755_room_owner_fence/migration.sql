-- AlterTable
ALTER TABLE "Room" ADD COLUMN     "fence" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "stateJson" TEXT;
