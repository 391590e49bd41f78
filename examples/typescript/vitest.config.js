import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One process per test file, two at a time: each file records and replays its own cassettes.
    pool: "forks",
    maxWorkers: 2,
    fileParallelism: true,
    testTimeout: 120_000,
  },
});
