#!/usr/bin/env node
// Publishes the packages whose version is not on npm yet (CONTRIBUTING.md, "Releasing"):
//
//   pnpm release --dry-run       build, packaging test, pack, `npm publish --dry-run` each tarball
//   pnpm release                 the same, publishing for real, then `changeset tag`
//
// Options: --tag <dist-tag> (default latest), --skip-pack-test (not for real releases).
//
// Tarballs are made with `pnpm pack` (it turns `workspace:^` into the real version ranges) and
// published with `npm publish <tarball>`, dependencies first (scripts/published.mjs), so that a
// package never goes out before the versions it depends on. Versions are set beforehand by
// `pnpm version-packages` (changesets; core and backends are one fixed group).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { pnpmEntry } from "./pnpm.mjs";
import { PUBLISHED, tarballName } from "./published.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const dryRun = args.includes("--dry-run");
const skipPackTest = args.includes("--skip-pack-test");
const tagAt = args.indexOf("--tag");
const tag = tagAt >= 0 ? args[tagAt + 1] : "latest";
const known = new Set(["--dry-run", "--skip-pack-test", "--tag", tag]);
const unknown = args.filter((a) => !known.has(a));
if (unknown.length || !tag || tag.startsWith("-")) {
  console.error(`release: unknown or incomplete arguments: ${unknown.join(" ") || "--tag needs a value"}\nusage: pnpm release [--dry-run] [--tag <dist-tag>] [--skip-pack-test]`);
  process.exit(2);
}
const say = (msg) => console.log(`release: ${msg}`);
const fail = (msg) => {
  console.error(`release: ${msg}`);
  process.exit(1);
};

const toolsBin = join(root, ".tools", "node_modules", ".bin");
// Under `pnpm release`, pnpm hands its own settings down as npm_config_* variables, which npm does not
// know; keep only the registry and credential ones.
const env = Object.fromEntries(
  Object.entries({ ...process.env, PATH: `${toolsBin}:${process.env.PATH ?? ""}` }).filter(
    ([k]) => !/^npm_config_/i.test(k) || /^npm_config_(registry|@[^:]+:registry|\/\/.+)$/i.test(k),
  ),
);
function sh(cmd, argv, opts = {}) {
  const res = spawnSync(cmd, argv, { cwd: root, env, stdio: "inherit", ...opts });
  if (res.status !== 0) fail(`${cmd === process.execPath ? "node" : cmd} ${argv.join(" ")} failed (exit ${res.status ?? res.signal})`);
  return res;
}
const pnpm = (argv, opts) => sh(process.execPath, [pnpmEntry, ...argv], opts);

// 1. Preconditions: versions bumped (no pending changesets), and for a real release a clean tree.
const pending = readdirSync(join(root, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md");
if (pending.length) {
  const msg = `${pending.length} changeset(s) not yet applied (${pending.join(", ")}): run \`pnpm version-packages\` and commit first`;
  if (dryRun) say(`warning: ${msg}; dry run goes on with the current versions`);
  else fail(msg);
}
const status = spawnSync("git", ["status", "--porcelain"], { cwd: root, encoding: "utf8" }).stdout ?? "";
if (status.trim()) {
  if (dryRun) say("warning: the working tree has uncommitted changes; a real release refuses this");
  else fail(`the working tree has uncommitted changes; commit or stash them first:\n${status}`);
}
if (!dryRun && skipPackTest) fail("--skip-pack-test is for dry runs only");

// 2. Build and test the packages as users get them.
say("building every package");
pnpm(["exec", "turbo", "run", "build", "--output-logs=errors-only"]);
if (!skipPackTest) {
  say("packaging test (pack, publint, attw, installs from tarballs, browser bundles)");
  sh(process.execPath, [join(root, "scripts", "pack-test.mjs")]);
}

// 3. Pack, and find what is not on the registry yet.
const out = mkdtempSync(join(tmpdir(), "implicitrm-release-"));
const plan = [];
for (const dir of PUBLISHED) {
  const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
  if (pkg.private) fail(`${dir} is private but listed in scripts/published.mjs`);
  const view = spawnSync("npm", ["view", `${pkg.name}@${pkg.version}`, "version", "--json"], { cwd: root, encoding: "utf8", env });
  const text = `${view.stdout}${view.stderr}`;
  let published;
  if (view.status === 0) published = view.stdout.trim() !== "";
  else if (/E404|404 Not Found|is not in this registry/.test(text)) published = false;
  else if (dryRun) {
    say(`warning: could not ask the registry about ${pkg.name}@${pkg.version} (${text.trim().split("\n")[0]}); treating it as unpublished`);
    published = false;
  } else fail(`could not ask the registry about ${pkg.name}@${pkg.version}:\n${text}`);
  if (published) {
    say(`${pkg.name}@${pkg.version} is already on npm: skipped`);
    continue;
  }
  pnpm(["pack", "--pack-destination", out], { cwd: join(root, dir), stdio: ["ignore", "ignore", "inherit"] });
  const file = join(out, tarballName(pkg));
  if (!existsSync(file)) fail(`pnpm pack did not write ${file}`);
  plan.push({ name: pkg.name, version: pkg.version, file });
}
if (!plan.length) {
  say("nothing to publish: every version is on npm already");
  rmSync(out, { recursive: true, force: true });
  process.exit(0);
}

// 4. Publish, dependencies first.
for (const p of plan) {
  say(`${dryRun ? "dry run: " : ""}npm publish ${p.name}@${p.version} (tag ${tag})`);
  sh("npm", ["publish", p.file, "--access", "public", "--tag", tag, ...(dryRun ? ["--dry-run"] : [])]);
}
rmSync(out, { recursive: true, force: true });

if (dryRun) {
  say(`dry run done: ${plan.map((p) => `${p.name}@${p.version}`).join(", ")} would be published`);
} else {
  // Tags name@version for each package at its current version (changesets' convention).
  pnpm(["exec", "changeset", "tag"]);
  say(`published ${plan.map((p) => `${p.name}@${p.version}`).join(", ")}; now \`git push --follow-tags\``);
}
