#!/usr/bin/env node
// Builds the docs site (prepare + VitePress) and records the build time and the size of the
// JavaScript it ships in .vitepress/dist/build-report.json.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const docs = join(dirname(fileURLToPath(import.meta.url)), "..");
const started = performance.now();
const run = (args) => {
  const res = spawnSync(process.execPath, args, { cwd: docs, stdio: "inherit" });
  if (res.status !== 0) process.exit(res.status ?? 1);
};
run([join(docs, "scripts", "prepare.mjs")]);
const vpStarted = performance.now();
run([join(docs, "node_modules", "vitepress", "bin", "vitepress.js"), "build", "."]);
const vitepressSeconds = (performance.now() - vpStarted) / 1000;

const dist = join(docs, ".vitepress", "dist");
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else files.push(p);
  }
};
walk(dist);
const sizeOf = (list) => list.reduce((s, f) => s + statSync(f).size, 0);
const gzipOf = (list) => list.reduce((s, f) => s + gzipSync(readFileSync(f)).length, 0);
const js = files.filter((f) => f.endsWith(".js"));
const wasm = files.filter((f) => f.endsWith(".wasm"));
const largest = js
  .map((f) => ({ file: relative(dist, f), bytes: statSync(f).size }))
  .sort((a, b) => b.bytes - a.bytes)
  .slice(0, 5);
const report = {
  buildSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  prepareSeconds: JSON.parse(readFileSync(join(docs, ".vitepress", "prepare-timings.json"), "utf8")),
  vitepressSeconds: Number(vitepressSeconds.toFixed(1)),
  pages: files.filter((f) => f.endsWith(".html")).length,
  js: { files: js.length, bytes: sizeOf(js), gzipBytes: gzipOf(js), largest },
  wasm: { files: wasm.length, bytes: sizeOf(wasm) },
};
writeFileSync(join(dist, "build-report.json"), `${JSON.stringify(report, null, 2)}\n`);
const kb = (b) => `${(b / 1024).toFixed(0)} KiB`;
console.log(
  `docs: built ${report.pages} pages in ${report.buildSeconds} s; all JavaScript ${kb(report.js.bytes)} (${kb(report.js.gzipBytes)} gzip) in ${report.js.files} files; wasm ${kb(report.wasm.bytes)}`,
);
