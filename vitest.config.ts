import { defineConfig } from "vitest/config";

/**
 * The files that share one Redis's default key prefixes ("bb" ownership leases and channels, the
 * per-address limits): run one at a time. Every other integration file has its own server on a
 * free port, its own SQLite file or PostgreSQL schema, so they run two at a time.
 */
const SHARED_REDIS = [
  "test/integration/multi-node.test.ts",
  "test/integration/multi-node-failover.test.ts",
  "test/integration/ownership-redis.test.ts",
  "test/integration/shared-limits.test.ts",
];
const integration = { environment: "node" as const, testTimeout: 30_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    // two test files at a time on this 2-core machine (vitest's default leaves one core free)
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: "unit",
          include: ["core/**/*.test.ts", "server/**/*.test.ts", "app/lib/**/*.test.ts", "bench/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: { name: "integration", include: ["test/integration/**/*.test.ts"], exclude: SHARED_REDIS, ...integration },
      },
      {
        test: { name: "integration-redis", include: SHARED_REDIS, ...integration, fileParallelism: false },
      },
    ],
  },
});
