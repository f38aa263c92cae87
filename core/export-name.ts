/**
 * One naming style for every file a recording is exported as (issue 14, defect 8: the server
 * named MIDI and JSON "Jam-2026-12-06-2256-UTC.mid" while the replay page named WAVs
 * "jam-2026-12-06-22-56-utc-mix.wav"). The server's Content-Disposition and the page's
 * download attributes both call exportFileName, so the files of one recording sort together:
 *
 *   jam-2026-12-06-22-56-utc.mid · jam-2026-12-06-22-56-utc.json · jam-2026-12-06-22-56-utc-mix.wav
 *
 * Pure: lowercase ASCII words joined by "-" (accents dropped, anything else a separator), so a
 * name is safe in a quoted header and on every file system.
 */
export type ExportExt = "mid" | "json" | "wav" | "zip";

/** the title part stays readable in a file dialog */
const TITLE_MAX_CHARS = 60;
/** a file named after a title with no letters or digits left */
const FALLBACK_TITLE = "backbeat";

/** "Café Jam #2" → "cafe-jam-2"; "" when nothing is left. */
export function fileSlug(text: string, maxChars = TITLE_MAX_CHARS): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // combining marks: é → e
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, maxChars)
    .replace(/^-+|-+$/g, "");
}

/**
 * `<title>[-<part>…].<ext>`, e.g. exportFileName("Jam 1", "wav", "mix", "as Bo heard") →
 * "jam-1-mix-as-bo-heard.wav". Empty parts are left out.
 */
export function exportFileName(title: string, ext: ExportExt, ...parts: string[]): string {
  const words = [fileSlug(title) || FALLBACK_TITLE, ...parts.map((p) => fileSlug(p)).filter((p) => p.length > 0)];
  return `${words.join("-")}.${ext}`;
}
