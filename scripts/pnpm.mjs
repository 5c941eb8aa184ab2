#!/usr/bin/env node
// Runs the repo's pinned pnpm (installed into .tools/ by setup.mjs, no corepack, no global install).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const pinnedPnpm = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager.split("@")[1];
export const pnpmEntry = join(root, ".tools", "node_modules", "pnpm", "bin", "pnpm.cjs");

export function installedPnpmVersion() {
  const pkg = join(root, ".tools", "node_modules", "pnpm", "package.json");
  return existsSync(pkg) ? JSON.parse(readFileSync(pkg, "utf8")).version : null;
}

/** Runs pnpm with the given arguments in the repo root; exits the process on failure. */
export function runPnpm(args, { exitOnFailure = true } = {}) {
  // turbo looks pnpm up on PATH, so the pinned one goes first.
  const bin = join(root, ".tools", "node_modules", ".bin");
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` };
  const res = spawnSync(process.execPath, [pnpmEntry, ...args], { cwd: process.cwd(), stdio: "inherit", env });
  if (res.status !== 0 && exitOnFailure) process.exit(res.status ?? 1);
  return res.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!installedPnpmVersion()) {
    console.error("pnpm is not set up yet: run `node scripts/setup.mjs` (or `npm test`) first.");
    process.exit(1);
  }
  process.exit(runPnpm(process.argv.slice(2), { exitOnFailure: false }));
}
