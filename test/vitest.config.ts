import { defineConfig } from "vitest/config";

// `npm test` runs test/**/*.test.ts except the Deno tests and the system tier (test/system, `npm run test:system`).
export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["test/**/*.test.ts"],
    exclude: ["test/deno/**", "test/system/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    globalSetup: ["test/global-tmp.ts"],
  },
});
