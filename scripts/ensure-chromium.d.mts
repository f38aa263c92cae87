/** Path of a Chromium executable for Playwright, or null when none is installed. */
export function findChromium(): string | null;
