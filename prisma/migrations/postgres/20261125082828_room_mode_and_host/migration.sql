-- AlterTable
ALTER TABLE "Room" ADD COLUMN     "hostTokenHash" TEXT,
ADD COLUMN     "mode" TEXT NOT NULL DEFAULT 'live';
