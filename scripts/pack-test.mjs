#!/usr/bin/env node
// Packaging test: the packages as a user meets them, from packed tarballs in empty projects, not
// from the workspace (issue 8). Run after a build (`npm test` does both):
//
//   node scripts/pack-test.mjs            everything below
//   node scripts/pack-test.mjs --lint     only pack + publint --strict + attw (esm-only) per tarball
//   node scripts/pack-test.mjs --keep     keep the temporary projects (their path is printed)
//
// 1. `pnpm pack` every publishable package (workspace:^ ranges become real versions) and lint each
//    tarball with `publint --strict` and `attw --profile esm-only` (the same as `attw --pack`, on the
//    tarball pnpm would publish).
// 2. Serve the tarballs as the `@implicitrm` scope of a throwaway registry on 127.0.0.1, so that
//    `npm install @implicitrm/core` resolves our packages the way it will after publishing while every
//    other dependency comes from the normal npm registry.
// 3. In empty temporary projects, install mix-and-match sets with plain npm (install scripts allowed,
//    ONNXRUNTIME_NODE_INSTALL unset) and run a small script in each: core + backends on cpu only
//    (wasm, webgpu, onnxruntime absent: each says what to install); core + backends + wasm;
//    encoders alone (hashing encoder); datasets alone (rated JSONL → simulated implicit feedback);
//    the CLI installed globally from its tarball running a short `implicitrm bench`.
// 4. Install hygiene: no installed package may have an install script (so nothing was downloaded at
//    install time), heavy optional pieces (onnxruntime-node, sharp, tfjs-node, transformers.js,
//    webgpu) are absent, and tfjs-core and each @implicitrm package exist once per project.
// 5. Bundle a browser entry per package with esbuild from the installed tarballs: no Node built-in
//    may be reached, and each bundle must stay within its size budget (BUNDLE_BUDGETS).
//
// npm's cache lives in $IMPLICITRM_PACK_CACHE (default: <tmpdir>/implicitrm-pack-test-npm-cache) and
// is kept between runs; everything else is removed at the end unless --keep.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { pnpmEntry } from "./pnpm.mjs";
import { PUBLISHED, tarballName } from "./published.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = new Set(process.argv.slice(2));
const LINT_ONLY = argv.has("--lint");
const KEEP = argv.has("--keep");

/**
 * Size budgets of the browser bundles (esbuild, minified, ESM, not gzipped), in bytes. `total` is the
 * whole bundle of the entry; `own` is the package's own code in it (tfjs and other dependencies
 * excluded). Measured on 2026-11-27 (core 270 KiB / own 169 KiB, backends 635 / 9, datasets 219 / 46,
 * hashing 5.0 / 4.4) with headroom of about a third; raise one only with a reason in the commit.
 */
export const BUNDLE_BUDGETS = {
  // core's own code is mostly tfjs-core's gradient registrations (bundled at build time).
  "@implicitrm/core": { entry: 'export * from "@implicitrm/core";', total: 360_000, own: 230_000 },
  // + tfjs-backend-cpu and tfjs-backend-wasm's JavaScript (the .wasm binaries are served, not bundled).
  "@implicitrm/backends": {
    entry: 'export * from "@implicitrm/backends";\nexport * from "@implicitrm/core";',
    total: 850_000,
    own: 16_000,
  },
  // The browser entry (no file loaders); mostly the Parquet reader and its decompressors.
  "@implicitrm/datasets": { entry: 'export * from "@implicitrm/datasets";', total: 300_000, own: 64_000 },
  "@implicitrm/encoders/hashing": { entry: 'export * from "@implicitrm/encoders/hashing";', total: 8_000, own: 7_000 },
  // The ONNX writer (hand-written protobuf, 2.9 KiB on 2026-12-08; protobufjs + onnx-proto would be 121 KiB)
  // and the reward head's scoring graph for `implicitrm export` (5.6 KiB together on 2026-12-08).
  "@implicitrm/core/onnx": { entry: 'export * from "@implicitrm/core/onnx";', total: 7_000, own: 7_000 },
};

