import { expect, test } from "@playwright/test";
import { useAppServer } from "./support/app";
import { closeSettings, openSettings, synced } from "./support/room";

const app = useAppServer();

test("battle mode: two players trade bars on a shared countdown, a spectator votes, everyone sees the result", async ({ browser }) => {
  const [ctxA, ctxB, ctxC] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
  const [a, b, c] = await Promise.all([ctxA.newPage(), ctxB.newPage(), ctxC.newPage()]);
  await a.goto(`${app.url}/`);
  await a.getByLabel("Your name").fill("Ada");
  await a.getByRole("button", { name: "Create room" }).click();
  await expect(a).toHaveURL(/\/room\//);
  await b.goto(a.url());
  await b.getByLabel("Your name").fill("Bo");
  await b.getByRole("button", { name: "Join room" }).click();
  await c.goto(a.url());
  await c.getByLabel("Your name").fill("Cy");
  await c.getByLabel(/Spectator/).check();
  await c.getByRole("button", { name: "Join room" }).click();
  for (const p of [a, b, c]) await synced(p);
  await expect(a.getByRole("listitem").filter({ hasText: "Cy" }).filter({ hasText: "spectator" })).toBeVisible();
  await expect(c.getByRole("button", { name: "Kick", exact: true })).toBeDisabled();

  // One bar = 2 s: a turn of 2 bars leaves room for three pages' clicks and key presses on a
  // busy 2-core CI machine (at 240 BPM, 1 s bars, the last presses of a turn fell into the next).
  await openSettings(a);
  await a.getByLabel("Tempo (BPM)").fill("120");
  await a.getByRole("button", { name: "Apply" }).click();
  await closeSettings(a);
  await expect(c.getByRole("img", { name: /120 quarter notes a minute/ })).toBeVisible();
  await a.waitForTimeout(2500);

  await a.getByRole("button", { name: "Start recording" }).click();
  await expect(b.getByRole("button", { name: "Start battle" })).toHaveCount(0); // only the host
  await a.getByLabel("Bars per turn").selectOption("2");
  await a.getByLabel("Rounds").selectOption("1");
  await a.getByRole("button", { name: "Start battle" }).click();
  for (const p of [a, b, c]) await expect(p.getByText(/Battle starts in \d+ s — Ada plays first/)).toBeVisible();

  // Ada's turn: everyone sees it; Ada plays; the spectator reacts (a vote for Ada).
  await expect(c.getByText(/Ada’s turn — \d bars? left · then Bo/)).toBeVisible({ timeout: 8_000 });
  await c.getByRole("button", { name: "React with fire" }).click();
  for (const p of [a, b]) await expect(p.getByText(/Ada’s turn — \d bars? left · then Bo/)).toBeVisible();
  for (let i = 0; i < 6; i++) {
    await a.keyboard.press("c");
    await a.waitForTimeout(100);
  }
  // The turn's bar fills as the turn goes (an animation the page starts once per turn), and the
  // text counts the bars down at the bar line (recomputed only in the frames where it changes).
  const fill = c.locator(".turn-bar span");
  const scale = () => fill.evaluate((el) => new DOMMatrix(getComputedStyle(el).transform).a);
  const s1 = await scale();
  await c.waitForTimeout(300);
  const s2 = await scale();
  expect(s1).toBeGreaterThan(0);
  expect(s2).toBeGreaterThan(s1);
  expect(s2).toBeLessThan(1);
  await expect(c.getByText(/Ada’s turn — 1 bar left · then Bo/)).toBeVisible({ timeout: 5_000 });
  await expect(a.getByText("🔥 Cy")).toBeVisible();

  // Bo's turn: Bo plays; the spectator and Ada react (two votes for Bo).
  await expect(b.getByText(/Bo’s turn — \d bars? left · last turn/)).toBeVisible({ timeout: 8_000 });
  await c.getByRole("button", { name: "React with applause" }).click();
  await a.getByRole("button", { name: "React with wow" }).click();
  for (let i = 0; i < 4; i++) {
    await b.keyboard.press("x");
    await b.waitForTimeout(100);
  }

  for (const p of [a, b, c]) await expect(p.getByText(/Bo wins!/)).toBeVisible({ timeout: 10_000 });
  const rows = c.getByRole("region", { name: "Battle result" }).getByRole("row");
  await expect(rows.filter({ hasText: "Ada" })).toContainText(/Ada\s*1\s*6/);
  await expect(rows.filter({ hasText: "Bo" })).toContainText(/Bo\s*2\s*4/);
  // the battle panel is in the side column, below the fold at 1280×720: the picture shows the result
  await c.getByRole("region", { name: "Battle result" }).scrollIntoViewIfNeeded();
  await c.screenshot({ path: "docs/screenshots/battle-result-desktop.png" });

  // The battle and its scores are saved with the recording and shown on replay.
  await a.getByRole("button", { name: "Stop recording" }).click();
  const link = a.getByRole("link", { name: /^Jam / }).first();
  await expect(link).toBeVisible();
  await c.goto(`${app.url}${await link.getAttribute("href")}`);
  const section = c.getByRole("region", { name: "Battle" });
  await expect(section.getByText(/Bo\s*won/)).toBeVisible();
  await expect(section.getByRole("row")).toHaveCount(3); // header + 2 turns
  await expect(section.getByText("Votes: Ada 1 · Bo 2")).toBeVisible();
  await Promise.all([ctxA.close(), ctxB.close(), ctxC.close()]);
});
