import type { Metadata } from "next";
import { headers } from "next/headers";
import { internalApiJson, PREVIEW_BOT_UA } from "../../lib/internal-api";
import RoomClient from "./RoomClient";

/** a link previewer waits this long for the room's name (GET /api/rooms/<code>: never a private room's) */
const BOT_BUDGET_MS = 2500;

/**
 * A shared room link previews with the name the host gave the room. Only link previewers wait for
 * it: a browser's first HTML must not (issue 14, "Fast on a phone"), and the page sets its tab
 * title itself once in the room.
 */
export async function generateMetadata({ params }: { params: Promise<{ code: string }> }): Promise<Metadata> {
  const { code } = await params;
  const ua = (await headers()).get("user-agent") ?? "";
  const room = PREVIEW_BOT_UA.test(ua) && /^[A-Za-z0-9_-]{1,64}$/.test(code) ? await internalApiJson<{ name?: string | null }>(`/api/rooms/${code}`, BOT_BUDGET_MS) : null;
  const name = typeof room?.name === "string" && room.name.length > 0 ? room.name : null;
  const description = "Open the link, type your name, hit the pads.";
  return {
    title: name ?? `Room ${code}`,
    description: "Join this Backbeat room and play drums together, in time.",
    openGraph: { title: name ? `Jam with me on Backbeat — ${name}` : `Jam with me on Backbeat — room ${code}`, description, siteName: "Backbeat" },
    twitter: { card: "summary", title: name ? `${name} — a Backbeat room` : `Backbeat room ${code}`, description },
  };
}

export default async function RoomPage({ params }: { params: Promise<{ code: string }> }) {
  const { code } = await params;
  return <RoomClient code={decodeURIComponent(code)} />;
}
