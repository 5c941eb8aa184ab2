#!/usr/bin/env node
// One-step setup for a fresh clone with only Node 20 and npm: installs the pinned pnpm into .tools/
// (corepack does not work on every machine), installs the workspace, and builds every package.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { installedPnpmVersion, pinnedPnpm, runPnpm } from "./pnpm.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [major] = process.versions.node.split(".").map(Number);
if (major < 20) {
  console.error(`Node ${process.versions.node} is too old: this repo needs Node 20 or newer.`);
  process.exit(1);
}

if (installedPnpmVersion() !== pinnedPnpm) {
  console.log(`setup: installing pnpm@${pinnedPnpm} into .tools/`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const res = spawnSync(
    npm,
    ["install", "--prefix", join(root, ".tools"), "--no-audit", "--no-fund", "--no-save", `pnpm@${pinnedPnpm}`],
    { cwd: root, stdio: "inherit" },
  );
  if (res.status !== 0) process.exit(res.status ?? 1);
}

// Never let an install step download a binary (onnxruntime-node's CUDA build, for one).
process.env.ONNXRUNTIME_NODE_INSTALL = "skip";
process.env.ONNXRUNTIME_NODE_INSTALL_CUDA = "skip";
runPnpm(["install", "--frozen-lockfile", "--prefer-offline", "--reporter=append-only"]);
// `node scripts/setup.mjs <package>...` builds only that package and its dependencies (the demo
// needs the CLI, not the docs site); without arguments everything is built.
const filters = process.argv.slice(2).map((f) => `--filter=${f}`);
runPnpm(["exec", "turbo", "run", "build", "--output-logs=errors-only", ...filters]);