/** Packages that must never be installed unless the user asks for them (heavy, or download at install). */
const NEVER_PULLED_IN = [
  "onnxruntime-node",
  "onnxruntime-web",
  "sharp",
  "@tensorflow/tfjs-node",
  "@tensorflow/tfjs-node-gpu",
  "@huggingface/transformers",
  "webgpu",
  "@tensorflow/tfjs-backend-webgpu",
];

const t0 = performance.now();
let server;
const timings = [];
const log = (msg) => process.stdout.write(`pack-test: ${msg}\n`);
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

async function timed(label, fn) {
  const start = performance.now();
  const result = await fn();
  const seconds = (performance.now() - start) / 1000;
  timings.push({ label, seconds });
  log(`${label}: ${seconds.toFixed(1)} s`);
  return result;
}

/** Runs a command; resolves with its output, rejects with the output when it fails or times out. */
function run(cmd, args, { cwd = root, env = process.env, timeoutMs = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${basename(cmd)} ${args.join(" ")} (in ${cwd}) failed (${signal ?? `exit ${code}`}):\n${out}`));
    });
  });
}

/** Runs `fns` with at most `limit` in flight; resolves with their results in order. */
async function pool(limit, fns) {
  const results = new Array(fns.length);
  let next = 0;
  const worker = async () => {
    while (next < fns.length) {
      const i = next++;
      results[i] = await fns[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, fns.length) }, worker));
  return results;
}

/** Reads one file out of a .tgz (a minimal ustar reader: enough for npm tarballs). */
function readFromTarball(tgz, wanted) {
  const buf = gunzipSync(readFileSync(tgz));
  const files = [];
  for (let off = 0; off + 512 <= buf.length; ) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const str = (a, b) => header.subarray(a, b).toString("utf8").replace(/\0.*$/s, "");
    const name = (str(345, 500) ? `${str(345, 500)}/` : "") + str(0, 100);
    const size = Number.parseInt(str(124, 136).trim() || "0", 8);
    const type = str(156, 157);
    if (type === "0" || type === "") files.push({ name, size, data: buf.subarray(off + 512, off + 512 + size) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  if (wanted === undefined) return files;
  const hit = files.find((f) => f.name === wanted);
  if (!hit) throw new Error(`${wanted} not in ${tgz}`);
  return hit.data;
}

// --- 1. pack and lint -------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), "implicitrm-pack-"));
const tarballDir = join(work, "tarballs");
mkdirSync(tarballDir);
const toolsBin = join(root, ".tools", "node_modules", ".bin");
const pnpmEnv = { ...process.env, PATH: `${toolsBin}:${process.env.PATH ?? ""}` };

// Every public workspace package must be in PUBLISHED (so that it is packed, linted and released).
for (const parent of ["packages", "apps"]) {
  for (const name of readdirSync(join(root, parent))) {
    const pj = join(root, parent, name, "package.json");
    if (!existsSync(pj) || JSON.parse(readFileSync(pj, "utf8")).private) continue;
    if (!PUBLISHED.includes(`${parent}/${name}`)) {
      console.error(`pack-test: ${parent}/${name} is not private but missing from scripts/published.mjs`);
      process.exit(1);
    }
  }
}
for (const dir of PUBLISHED) {
  const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
  const main = pkg.exports?.["."]?.import ?? pkg.exports?.["."]?.default;
  if (!existsSync(join(root, dir, main))) {
    console.error(`pack-test: ${pkg.name} is not built (${dir}/${main} is missing): run \`node scripts/pnpm.mjs exec turbo run build\` first`);
    process.exit(1);
  }
}

