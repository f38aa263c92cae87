-- AlterTable
ALTER TABLE "Recording" ADD COLUMN     "barOneAtMs" DOUBLE PRECISION;
