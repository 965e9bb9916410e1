import { defineConfig } from "vitest/config";

// The system tier: tests that need Debian packages or daemons (python3 readers, codec CLIs, SLURM).
export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["test/system/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: "forks",
    globalSetup: ["test/global-tmp.ts"],
    fileParallelism: false,
    passWithNoTests: true,
  },
});