const packed = await timed(`pnpm pack (${PUBLISHED.length} packages)`, () =>
  pool(
    2,
    PUBLISHED.map((dir) => async () => {
      await run(process.execPath, [pnpmEntry, "pack", "--pack-destination", tarballDir], { cwd: join(root, dir), env: pnpmEnv });
      const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
      const file = join(tarballDir, tarballName(pkg));
      const manifest = JSON.parse(readFromTarball(file, "package/package.json").toString("utf8"));
      const files = readFromTarball(file);
      const bytes = readFileSync(file);
      for (const [field, deps] of Object.entries(manifest)) {
        if (!/ependencies$/.test(field) || typeof deps !== "object") continue;
        for (const [dep, range] of Object.entries(deps)) {
          if (String(range).startsWith("workspace:")) throw new Error(`${pkg.name}'s packed ${field}.${dep} is still ${range}`);
        }
      }
      return {
        dir,
        name: manifest.name,
        version: manifest.version,
        file,
        manifest,
        size: bytes.length,
        unpacked: files.reduce((s, f) => s + f.size, 0),
        fileCount: files.length,
        integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
        shasum: createHash("sha1").update(bytes).digest("hex"),
      };
    }),
  ),
);
for (const p of packed) {
  const names = readFromTarball(p.file).map((f) => f.name);
  const stray = names.filter((n) => /\.test\.|\.map$|\/src\/|tsconfig|vitest/.test(n));
  if (stray.length) throw new Error(`${p.name}'s tarball ships files it should not: ${stray.join(", ")}`);
  for (const required of ["package/README.md", "package/LICENSE", "package/package.json"]) {
    if (!names.includes(required)) throw new Error(`${p.name}'s tarball has no ${required.slice("package/".length)}`);
  }
}

const bin = (name) => join(root, "node_modules", ".bin", name);
await timed(`publint --strict + attw --profile esm-only (${PUBLISHED.length} tarballs)`, () =>
  pool(
    2,
    packed.map((p) => async () => {
      const env = { ...pnpmEnv, NO_COLOR: "1", FORCE_COLOR: "0" };
      const pub = await run(bin("publint"), ["run", p.file, "--strict"], { env });
      if (!/All good/.test(pub) && /Errors|Warnings/.test(pub)) throw new Error(`publint ${p.name}:\n${pub}`);
      await run(bin("attw"), [p.file, "--profile", "esm-only", "--format", "table-flipped"], { env }).catch((e) => {
        throw new Error(`attw ${p.name}: ${e.message}`);
      });
    }),
  ),
);

if (LINT_ONLY) {
  printTarballs();
  finish();
}

// --- 2. a registry for the @implicitrm scope ----------------------------------------------------

const byName = new Map(packed.map((p) => [p.name, p]));
let registryUrl = "";
server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  const tarball = /^\/-\/tarballs\/([^/]+\.tgz)$/.exec(path);
  if (tarball) {
    const p = packed.find((q) => basename(q.file) === tarball[1]);
    if (p) {
      res.writeHead(200, { "content-type": "application/octet-stream", "cache-control": "no-store" });
      res.end(readFileSync(p.file));
      return;
    }
  }
  const p = byName.get(path.slice(1));
  if (!p) {
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "not found" }));
    return;
  }
  const version = {
    ...p.manifest,
    _id: `${p.name}@${p.version}`,
    dist: { tarball: `${registryUrl}/-/tarballs/${basename(p.file)}`, integrity: p.integrity, shasum: p.shasum },
  };
  res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify({ _id: p.name, name: p.name, "dist-tags": { latest: p.version }, versions: { [p.version]: version } }));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
registryUrl = `http://127.0.0.1:${server.address().port}`;

// --- 3. empty projects --------------------------------------------------------------------------

const cacheDir = process.env.IMPLICITRM_PACK_CACHE ?? join(tmpdir(), "implicitrm-pack-test-npm-cache");
// A user's plain environment: no npm_* variables from a parent npm/pnpm run, and none of the
// install-time switches this repo sets for itself (ONNXRUNTIME_NODE_INSTALL=skip in CI).
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_|ONNXRUNTIME_NODE_INSTALL|IMPLICITRM_)/i.test(k)),
);
const npmArgs = [
  "--cache",
  cacheDir,
  "--prefer-offline",
  "--no-audit",
  "--no-fund",
  "--no-update-notifier",
  "--ignore-scripts=false",
  "--foreground-scripts",
  `--@implicitrm:registry=${registryUrl}/`,
];

