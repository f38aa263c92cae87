import type { Metadata } from "next";
import ReplayClient from "./ReplayClient";

export const metadata: Metadata = {
  title: "Replay",
  description: "Replay a Backbeat drum session, hit for hit, at its original timing.",
  openGraph: { title: "A Backbeat jam — listen back", description: "Every hit at the time it was struck." },
};

export default async function ReplayPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ReplayClient id={id} />;
}
