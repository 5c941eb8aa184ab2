#!/usr/bin/env node
// bench:train-speed — ImplicitRM training throughput (samples/s: both heads' forward and
// backward, the E-step and loss, both Adam steps) on every backend that starts, against the same
// step written in PyTorch (Debian's python3-torch, CPU) measured in the same command.
//
//   pnpm bench:train-speed [--json] [--dim 1024] [--batch 512] [--hidden 256,64] [--seconds 3]
//                          [--backends cpu,wasm,onnxruntime,webgpu] [--rounds 1] [--openblas DIR] [--python PATH]
//
// Default dims: 256, 1024, 4096. Every JS measurement runs in a fresh process (tfjs keeps one
// global backend); onnxruntime is measured with 1 thread and with every core, PyTorch likewise,
// and each row keeps the best of both ("more threads" can be slower on a shared machine). PyTorch is
// measured as installed (Debian links it to the reference BLAS by default) and, when Debian's
// OpenBLAS is present (/usr/lib/<arch>/openblas-pthread, package libopenblas0-pthread, or --openblas),
// also with it; torchSamplesPerSec is the best of all, so ratio = samplesPerSec / best PyTorch. --rounds K
// repeats everything K times, interleaved, and keeps each configuration's best.
//
// Output: a JSON array of {backend, dim, batch, samplesPerSec, torchSamplesPerSec, ratio, …}
// with --json; a Markdown table otherwise.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = join(here, "../..");
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const asJson = args.includes("--json");
const dims = opt("dim", "256,1024,4096").split(",").map(Number);
const batch = Number(opt("batch", 512));
const hidden = opt("hidden", "256,64");
const seconds = Number(opt("seconds", 3));
const rounds = Number(opt("rounds", 1));
const wanted = opt("backends", "cpu,wasm,onnxruntime,webgpu").split(",");
const cores = typeof availableParallelism === "function" ? availableParallelism() : cpus().length;
const log = (...a) => {
  if (!asJson) console.error(...a);
};

for (const pkg of ["core", "backends"]) {
  if (!existsSync(join(repo, `packages/${pkg}/dist/index.js`))) {
    console.error(`bench:train-speed: packages/${pkg} is not built; run \`pnpm build\` (or \`pnpm exec turbo run build --filter=@implicitrm/backends...\`) first`);
    process.exit(1);
  }
}

/** Runs one JS measurement in its own process; undefined when the backend does not start. */
function js(backend, dim, threads) {
  const argv = [join(here, "step.mjs"), "--backend", backend, "--dim", String(dim), "--batch", String(batch), "--hidden", hidden, "--seconds", String(seconds)];
  if (threads !== undefined) argv.push("--threads", String(threads));
  try {
    const out = execFileSync(process.execPath, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 600_000 });
    return JSON.parse(out.trim().split("\n").pop());
  } catch (err) {
    log(`  ${backend} (D=${dim}${threads ? `, ${threads} threads` : ""}) did not run: ${String(err.stderr ?? err.message).trim().split("\n").slice(-1)[0]}`);
    return undefined;
  }
}

/**
 * Debian's OpenBLAS directory (LD_LIBRARY_PATH makes torch load its libblas.so.3 instead of the
 * reference one): --openblas DIR or IMPLICITRM_OPENBLAS_DIR (e.g. a copy unpacked without
 * installing: `apt-get download libopenblas0-pthread && dpkg -x libopenblas0-pthread_*.deb /opt/ob`,
 * then DIR = /opt/ob/usr/lib/x86_64-linux-gnu/openblas-pthread), else the installed package's.
 */
function openblasDir() {
  const given = opt("openblas", process.env.IMPLICITRM_OPENBLAS_DIR);
  if (given) return existsSync(join(given, "libblas.so.3")) ? given : (log(`  no libblas.so.3 under ${given}; PyTorch runs as installed only`), undefined);
  for (const base of ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"]) {
    const dir = join(base, "openblas-pthread");
    if (existsSync(join(dir, "libblas.so.3"))) return dir;
  }
  return undefined;
}

/**
 * The Python with torch: --python, else Debian's /usr/bin/python3 (python3-torch installs there; a
 * python3 earlier on PATH, e.g. pyenv's, usually lacks torch), else python3.
 */