async function npmInstall(cwd, specs, extra = []) {
  const out = await run("npm", ["install", ...npmArgs, ...extra, ...specs], { cwd, env: userEnv });
  // With --foreground-scripts npm prints "> name@version postinstall" before running a script.
  const ran = out.split("\n").filter((l) => /^> \S+@\S+ (preinstall|install|postinstall|prepare)\b/.test(l.trim()));
  if (ran.length) throw new Error(`installing ${specs.join(" ")} ran install scripts:\n${ran.join("\n")}`);
  return out;
}

function newProject(name) {
  const dir = join(work, "projects", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: `pack-test-${name}`, private: true, type: "module" }, null, 2)}\n`);
  return dir;
}

/** Every installed package under `nodeModules` (nested node_modules included). */
function installedPackages(nodeModules) {
  const found = [];
  const visit = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith(".")) continue;
      const full = join(dir, entry);
      if (entry.startsWith("@")) {
        for (const sub of readdirSync(full)) visitPackage(join(full, sub));
      } else visitPackage(full);
    }
  };
  const visitPackage = (pkgDir) => {
    const pj = join(pkgDir, "package.json");
    if (!existsSync(pj)) return;
    const pkg = JSON.parse(readFileSync(pj, "utf8"));
    const scripts = pkg.scripts ?? {};
    const installScripts = ["preinstall", "install", "postinstall"].filter((s) => scripts[s]);
    if (!scripts.install && existsSync(join(pkgDir, "binding.gyp"))) installScripts.push("install (binding.gyp)");
    found.push({ name: pkg.name, version: pkg.version, dir: pkgDir, installScripts });
    visit(join(pkgDir, "node_modules"));
  };
  visit(nodeModules);
  return found;
}

const hygiene = [];
/** Install hygiene of one installed tree; `absent` are packages this set must not contain. */
function checkTree(label, nodeModules, absent = []) {
  const pkgs = installedPackages(nodeModules);
  const problems = [];
  for (const p of pkgs) {
    if (p.installScripts.length) problems.push(`${p.name}@${p.version} has install scripts (${p.installScripts.join(", ")})`);
    if (NEVER_PULLED_IN.includes(p.name) || absent.includes(p.name)) problems.push(`${p.name}@${p.version} is installed (${p.dir})`);
  }
  for (const single of ["@tensorflow/tfjs-core", ...byName.keys()]) {
    const copies = pkgs.filter((p) => p.name === single);
    if (copies.length > 1) problems.push(`${single} is installed ${copies.length} times: ${copies.map((c) => `${c.version} at ${c.dir}`).join("; ")}`);
  }
  if (problems.length) throw new Error(`${label}: install hygiene:\n  ${problems.join("\n  ")}`);
  const bytes = dirSize(nodeModules);
  hygiene.push({ label, packages: pkgs.length, bytes });
}

function dirSize(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) total += dirSize(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

async function runScript(cwd, name, source) {
  writeFileSync(join(cwd, name), source);
  const out = await run(process.execPath, [name], { cwd, env: userEnv, timeoutMs: 120_000 });
  for (const line of out.trim().split("\n")) if (line) log(`  ${basename(cwd)}> ${line}`);
  return out;
}

const SMALL_SET = `
// A small learnable FeatureSet: r* = 1[x0 + x1 > 0], observed r = r* · Bernoulli(0.7).
import { Rng } from "@implicitrm/core";
export function smallSet(n, seed) {
  const rng = new Rng(seed);
  const dim = 4, features = new Float32Array(n * dim), r = new Uint8Array(n), rStar = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) features[i * dim + j] = rng.normal();
    rStar[i] = features[i * dim] + features[i * dim + 1] > 0 ? 1 : 0;
    r[i] = rStar[i] && rng.next() < 0.7 ? 1 : 0;
  }
  return { n, dim, features, r, rStar };
}
`;

const CORE_TRAIN = `
import assert from "node:assert/strict";
import { ImplicitRMError, auroc, train } from "@implicitrm/core";
import { smallSet } from "./small-set.mjs";
export async function trainSmall() {
  const data = { train: smallSet(600, 1), validation: smallSet(200, 2) };
  const test = smallSet(400, 3);
  const res = await train(data, { objective: "implicitrm", hidden: [16], epochs: 10, batchSize: 128, lr: 0.01, patience: 10 });
  const p = res.model.predict(test.features);
  assert.equal(p.length, test.n);
  assert.ok(p.every((v) => Number.isFinite(v) && v >= 0 && v <= 1), "predictions are probabilities");
  const auc = auroc(p, test.rStar);
  res.model.dispose();
  assert.ok(ImplicitRMError, "errors are exported");
  return auc;
}
`;

const CORE_CPU = `
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, listBackends } from "@implicitrm/backends";
import { trainSmall } from "./train-small.mjs";

