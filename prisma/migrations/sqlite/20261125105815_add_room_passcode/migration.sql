-- AlterTable
ALTER TABLE "Room" ADD COLUMN "passcodeHash" TEXT;
