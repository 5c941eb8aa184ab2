import { defineConfig } from "vitest/config";

/** Shared vitest settings: tests live next to the code as src/**\/*.test.ts. */
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