const { name, notice } = await initBackend(); // 'auto'
assert.equal(name, "cpu", "auto picks cpu when no optional backend is installed");
assert.equal(notice, undefined, "missing optional packages are passed over silently");
assert.equal(tf.getBackend(), "cpu");
for (const [backend, pkg] of [["wasm", "@tensorflow/tfjs-backend-wasm"], ["webgpu", "webgpu"], ["onnxruntime", "(onnxruntime-node|@tensorflow/tfjs-backend-wasm)"]]) {
  await assert.rejects(initBackend(backend), (e) => new RegExp("npm install " + pkg).test(e.message), backend + " names the package to install");
}
await initBackend("cpu");
const auc = await trainSmall();
console.log("backends:", listBackends().map((b) => b.name + "=" + b.state).join(" "), "| trained on", tf.getBackend(), "AUROC", auc.toFixed(3));
assert.ok(auc > 0.7, "learns the toy task");
`;

const CORE_WASM = `
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "@implicitrm/backends";
import { trainSmall } from "./train-small.mjs";

const { name } = await initBackend(); // 'auto'
assert.equal(name, "wasm", "auto picks wasm once @tensorflow/tfjs-backend-wasm is installed");
assert.equal(tf.getBackend(), "wasm");
const auc = await trainSmall();
console.log("trained on", tf.getBackend(), "AUROC", auc.toFixed(3));
assert.ok(auc > 0.7, "learns the toy task");
`;

const ENCODERS = `
import assert from "node:assert/strict";
import { HashingEncoder } from "@implicitrm/encoders/hashing";
import { TransformerEncoder, encodePairs } from "@implicitrm/encoders";

const enc = new HashingEncoder({ dim: 256 });
const v = await enc.encode(["a helpful answer", "a helpful answer", "something else entirely"]);
assert.equal(v.length, 3 * 256);
const row = (i) => v.subarray(i * 256, (i + 1) * 256);
assert.deepEqual(row(0), row(1), "deterministic");
const norm = Math.hypot(...row(2));
assert.ok(Math.abs(norm - 1) < 1e-5, "L2-normalised");
const pairs = await encodePairs(enc, [{ prompt: "2+2?", response: "4" }]);
assert.equal(pairs.length, 256);
await assert.rejects(TransformerEncoder.load({ model: "some/model" }), (e) => e.code === "E_MISSING_DEPENDENCY" && /@huggingface\\/transformers/.test(e.message));
console.log(enc.id, "dim", enc.dim, "| TransformerEncoder without transformers.js: clear MissingDependencyError");
`;

const DATASETS = `
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { loadRatedDataset, simulateImplicitFeedback, splitIndices } from "@implicitrm/datasets";

