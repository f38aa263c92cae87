/** The app server of a spec file: started (production build, temporary SQLite) before its tests, stopped after them. */
import { test } from "@playwright/test";
import { AppServer } from "../server";

export function useAppServer(databaseUrl?: string, env?: Record<string, string>): AppServer {
  const app = new AppServer(0, databaseUrl, env);
  test.beforeAll(() => app.start());
  test.afterAll(() => app.stop());
  return app;
}
