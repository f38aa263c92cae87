import type { Metadata } from "next";
import { headers } from "next/headers";
import { preload } from "react-dom";
import type { RecordingSummaryJson } from "../../../core/http-api";
import { formatClock } from "../../../core/replay";
import { internalApiJson, PREVIEW_BOT_UA } from "../../lib/internal-api";
import ReplayClient from "./ReplayClient";

type RecordingHead = RecordingSummaryJson;

const GENERIC: Metadata = {
  title: "Replay",
  description: "Replay a Backbeat drum session, hit for hit, at its original timing.",
  openGraph: { title: "A Backbeat jam — listen back", description: "Every hit at the time it was struck.", type: "website", siteName: "Backbeat" },
  twitter: { card: "summary", title: "A Backbeat jam — listen back", description: "Every hit at the time it was struck." },
};

const BOT_BUDGET_MS = 2500;
/**
 * Every visitor gets the recording's head too: the summary (`?summary=1`) is a
 * count and two small queries, whatever the recording's length. A browser's
 * HTML waits for it at most this long (then the generic head; ReplayClient
 * sets the tab title anyway).
 */
const BROWSER_BUDGET_MS = 500;

/** The recording's head (title, players, tempo, length): `?summary=1`, the recording without its hits. */
async function fetchHead(id: string, budgetMs: number): Promise<RecordingHead | null> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null;
  return internalApiJson<RecordingHead>(`/api/recordings/${id}?summary=1`, budgetMs);
}

function listNames(names: string[]): string {
  if (names.length === 0) return "Nobody";
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  const ua = (await headers()).get("user-agent") ?? "";
  const head = await fetchHead(id, !ua || PREVIEW_BOT_UA.test(ua) ? BOT_BUDGET_MS : BROWSER_BUDGET_MS);
  if (!head || typeof head.title !== "string") return GENERIC;
  const names = listNames((head.participants ?? []).map((p) => p.name));
  const lengthMs = head.endedAtMs !== null ? head.endedAtMs - head.startedAtMs : null;
  const description =
    `${names} ${head.participants?.length === 1 ? "drumming" : "jamming"}${lengthMs !== null ? ` for ${formatClock(lengthMs)}` : ""} at ${head.tempoBpm} BPM` +
    ` on Backbeat. Replay every hit as played, or as each player heard it.`;
  const title = `${head.title} — ${names}`;
  return {
    title: head.title,
    description,
    openGraph: { title, description, type: "website", siteName: "Backbeat" },
    twitter: { card: "summary", title, description },
  };
}

export default async function ReplayPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  // start downloading the recording while the page's scripts load (ReplayClient's fetch then reuses it)
  if (/^[A-Za-z0-9_-]{1,64}$/.test(id)) preload(`/api/recordings/${id}`, { as: "fetch", crossOrigin: "anonymous" });
  return <ReplayClient id={id} />;
}
