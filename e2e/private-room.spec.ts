import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { useAppServer } from "./support/app";

interface Diag {
  syncSamples: number;
  hits: { kind: "local" | "remote"; from: string; pad: string }[];
}
const diag = (page: Page) => page.evaluate(() => (window as unknown as { __backbeat: Diag }).__backbeat);

/** axe-core: no serious or critical WCAG 2.1 AA violations (as e2e/a11y.spec.ts, without its screenshots) */
async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${what}: ${v.id} (${v.impact}) — ${v.help}`)).toEqual([]);
}

const app = useAppServer();

test("a private room: the guest needs the passcode, a wrong one is refused, the right one lets them jam", async ({ browser }) => {
  const ctxA = await browser.newContext({ baseURL: app.url });
  const ctxB = await browser.newContext({ baseURL: app.url });
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();

  // The host creates a private room with a passcode and sees it (kept in their browser only).
  await a.goto("/");
  await a.getByLabel("Your name").fill("Ada");
  await a.getByRole("checkbox", { name: "Private room" }).check();
  await a.getByLabel("Passcode").fill("groove-2024");
  await expectAccessible(a, "landing with a passcode");
  await a.getByRole("button", { name: "Create room" }).click();
  await expect(a).toHaveURL(/\/room\/[a-z]+-[a-z]+-[0-9a-hjkmnp-tv-z]{8}$/);
  await expect(a.getByText(/Connected · clock synced/)).toBeVisible();
  await expect(a.getByText(/Private room: partners need the passcode too/)).toBeVisible();
  await a.getByRole("button", { name: "Show passcode" }).click();
  await expect(a.getByText("Passcode: groove-2024")).toBeVisible();
  const link = a.url();
  const code = link.split("/").pop()!;

  // The guest opens the link: after the name, the passcode form.
  await b.goto(link);
  await b.getByLabel("Your name").fill("Bo");
  await b.getByRole("button", { name: "Join room" }).click();
  const form = b.getByRole("form", { name: `Room ${code} is private` });
  await expect(form).toBeVisible();
  const field = form.getByLabel("Passcode");
  await expect(field).toBeFocused();
  await expect(form.getByRole("alert")).toHaveCount(0);

  // A wrong passcode: an alert, the field marked invalid, still outside the room.
  await field.fill("groove-2025");
  await form.getByRole("button", { name: "Enter room" }).click();
  await expect(form.getByRole("alert")).toHaveText("Wrong passcode for this room.");
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(b, "passcode form with an error");
  await expect(b.getByRole("listitem").filter({ hasText: "Ada" })).toHaveCount(0);

  // The right one, with the keyboard only.
  await field.fill("groove-2024");
  await field.press("Enter");
  for (const p of [a, b]) {
    await expect(p.getByRole("listitem").filter({ hasText: "Ada" })).toBeVisible();
    await expect(p.getByRole("listitem").filter({ hasText: "Bo" })).toBeVisible();
  }
  await expect(b.getByText(/Private room: partners need the passcode too/)).toBeVisible();
  await expect(b.getByRole("button", { name: "Show passcode" })).toHaveCount(0); // only the host has it
  expect(await b.evaluate((c) => sessionStorage.getItem(`backbeat:passcode:${c}`), code)).toBe("groove-2024");

  // The guest hears the host's hit.
  await expect.poll(async () => (await diag(b)).syncSamples, { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
  await a.getByRole("button", { name: "Kick", exact: true }).click();
  await expect.poll(async () => (await diag(b)).hits.filter((h) => h.kind === "remote").map((h) => h.pad)).toEqual(["kick"]);
  await expect(b.getByRole("button", { name: "Kick", exact: true })).toHaveAttribute("data-remote-lit", "1");

  // A reload rejoins without asking again.
  await b.reload();
  await expect(b.getByText(/Connected · clock synced/)).toBeVisible();
  await expect(form).toHaveCount(0);
  await Promise.all([ctxA.close(), ctxB.close()]);
});
