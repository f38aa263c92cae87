import { describe, expect, it } from "vitest";
import { exportFileName, fileSlug } from "./export-name";

describe("exportFileName: one style for MIDI, JSON, WAV and stems", () => {
  const title = "Jam 2026-12-06 22:56 UTC";

  it("names every export of a recording with the same lowercase stem", () => {
    expect(exportFileName(title, "mid")).toBe("jam-2026-12-06-22-56-utc.mid");
    expect(exportFileName(title, "json")).toBe("jam-2026-12-06-22-56-utc.json");
    expect(exportFileName(title, "wav", "mix")).toBe("jam-2026-12-06-22-56-utc-mix.wav");
    expect(exportFileName(title, "zip", "stems", "as Bo heard")).toBe("jam-2026-12-06-22-56-utc-stems-as-bo-heard.zip");
  });

  it("drops accents and anything unsafe in a quoted header or a file system", () => {
    expect(exportFileName('Café "Jam" / 2 \\ ok?', "mid")).toBe("cafe-jam-2-ok.mid");
    // ø has no decomposition: it is a separator like the emoji
    expect(exportFileName("Ünïcødé 🥁 Groove", "wav", "Zoë")).toBe("unic-de-groove-zoe.wav");
  });

  it("falls back to backbeat when the title has no letters or digits; leaves out empty parts", () => {
    expect(exportFileName("🥁🥁", "json")).toBe("backbeat.json");
    expect(exportFileName("", "wav", "", "mix")).toBe("backbeat-mix.wav");
  });

  it("keeps the title part at most 60 characters, with no dangling dash", () => {
    const slug = fileSlug("a".repeat(59) + " b" + "c".repeat(40));
    expect(slug).toBe("a".repeat(59));
    expect(exportFileName("x".repeat(200), "mid")).toBe(`${"x".repeat(60)}.mid`);
  });
});
