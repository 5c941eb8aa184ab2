#!/usr/bin/env node
// Scoring throughput: rows/s of `implicitrm score` end to end (a real process: start, load the model,
// read JSONL line by line, encode, apply the heads, write JSONL), beside the hashing encoder's own
// throughput on the same rows and the heads' own throughput on their features, so one sees which
// part bounds scoring (the heads must not).
//
//   npm run build && node bench/score/run.mjs [--rows N] [--repeats K] [--backends auto,cpu] [--batch-size B]
//
// Rows are (prompt, response) pairs of ../shared/data/ultrafeedback_binarized_subset (real LLM
// responses), repeated to --rows (default 12,000), else synthetic text. The model is trained here
// once (hashing:1024, the default heads 256,64, 2 epochs). Each number is the median of K runs
// (default 3) after one warm-up. Prints one JSON object. Not a test: it asserts nothing.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(repo, "apps/cli/dist/bin.js");
const serveDist = join(repo, "apps/serve/dist/index.js");
if (!existsSync(bin) || !existsSync(serveDist)) {
  console.error("bench/score: build first (npm run build)");
  process.exit(1);
}
const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const ROWS = Number(flag("--rows", 12000));
const REPEATS = Number(flag("--repeats", 3));
const BATCH = Number(flag("--batch-size", 256));
const BACKENDS = flag("--backends", "auto,cpu").split(",");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const uf = join(repo, "../shared/data/ultrafeedback_binarized_subset/ultrafeedback_binarized_subset.jsonl");
const base = existsSync(uf)
  ? readFileSync(uf, "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((r) => r.response.trim() !== "")
  : Array.from({ length: 2400 }, (_, i) => ({ id: `s${i}`, prompt: `question ${i >> 1} about topic ${i % 37}`, response: `answer ${i} `.repeat(40 + (i % 60)), ratings: { uf_score: 1 + (i % 10) }, meta: { prompt_id: `p${i >> 1}` } }));
const dir = mkdtempSync(join(tmpdir(), "bench-score-"));
try {
  const rows = Array.from({ length: ROWS }, (_, i) => ({ ...base[i % base.length], id: `row${i}` }));
  const data = join(dir, "rows.jsonl");
  writeFileSync(data, rows.map((r) => `${JSON.stringify({ id: r.id, prompt: r.prompt, response: r.response })}\n`).join(""));
  const trainData = join(dir, "train.jsonl");
  writeFileSync(trainData, base.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const model = join(dir, "model");
  execFileSync(process.execPath, [bin, "train", "--data", trainData, "--epochs", "2", "--quiet", "--backend", "cpu", "--out", model], { stdio: ["ignore", "ignore", "inherit"] });

  const cli = {};
  for (const backend of BACKENDS) {
    const walls = [];
    const inLoop = [];
    for (let k = 0; k <= REPEATS; k++) {
      const t0 = performance.now();
      const res = spawnSync(process.execPath, [bin, "score", "--model", model, "--data", data, "--out", join(dir, "out.jsonl"), "--batch-size", String(BATCH), "--backend", backend], { encoding: "utf8" });
      const wall = (performance.now() - t0) / 1000;
      if (res.status !== 0) throw new Error(`implicitrm score failed: ${res.stderr}`);
      // the command's own rate: reading, encoding, heads and writing, without process start and model load
      const own = /(\d+) responses\/s/.exec(res.stderr);
      if (k > 0) {
        walls.push(wall);
        if (own) inLoop.push(Number(own[1]));
      }
    }
    cli[backend] = { seconds: median(walls), rowsPerSec: ROWS / median(walls), inLoopRowsPerSec: inLoop.length ? median(inLoop) : null };
  }

  // the parts, in this process, on the same rows and batches
  const { loadRewardModel } = await import(serveDist);
  const parts = {};
  for (const backend of BACKENDS) {
    const scorer = await loadRewardModel(model, { backend });
    const { activeBackend } = await import(join(repo, "packages/backends/dist/index.js"));
    const enc = scorer.encoder;
    const encodeTimes = [];
    const headTimes = [];
    const bothTimes = [];
    for (let k = 0; k <= REPEATS; k++) {
      let t0 = performance.now();
      const chunks = [];
      for (let s = 0; s < ROWS; s += BATCH) chunks.push(await enc.encodePairs(rows.slice(s, s + BATCH)));
      const te = (performance.now() - t0) / 1000;
      t0 = performance.now();
      for (const c of chunks) scorer.scoreFeatures(c, c.length / enc.dim);
      const th = (performance.now() - t0) / 1000;
      t0 = performance.now();
      for (let s = 0; s < ROWS; s += BATCH) await scorer.score(rows.slice(s, s + BATCH));
      const tb = (performance.now() - t0) / 1000;
      if (k > 0) {
        encodeTimes.push(te);
        headTimes.push(th);
        bothTimes.push(tb);
      }
    }
    parts[backend] = {
      backendUsed: activeBackend(),
      encoderRowsPerSec: ROWS / median(encodeTimes),
      headsRowsPerSec: ROWS / median(headTimes),
      scoreCallRowsPerSec: ROWS / median(bothTimes),
    };
    await scorer.dispose();
  }
  const record = JSON.parse(readFileSync(join(model, "record.json"), "utf8"));
  const out = {
    bench: "score",
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    loadavg: loadavg().map((x) => Number(x.toFixed(2))),
    node: process.version,
    data: existsSync(uf) ? "ultrafeedback_binarized_subset (repeated)" : "synthetic text",
    rows: ROWS,
    meanChars: Math.round(rows.reduce((s, r) => s + r.prompt.length + r.response.length, 0) / ROWS),
    batchSize: BATCH,
    encoder: record.encoder.id,
    heads: "reward 1024-256-64-1, activity 1024-256-64-1 (only the reward head scores)",
    repeats: REPEATS,
    cli,
    parts,
  };
  for (const b of BACKENDS) out.parts[b].encoderShareOfScoreTime = Number((out.parts[b].scoreCallRowsPerSec / out.parts[b].encoderRowsPerSec).toFixed(3));
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
