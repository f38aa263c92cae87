/**
 * WORKERS=2 in a real browser: the production server as a primary and two
 * worker processes (server/workers.ts). Pages and their assets come through
 * the primary (each request its own connection), the room's socket is routed
 * by ?room= to the worker owning the room, and when that worker is killed the
 * pages reconnect to its replacement and jam on.
 */
import { expect, test, type Page } from "@playwright/test";
import { workerIndexForRoom } from "../server/workers";
import { workerPid } from "../test/support/procfs";
import { useAppServer } from "./support/app";

interface Diag {
  hits: { kind: "local" | "remote"; from: string; pad: string }[];
}
const diag = (page: Page) => page.evaluate(() => (window as unknown as { __backbeat: Diag }).__backbeat);
const remoteHits = async (p: Page) => (await diag(p)).hits.filter((h) => h.kind === "remote").length;

const app = useAppServer(undefined, { WORKERS: "2" });

test("two players jam with WORKERS=2; the room's worker is killed and they jam on", async ({ browser }) => {
  const a = await (await browser.newContext({ baseURL: app.url })).newPage();
  const b = await (await browser.newContext({ baseURL: app.url })).newPage();

  await a.goto("/");
  await a.getByLabel("Your name").fill("Ada");
  await a.getByRole("button", { name: "Create room" }).click();
  await expect(a).toHaveURL(/\/room\/[a-z]+-[a-z]+-[0-9a-hjkmnp-tv-z]{8}$/);
  await expect(a.getByText(/Connected · clock synced/)).toBeVisible();
  const code = a.url().split("/").pop()!;

  await b.goto(a.url());
  await b.getByLabel("Your name").fill("Bo");
  await b.getByRole("button", { name: "Join room" }).click();
  for (const p of [a, b]) {
    await expect(p.getByRole("listitem").filter({ hasText: "Ada" })).toBeVisible();
    await expect(p.getByRole("listitem").filter({ hasText: "Bo" })).toBeVisible();
  }

  await a.getByRole("button", { name: "Kick", exact: true }).click();
  await b.getByRole("button", { name: "Snare", exact: true }).click();
  await expect.poll(() => remoteHits(b)).toBe(1);
  await expect.poll(() => remoteHits(a)).toBe(1);

  // kill -9 the worker that owns this room: the primary starts another, both pages reconnect to it.
  const victim = workerPid(app.pid!, workerIndexForRoom(code, 2));
  expect(victim).not.toBeNull();
  process.kill(victim!, "SIGKILL");
  await expect
    .poll(() => {
      const now = workerPid(app.pid!, workerIndexForRoom(code, 2));
      return now !== null && now !== victim;
    }, { timeout: 30_000 })
    .toBe(true);
  for (const p of [a, b]) await expect(p.getByText(/Connected · clock synced/)).toBeVisible({ timeout: 30_000 });
  for (const p of [a, b]) await expect(p.getByRole("listitem").filter({ hasText: "Ada" })).toBeVisible();

  await expect(async () => {
    await a.getByRole("button", { name: "Kick", exact: true }).click();
    await expect.poll(() => remoteHits(b), { timeout: 2_000 }).toBeGreaterThanOrEqual(2);
  }).toPass({ timeout: 30_000 });
  await b.getByRole("button", { name: "Snare", exact: true }).click();
  await expect.poll(() => remoteHits(a)).toBeGreaterThanOrEqual(2);
});
