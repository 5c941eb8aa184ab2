import { defineConfig } from "vitest/config";

/** The docs tests: the browser-entry check (Node, fast) and one headless-Chromium run of the built site. */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