const python = opt("python", existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");

/** PyTorch measurements for one dim: [{threads, blas, samplesPerSec}]. */
function torch(dim) {
  const blasConfigs = [{ blas: "as installed", env: {} }];
  const ob = openblasDir();
  if (ob) blasConfigs.push({ blas: "openblas", env: { LD_LIBRARY_PATH: ob } });
  const rows = [];
  for (const { blas, env } of blasConfigs) {
    for (const t of [...new Set([1, cores])]) {
      try {
        const out = execFileSync(
          python,
          [join(here, "torch_step.py"), "--dims", String(dim), "--batch", String(batch), "--hidden", hidden, "--threads", String(t), "--seconds", String(seconds)],
          { encoding: "utf8", env: { ...process.env, ...env, OMP_NUM_THREADS: String(t), OPENBLAS_NUM_THREADS: String(t) }, timeout: 600_000 },
        );
        for (const line of out.trim().split("\n")) rows.push({ ...JSON.parse(line), blas });
      } catch (err) {
        log(`  PyTorch (${blas}, ${t} threads) did not run: ${String(err.stderr ?? err.message).trim().split("\n").slice(-1)[0]}`);
      }
    }
  }
  return rows;
}

const best = (list) => list.filter(Boolean).reduce((a, b) => (a === undefined || b.samplesPerSec > a.samplesPerSec ? b : a), undefined);
const started = new Date();
log(`bench:train-speed on ${cpus()[0]?.model ?? "?"} (${cores} cores), load ${loadavg().map((l) => l.toFixed(1)).join(" ")}; batch ${batch}, heads ${hidden}`);
const results = [];
for (const dim of dims) {
  const torchRuns = [];
  const jsRuns = new Map();
  for (let k = 0; k < rounds; k++) {
    torchRuns.push(...torch(dim));
    for (const backend of wanted) {
      const list = jsRuns.get(backend) ?? [];
      if (backend === "onnxruntime") list.push(js(backend, dim, 1), ...(cores > 1 ? [js(backend, dim, cores)] : []));
      else list.push(js(backend, dim));
      jsRuns.set(backend, list);
    }
  }
  const t = best(torchRuns);
  for (const [backend, list] of jsRuns) {
    const b = best(list);
    if (!b) continue;
    const row = {
      backend,
      dim,
      batch,
      samplesPerSec: Math.round(b.samplesPerSec),
      torchSamplesPerSec: t ? Math.round(t.samplesPerSec) : null,
      ratio: t ? Number((b.samplesPerSec / t.samplesPerSec).toFixed(3)) : null,
      msPerStep: Number(b.msPerStep.toFixed(2)),
      threads: b.threads,
      loop: b.loop,
      torchThreads: t?.threads ?? null,
      torchBlas: t?.blas ?? null,
      torchAll: torchRuns.map((r) => ({ blas: r.blas, threads: r.threads, samplesPerSec: Math.round(r.samplesPerSec) })),
    };
    results.push(row);
    log(`  D=${dim} ${backend}: ${row.samplesPerSec} samples/s (${row.msPerStep} ms/step), PyTorch ${row.torchSamplesPerSec} (${row.torchBlas}, ${row.torchThreads} threads), ratio ${row.ratio}`);
  }
}
if (asJson) {
  console.log(JSON.stringify(results, null, 2));
} else {
  console.log(`\nbench:train-speed, ${started.toISOString()}, ${cpus()[0]?.model ?? "?"} × ${cores}, batch ${batch}, heads ${hidden}\n`);
  console.log("| backend | D | samples/s | ms/step | PyTorch samples/s (BLAS, threads) | ratio |");
  console.log("|---|---|---|---|---|---|");
  for (const r of results) {
    console.log(`| ${r.backend}${r.backend === "onnxruntime" ? ` (${r.threads} thr)` : ""} | ${r.dim} | ${r.samplesPerSec} | ${r.msPerStep} | ${r.torchSamplesPerSec ?? "–"} (${r.torchBlas ?? "–"}, ${r.torchThreads ?? "–"}) | ${r.ratio ?? "–"} |`);
  }
}