const lines = [];
for (let q = 0; q < 50; q++) for (let k = 0; k < 4; k++) {
  lines.push(JSON.stringify({ question: "question " + q, answer: "answer " + k + " to " + q, stars: 1 + ((q + k) % 5), qid: "q" + q }));
}
writeFileSync("rated.jsonl", lines.join("\\n") + "\\n");
const ds = await loadRatedDataset("rated.jsonl", {
  promptField: "question", responseField: "answer", ratingField: "stars", groupField: "qid",
  direction: "higher-better", scale: { min: 1, max: 5 },
});
assert.equal(ds.rows.length, 200);
const sim = simulateImplicitFeedback(ds.rows.map((r) => r.rating), { direction: ds.scale.direction, scale: ds.scale, seed: 7 });
assert.equal(sim.r.length, 200);
for (let i = 0; i < 200; i++) assert.equal(sim.r[i], sim.a[i] & sim.rStar[i], "r = a · r*");
const split = splitIndices(ds.rows.length, { group: ds.rows.map((r) => r.promptId), seed: 42 });
const observed = sim.r.reduce((s, x) => s + x, 0);
console.log(ds.adapter, "adapter:", ds.rows.length, "rows,", observed, "observed positives, split", Object.entries(split).map(([k, v]) => k + " " + (v.length ?? v)).join(", "));
`;

function writeCommon(dir) {
  writeFileSync(join(dir, "small-set.mjs"), SMALL_SET);
  writeFileSync(join(dir, "train-small.mjs"), CORE_TRAIN);
}

const summary = {};

// core + backends, cpu only: timed alone (the smallest useful set, and the number the README quotes).
const coreCpu = newProject("core-cpu");
summary.coreCpuInstall = await timed("install @implicitrm/core @implicitrm/backends (empty project)", () =>
  npmInstall(coreCpu, ["@implicitrm/core", "@implicitrm/backends"]).then(() => null),
);
summary.coreCpuInstallSeconds = timings.at(-1).seconds;
checkTree("core + backends (cpu)", join(coreCpu, "node_modules"), ["@tensorflow/tfjs-backend-wasm"]);
writeCommon(coreCpu);
await timed("core + backends: auto → cpu, optional backends name their package, train", () => runScript(coreCpu, "check.mjs", CORE_CPU));

const coreWasm = newProject("core-wasm");
const encoders = newProject("encoders");
const datasets = newProject("datasets");
const globalPrefix = join(work, "global");
await timed("install core+wasm, encoders, datasets, and the CLI globally (in parallel)", () =>
  Promise.all([
    npmInstall(coreWasm, ["@implicitrm/core", "@implicitrm/backends", "@tensorflow/tfjs-backend-wasm@4.22.0"]),
    npmInstall(encoders, ["@implicitrm/encoders"]),
    npmInstall(datasets, ["@implicitrm/datasets"]),
    npmInstall(work, [byName.get("implicitrm").file], ["--global", "--prefix", globalPrefix]),
  ]),
);
checkTree("core + backends + wasm", join(coreWasm, "node_modules"));
// Encoders and datasets use only core's tfjs-free subpaths, so tfjs (core's optional peer) stays out.
checkTree("encoders", join(encoders, "node_modules"), ["@tensorflow/tfjs-core"]);
checkTree("datasets", join(datasets, "node_modules"), ["@tensorflow/tfjs-core"]);
checkTree("implicitrm (global)", join(globalPrefix, "lib", "node_modules"));
writeCommon(coreWasm);

await timed("core + wasm, encoders, datasets scripts", () =>
  pool(2, [
    () => runScript(coreWasm, "check.mjs", CORE_WASM),
    () => runScript(encoders, "check.mjs", ENCODERS),
    () => runScript(datasets, "check.mjs", DATASETS),
  ]),
);

await timed("implicitrm bench --data synthetic --seeds 1 --epochs 2 (global install)", async () => {
  const cli = join(globalPrefix, "bin", "implicitrm");
  const help = await run(cli, ["--help"], { cwd: work, env: userEnv });
  if (!/Usage: implicitrm/.test(help)) throw new Error(`implicitrm --help printed:\n${help}`);
  const out = await run(cli, ["bench", "--data", "synthetic", "--seeds", "1", "--epochs", "2", "--out", join(work, "bench.json")], {
    cwd: work,
    env: userEnv,
    timeoutMs: 120_000,
  });
  if (!/\| synthetic \| implicitrm \|/.test(out)) throw new Error(`implicitrm bench printed no result table:\n${out}`);
  const rows = JSON.parse(readFileSync(join(work, "bench.json"), "utf8"));
  const list = Array.isArray(rows) ? rows : (rows.rows ?? []);
  if (list.length < 1) throw new Error("implicitrm bench --out wrote no rows");
  log(`  cli> ${out.trim().split("\n").filter((l) => /^bench:/.test(l)).join(" ")}`);
});

// --- 5. browser bundles ------------------------------------------------------------------------

const esbuild = createRequire(join(root, "packages", "core", "package.json"))("esbuild");
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const bundles = await timed("esbuild browser bundles", () =>
  pool(
    2,
    Object.entries(BUNDLE_BUDGETS).map(([spec, budget]) => async () => {
      const project = spec.startsWith("@implicitrm/datasets") ? datasets : spec.startsWith("@implicitrm/encoders") ? encoders : coreWasm;
      const entry = join(project, `bundle-${spec.replace(/\W+/g, "-")}.mjs`);
      writeFileSync(entry, `${budget.entry}\n`);
      const reached = [];
      const result = await esbuild.build({
        entryPoints: [entry],
        absWorkingDir: project,
        bundle: true,
        platform: "browser",
        format: "esm",
        target: "es2022",
        minify: true,
        write: false,
        metafile: true,
        outfile: join(project, "out.js"),
        logLevel: "silent",
        plugins: [
          {
            name: "no-node-builtins",
            setup(build) {
              build.onResolve({ filter: /.*/ }, async (args) => {
                if (!builtins.has(args.path) || args.pluginData?.again) return undefined;
                // Let esbuild apply the packages' `browser` maps first: a builtin mapped to false is fine.
                const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { again: true } });
                if (!r.errors.length && !r.external) return undefined; // mapped to false or to a browser file
                reached.push(`${args.path} (from ${args.importer.slice(project.length + 1)})`);
                return { path: args.path, external: true };
              });
            },
          },
        ],
      });
      const warnings = result.warnings.map((w) => w.text);
      const builtinWarnings = warnings.filter((w) => [...builtins].some((b) => w.includes(`"${b}"`)));
      if (reached.length || builtinWarnings.length) {
        throw new Error(`browser bundle of ${spec} reaches Node built-ins: ${[...reached, ...builtinWarnings].join("; ")}`);
      }
      const [out] = Object.values(result.metafile.outputs);
      const pkgName = spec.split("/").slice(0, 2).join("/");
      let own = 0;
      const byPkg = {};
      for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
        const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
        const name = m ? m[1] : "(entry)";
        byPkg[name] = (byPkg[name] ?? 0) + bytesInOutput;
        if (name === pkgName) own += bytesInOutput;
      }
      const total = out.bytes;
      const over = [];
      if (total > budget.total) over.push(`total ${kb(total)} > budget ${kb(budget.total)}`);
      if (own > budget.own) over.push(`own code ${kb(own)} > budget ${kb(budget.own)}`);
      if (over.length) throw new Error(`browser bundle of ${spec} is over its size budget: ${over.join(", ")}`);
      const gz = (await import("node:zlib")).gzipSync(result.outputFiles[0].contents).length;
      return { spec, total, own, gz, budget, byPkg, warnings };
    }),
  ),
);

// --- summary ------------------------------------------------------------------------------------

function printTarballs() {
  log("tarballs (packed / unpacked, files):");
  for (const p of packed) log(`  ${p.name.padEnd(22)} ${kb(p.size).padStart(10)} / ${kb(p.unpacked).padStart(10)}, ${p.fileCount} files`);
}

function finish() {
  server?.close?.();
  if (KEEP) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
  log(`passed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(0);
}

printTarballs();
log("installed sets (node_modules on disk, packages):");
for (const h of hygiene) log(`  ${h.label.padEnd(26)} ${(h.bytes / 1024 / 1024).toFixed(1).padStart(6)} MiB, ${h.packages} packages, no install scripts`);
log(`core + backends (cpu) install in an empty project: ${summary.coreCpuInstallSeconds.toFixed(1)} s`);
log("browser bundles (esbuild, minified; own = the package's code in it):");
for (const b of bundles) {
  const deps = Object.entries(b.byPkg)
    .filter(([, v]) => v > 10_000)
    .sort((a, c) => c[1] - a[1])
    .map(([k, v]) => `${k} ${kb(v)}`)
    .join(", ");
  log(
    `  ${b.spec.padEnd(28)} ${kb(b.total).padStart(10)} (budget ${kb(b.budget.total)}, gzip ${kb(b.gz)}), own ${kb(b.own)} (budget ${kb(b.budget.own)})${deps ? `; ${deps}` : ""}`,
  );
  for (const w of b.warnings) log(`    esbuild: ${w}`);
}
finish();
