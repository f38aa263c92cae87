import { defineConfig } from "vitest/config";

/**
 * Integration files that run alone, one at a time, after the others:
 * - those sharing one Redis's default key prefixes ("bb" ownership leases and channels, the
 *   per-address limits);
 * - those that judge real time (relay p99 under attack, transit stamps, ack deadlines), which
 *   another test file's load on a 2-core machine would skew.
 * Every other integration file has its own server on a free port and its own SQLite file or
 * PostgreSQL schema, so they run two at a time, beside the unit tests.
 */
const ALONE = [
  "test/integration/multi-node.test.ts",
  "test/integration/multi-node-failover.test.ts",
  "test/integration/ownership-redis.test.ts",
  "test/integration/shared-limits.test.ts",
  "test/integration/fuzz.test.ts",
  "test/integration/direct-path.test.ts",
  "test/integration/delay-proxy.test.ts",
  "test/integration/jam.test.ts",
  "test/integration/connection-limits.test.ts",
  "test/integration/unsynced-strike.test.ts",
  "test/integration/security.test.ts",
  "test/integration/recordings.test.ts",
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
        test: { name: "integration", include: ["test/integration/**/*.test.ts"], exclude: ALONE, ...integration },
      },
      {
        // groupOrder 1: after the projects above have finished, so nothing runs beside these
        test: { name: "integration-alone", include: ALONE, ...integration, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
