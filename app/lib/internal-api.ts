/**
 * Server-side only: a page's metadata asks the custom server's own API on this port (pages are
 * bundled by Next and cannot import the server's storage). One request per visitor, all from
 * 127.0.0.1: the server's secret (BACKBEAT_INTERNAL_TOKEN) keeps them off that address's budget
 * (server/http.ts). Resolves null on any failure or after `budgetMs`.
 */
export async function internalApiJson<T>(path: string, budgetMs: number): Promise<T | null> {
  const port = process.env.PORT ?? "3000";
  const host = process.env.HOST && !["0.0.0.0", "::", ""].includes(process.env.HOST) ? process.env.HOST : "127.0.0.1";
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  try {
    const internal = process.env.BACKBEAT_INTERNAL_TOKEN;
    const res = await fetch(`${origin}${path}`, {
      cache: "no-store",
      signal: AbortSignal.timeout(budgetMs),
      headers: internal ? { "x-backbeat-internal": internal } : {},
    });
    if (!res.ok) return null;
    return (await res.json()) as T;
  } catch {
    return null;
  }
}

/**
 * Link previewers (Slack, Discord, WhatsApp, Facebook, X, LinkedIn, Telegram,
 * iMessage's "facebookexternalhit Twitterbot" UA, …) and other crawlers: they
 * wait longer for a page's own title and description than browsers.
 */
export const PREVIEW_BOT_UA = /bot|crawl|spider|slurp|facebookexternalhit|facebot|embedly|preview|whatsapp|telegram|discord|slack|skype|linkedin|pinterest|vkshare|mastodon|bluesky|signal|quora|outbrain|ia_archiver|google-structured-data/i;
