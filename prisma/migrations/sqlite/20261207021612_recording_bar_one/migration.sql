-- AlterTable
ALTER TABLE "Recording" ADD COLUMN "barOneAtMs" REAL;
