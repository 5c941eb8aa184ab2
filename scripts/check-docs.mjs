#!/usr/bin/env node
/**
 * Every command the docs show must work right after the two quick-start commands, with no global
 * tools. This reads the shell blocks of the Markdown files (README, CONTRIBUTING, docs/, package
 * and app READMEs) and fails when a line
 *   - calls `pnpm` (it lives in .tools/, not on PATH: show `npm run <script>` or `node scripts/pnpm.mjs`),
 *   - runs an npm script the root package.json does not have,
 *   - runs `npm run implicitrm -- <command>` with a command, or a `--flag`, that the built CLI's own
 *     `--help` does not list.
 * Run after a build (the CLI's help comes from apps/cli/dist/bin.js).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const scripts = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts;

function markdownFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".") || name === "dist" || name === "CHANGELOG.md") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) markdownFiles(path, out);
    else if (name.endsWith(".md")) out.push(path);
  }
  return out;
}

const files = ["README.md", "CONTRIBUTING.md"].map((f) => join(root, f));
for (const dir of ["docs", "packages", "apps", "bench"]) markdownFiles(join(root, dir), files);

const helpCache = new Map();
function help(command) {
  if (!helpCache.has(command)) {
    let text = null;
    try {
      text = execFileSync(process.execPath, [join(root, "apps/cli/dist/bin.js"), command, "--help"], { encoding: "utf8" });
    } catch {
      text = null;
    }
    helpCache.set(command, text);
  }
  return helpCache.get(command);
}

const problems = [];
let checked = 0;
for (const file of files.filter((f) => existsSync(f))) {
  const lines = readFileSync(file, "utf8").split("\n");
  let inShell = false;
  lines.forEach((raw, i) => {
    const fence = raw.match(/^\s*```(\w*)/);
    if (fence) {
      inShell = !inShell && ["sh", "bash", "shell", "console"].includes(fence[1] ?? "");
      return;
    }
    if (!inShell) return;
    const line = raw.replace(/\s+#.*$/, "").replace(/^\s*\$\s*/, "").trim();
    if (!line) return;
    const where = `${relative(root, file)}:${i + 1}`;
    checked++;
    if (/^pnpm\s/.test(line)) problems.push(`${where}: \`${line}\` needs pnpm on PATH; show \`npm run …\` or \`node scripts/pnpm.mjs …\``);
    const run = line.match(/^npm run ([\w:.-]+)(.*)$/);
    if (!run) return;
    const [, script, rest] = run;
    if (!(script in scripts)) {
      problems.push(`${where}: npm script "${script}" does not exist in package.json`);
      return;
    }
    if (script !== "implicitrm") return;
    const args = rest.replace(/^\s*--\s*/, "").trim().split(/\s+/);
    const command = args[0];
    const text = command ? help(command) : null;
    if (!text) {
      problems.push(`${where}: \`implicitrm ${command ?? ""}\` is not a command of the CLI`);
      return;
    }
    for (const flag of args.slice(1).filter((a) => a.startsWith("--") && a !== "--help")) {
      const name = flag.split("=")[0];
      if (!new RegExp(`${name.replace(/[-]/g, "\\-")}(?![\\w-])`).test(text)) problems.push(`${where}: \`implicitrm ${command}\` has no flag ${name} (see --help)`);
    }
  });
}
if (problems.length) {
  process.stderr.write(`check-docs: ${problems.length} command(s) in the docs would not work:\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
  process.exit(1);
}
process.stdout.write(`check-docs: ${checked} shell lines in ${files.length} Markdown files checked, every command works after the quick start\n`);
