import type { Metadata } from "next";
import RoomClient from "./RoomClient";

export async function generateMetadata({ params }: { params: Promise<{ code: string }> }): Promise<Metadata> {
  const { code } = await params;
  return {
    title: `Room ${code}`,
    description: "Join this Backbeat room and play drums together, in time.",
    openGraph: { title: `Jam with me on Backbeat — room ${code}`, description: "Open the link, type your name, hit the pads." },
  };
}

export default async function RoomPage({ params }: { params: Promise<{ code: string }> }) {
  const { code } = await params;
  return <RoomClient code={decodeURIComponent(code)} />;
}
