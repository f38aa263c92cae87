import { expect, test, type Browser, type Page } from "@playwright/test";
import { useAppServer } from "./support/app";
import { openSettings } from "./support/room";

interface DiagHit {
  kind: "local" | "remote";
  from: string;
  pad: string;
  strikeAtMs: number;
  scheduledAtMs: number;
  late: boolean;
  playoutDelayMs: number;
}
interface Diag {
  participantId: string;
  syncSamples: number;
  mode: string;
  inputOffsetMs: number;
  hits: DiagHit[];
}
const diag = (page: Page) => page.evaluate(() => (window as unknown as { __backbeat: Diag }).__backbeat);

const app = useAppServer();

async function twoPlayers(browser: Browser) {
  const ctxA = await browser.newContext({ baseURL: app.url });
  const ctxB = await browser.newContext({ baseURL: app.url });
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  await a.goto("/");
  await a.getByLabel("Your name").fill("Host");
  await a.getByRole("button", { name: "Create room" }).click();
  await expect(a).toHaveURL(/\/room\//);
  await b.goto(a.url());
  await b.getByLabel("Your name").fill("Guest");
  await b.getByRole("button", { name: "Join room" }).click();
  for (const p of [a, b]) {
    await expect(p.getByRole("listitem").filter({ hasText: "Guest" })).toBeVisible();
    await expect.poll(async () => (await diag(p))?.syncSamples ?? 0, { timeout: 15_000 }).toBeGreaterThanOrEqual(10);
  }
  return { a, b, close: () => Promise.all([ctxA.close(), ctxB.close()]) };
}

test("the host switches to groove mode: the partner's hits arrive whole bars later; guests cannot switch", async ({ browser }) => {
  const { a, b, close } = await twoPlayers(browser);
  await expect(a.getByRole("listitem").filter({ hasText: "Host (you) · host" })).toBeVisible();
  const guestGroove = (await openSettings(b)).getByRole("group", { name: "Play mode" }).getByRole("button", { name: "Groove" });
  await expect(guestGroove).toBeDisabled();
  await (await openSettings(a)).getByRole("group", { name: "Play mode" }).getByRole("button", { name: "Groove" }).click();
  await expect(guestGroove).toHaveAttribute("aria-pressed", "true");
  await expect.poll(async () => (await diag(b)).mode).toBe("groove");

  await b.keyboard.press("x");
  await expect.poll(async () => (await diag(a)).hits.filter((h) => h.kind === "remote").length).toBe(1);
  const hit = (await diag(a)).hits.find((h) => h.kind === "remote")!;
  const barMs = (60_000 / 100) * 4;
  expect(hit.playoutDelayMs).toBe(barMs); // 1 bar covers a loopback delay
  expect(hit.scheduledAtMs - hit.strikeAtMs).toBeCloseTo(barMs, 6);
  await a.locator("summary", { hasText: "Technical figures" }).click(); // the latency table is behind a disclosure
  await expect(a.getByRole("table").getByText("(1 bar)")).toBeVisible();
  await close();
});

test("fair monitoring plays your own hits with the delay your partner hears them with", async ({ browser }) => {
  const { a, b, close } = await twoPlayers(browser);
  await openSettings(a); // Fair monitoring and the latency table are in the settings sheet
  await a.locator("summary", { hasText: "Technical figures" }).click(); // the table is behind a disclosure
  // Let B learn A's hits, and report its delay for them.
  for (let i = 0; i < 5; i++) {
    await a.keyboard.press("s");
    await a.waitForTimeout(100);
  }
  await expect(a.getByRole("table").getByText(/they hear you \+\d+ ms/)).toBeVisible({ timeout: 10_000 });
  const fair = a.getByRole("button", { name: "Fair monitoring" });
  await fair.click();
  await expect(fair).toHaveAttribute("aria-pressed", "true");
  await a.keyboard.press("c");
  const local = (await diag(a)).hits.filter((h) => h.kind === "local").at(-1)!;
  expect(local.pad).toBe("snare");
  expect(local.playoutDelayMs).toBeGreaterThan(0);
  expect(local.scheduledAtMs - local.strikeAtMs).toBeGreaterThan(0);
  // Off again: heard at once.
  await fair.click();
  await a.keyboard.press("c");
  expect((await diag(a)).hits.filter((h) => h.kind === "local").at(-1)!.playoutDelayMs).toBe(0);
  void b;
  await close();
});

test("calibration: steady taps 30 ms after the clicks are accepted and applied; uneven taps are refused; reset clears it", async ({ page }) => {
  await page.goto(`${app.url}/`);
  await page.getByLabel("Your name").fill("Solo");
  await page.getByRole("button", { name: "Create room" }).click();
  await expect(page).toHaveURL(/\/room\//);
  await expect.poll(async () => (await diag(page))?.syncSamples ?? 0, { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
  await openSettings(page);
  await page.getByRole("button", { name: "Calibrate" }).click();

  const tapAlong = async (jitterMs: number) => {
    await page.getByRole("button", { name: "Start calibration" }).click();
    await page.evaluate(async (jitter) => {
      const clicks = (window as unknown as { __backbeatCalibration: { clicksPerfMs: number[] } }).__backbeatCalibration.clicksPerfMs;
      let seed = 7;
      const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
      await Promise.all(
        clicks.map(
          (c, i) =>
            new Promise<void>((resolve) => {
              const at = c + 30 + (i % 2 ? 1 : -1) * jitter * Math.abs(rand());
              setTimeout(() => {
                window.dispatchEvent(new KeyboardEvent("keydown", { key: " " }));
                resolve();
              }, Math.max(0, at - performance.now()));
            }),
        ),
      );
    }, jitterMs);
  };

  await tapAlong(0);
  await expect(page.getByRole("status").filter({ hasText: /^Saved\./ })).toBeVisible({ timeout: 15_000 });
  const offset = (await diag(page)).inputOffsetMs;
  expect(offset).toBeGreaterThan(25);
  expect(offset).toBeLessThan(45); // 30 ms plus timer lateness
  await expect(page.getByText(/Input offset: \d+\.\d ms/)).toBeVisible();

  // Strike times now subtract the offset: a key pressed now is struck `offset` ms earlier.
  const before = await page.evaluate(() => (window as unknown as { __backbeat: { sharedNow(): number } }).__backbeat.sharedNow());
  await page.keyboard.press("x");
  const hit = (await diag(page)).hits.filter((h) => h.kind === "local").at(-1)!;
  expect(hit.strikeAtMs).toBeLessThan(before);

  await tapAlong(120);
  await expect(page.getByRole("status").filter({ hasText: /^Not saved\./ })).toBeVisible({ timeout: 15_000 });
  expect((await diag(page)).inputOffsetMs).toBe(offset);

  await page.getByRole("button", { name: "Reset calibration" }).click();
  expect((await diag(page)).inputOffsetMs).toBe(0);
  await expect(page.getByText("Input offset: 0.0 ms")).toBeVisible();
});

test("latency panel: quick ↔ safe is priced in ms, applies to the playout, and is remembered on this device; monitoring latency shown", async ({ browser }) => {
  const { a, b, close } = await twoPlayers(browser);
  // A plays a few hits so B's panel can price the three targets from real transits.
  for (let i = 0; i < 6; i++) {
    await a.keyboard.press("x");
    await a.waitForTimeout(120);
  }
  const targetOf = (p: Page) => p.evaluate(() => (window as unknown as { __backbeat: { lateTarget: string } }).__backbeat.lateTarget);
  await openSettings(b);
  const panel = b.getByRole("group", { name: "Partner timing" });
  await expect(panel.getByRole("radio", { name: /Normal \(0\.5% late, \d+ ms\)/ })).toBeChecked();
  await expect(panel.getByRole("radio", { name: /Tight \(2\.0% late, \d+ ms\)/ })).toBeVisible();
  await panel.getByRole("radio", { name: /^Safe/ }).check();
  expect(await targetOf(b)).toBe("safe");
  await expect(a.getByTestId("monitor-latency")).toContainText(/heard \d+\.\d ms after you strike \(the fastest this device can: \d+\.\d ms\)/);
  await b.reload();
  await openSettings(b);
  await expect(b.getByRole("group", { name: "Partner timing" }).getByRole("radio", { name: /^Safe/ })).toBeChecked({ timeout: 15_000 });
  expect(await targetOf(b)).toBe("safe");
  await close();
});
