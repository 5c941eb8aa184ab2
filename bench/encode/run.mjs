#!/usr/bin/env node
// Encoder throughput benchmark: rows/s for the hashing, static (GloVe) and transformer (tiny
// random-weight BERT fixtures written in code) encoders; the transformer encoder's overhead against
// onnxruntime-node sessions run directly on the same batches; embedding-cache hit throughput.
//
//   pnpm --filter @implicitrm/encoders build && node bench/encode/run.mjs [--json] [--rows N] [--repeats K]
//
// Rows are (prompt, response) pairs from ../shared/data/ultrafeedback_binarized_subset when present
// (real LLM responses), else synthetic text. Each measurement is the median of K timed runs after
// one warm-up run. Not a test: it prints numbers, it does not assert.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const pkgDir = join(repo, "packages/encoders");
const dist = join(pkgDir, "dist/index.js");
if (!existsSync(dist)) {
  console.error("bench/encode: build the package first: cd packages/encoders && node ../../scripts/pnpm.mjs exec tsc -p tsconfig.build.json");
  process.exit(1);
}
const { HashingEncoder, StaticEncoder, TransformerEncoder, CachedEncoder, embedRows } = await import(dist);
const { writeTinyBertModel } = await import(join(pkgDir, "dist/testing/index.js"));
const ort = createRequire(join(pkgDir, "package.json"))("onnxruntime-node");

const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const asJson = args.includes("--json");
const N = flag("--rows", 512);
const K = flag("--repeats", 5);
const log = (...a) => {
  if (!asJson) console.log(...a);
};

// ---------------------------------------------------------------- data
const shared = join(repo, "../shared/data");
const ufFile = join(shared, "ultrafeedback_binarized_subset/ultrafeedback_binarized_subset.jsonl");
let rows;
let dataName;
if (existsSync(ufFile)) {
  rows = readFileSync(ufFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .slice(0, N)
    .map((l) => JSON.parse(l))
    .map((r) => ({ prompt: r.prompt, response: r.response }));
  dataName = `ultrafeedback_binarized_subset, first ${rows.length} rows`;
} else {
  const words = "the a reward model learns from implicit user feedback on helpful and harmless responses to prompts".split(" ");
  let s = 1;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const sentence = (n) => Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(" ");
  rows = Array.from({ length: N }, () => ({ prompt: sentence(20), response: sentence(200) }));
  dataName = `synthetic, ${N} rows (shared data absent)`;
}
const chars = rows.reduce((a, r) => a + r.prompt.length + r.response.length, 0);
log(`data: ${dataName}; mean ${Math.round(chars / rows.length)} characters per pair`);

// ---------------------------------------------------------------- timing helpers
const now = () => performance.now();
/** Median wall time and median process CPU time (ms) of K runs after one warm-up run. */
async function median(fn) {
  await fn(); // warm-up
  const wall = [];
  const cpu = [];
  for (let k = 0; k < K; k++) {
    const c0 = process.cpuUsage();
    const t0 = now();
    await fn();
    wall.push(now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const med = (t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)];
  return { wallMs: med(wall), cpuMs: med(cpu) };
}
const results = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model?.trim(), node: process.version, platform: `${process.platform}-${process.arch}` },
  loadAverageAtStart: loadavg().map((x) => +x.toFixed(2)),
  data: dataName,
  rows: rows.length,
  repeats: K,
  encoders: [],
  overhead: [],
  cache: [],
};
const rate = (ms, n = rows.length) => Math.round((n / ms) * 1000);

// ---------------------------------------------------------------- hashing
const hashing = new HashingEncoder();
{
  const { wallMs, cpuMs } = await median(() => embedRows(rows, hashing));
  results.encoders.push({ encoder: hashing.id, dim: hashing.dim, ms: +wallMs.toFixed(1), rowsPerSec: rate(wallMs), rowsPerCpuSec: rate(cpuMs) });
  log(`hashing (dim 1024)          ${rate(wallMs)} rows/s (${rate(cpuMs)} per CPU second)`);
}

// ---------------------------------------------------------------- static (GloVe)
const gloveDir = join(shared, "embeddings/glove_6B_50d_top10k");
const gloveFile = existsSync(gloveDir) ? readdirSync(gloveDir).find((f) => /\.(zip|txt|gz)$/.test(f)) : undefined;
let glove;
if (gloveFile) {
  const t0 = now();
  glove = await StaticEncoder.fromFile(join(gloveDir, gloveFile));
  const loadMs = now() - t0;
  const { wallMs, cpuMs } = await median(() => embedRows(rows, glove));
  results.encoders.push({ encoder: glove.id, dim: glove.dim, ms: +wallMs.toFixed(1), rowsPerSec: rate(wallMs), rowsPerCpuSec: rate(cpuMs), loadMs: Math.round(loadMs) });
  log(`static GloVe 50-d           ${rate(wallMs)} rows/s (${rate(cpuMs)} per CPU second; table load ${Math.round(loadMs)} ms)`);
} else {
  results.encoders.push({ encoder: "static", skipped: `no GloVe file in ${gloveDir}` });
  log(`static: skipped (no GloVe file in ${gloveDir})`);
}

// ---------------------------------------------------------------- transformer fixtures vs raw onnxruntime
// The fixtures' WordPiece vocabulary is the tiny built-in one plus, when GloVe is present, its 10k
// most frequent words, so tokenisation behaves like a real ~10k–30k BERT vocabulary rather than
// spelling every word letter by letter.
const extraWords = glove ? [...glove.words()].filter((w) => /^[a-z0-9]+$/.test(w)) : [];
const tmp = mkdtempSync(join(tmpdir(), "irm-bench-encode-"));
const fixtures = [
  { name: "tiny", opts: { hidden: 32, layers: 1, heads: 2, maxPositions: 128 }, maxLength: 128, rows: rows.length },
  { name: "small", opts: { hidden: 256, layers: 4, heads: 4, maxPositions: 256 }, maxLength: 256, rows: Math.min(rows.length, 32) },
];

/**
 * Alternates the runs (a, b, c, a, b, c, …) so load from other processes hits each alike. Returns,
 * per function, the median wall time and the median process CPU time (user + system, all threads,
 * so onnxruntime's worker threads count; far less sensitive to other processes than wall time),
 * and per function the median over rounds of its ratio to the first function in the same round.
 */
async function interleaved(fns, rounds = Math.max(K, 7)) {
  for (const f of fns) await f(); // warm-up
  const wall = fns.map(() => []);
  const cpu = fns.map(() => []);
  for (let k = 0; k < rounds; k++) {
    for (let i = 0; i < fns.length; i++) {
      const c0 = process.cpuUsage();
      const t0 = now();
      await fns[i]();
      wall[i].push(now() - t0);
      const c = process.cpuUsage(c0);
      cpu[i].push((c.user + c.system) / 1000);
    }
  }
  const med = (t) => [...t].sort((x, y) => x - y)[Math.floor(t.length / 2)];
  return fns.map((_, i) => ({
    wallMs: med(wall[i]),
    cpuMs: med(cpu[i]),
    wallRatio: med(wall[i].map((t, k) => t / wall[0][k])),
    cpuRatio: med(cpu[i].map((t, k) => t / cpu[0][k])),
  }));
}

// Session settings compared: onnxruntime's defaults (threads = cores, spinning on), and one thread
// with spinning off, where process CPU time is the work done and hardly moves with other load.
const SETTINGS = [
  { name: "default threads", sessionOptions: {} },
  {
    name: "1 thread, no spinning",
    sessionOptions: {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
    },
  },
];
const pct = (r) => +((r - 1) * 100).toFixed(1);
const signed = (x) => (x >= 0 ? `+${x}` : `${x}`);

try {
  for (const fx of fixtures) {
    const fxRows = rows.slice(0, fx.rows);
    const info = writeTinyBertModel(join(tmp, fx.name), { ...fx.opts, quantized: false, extraWords });
    const label = `transformer ${fx.name} (H=${fx.opts.hidden}, L=${fx.opts.layers}, max ${fx.maxLength} tok, vocab ${info.vocabSize})`;
    let enc;
    for (const setting of SETTINGS) {
      await enc?.dispose();
      enc = await TransformerEncoder.load({ model: info.dir, maxLength: fx.maxLength, batchSize: 32, sessionOptions: setting.sessionOptions });
      const t0 = now();
      const ids = fxRows.map((r) => enc.tokenizePair(r));
      const tokenizeMs = now() - t0;
      const tokens = ids.reduce((a, r) => a + r.length, 0);

      // The same batches the encoder builds: sorted by length, 32 per batch, right-padded.
      const session = await ort.InferenceSession.create(join(info.dir, "onnx/model.onnx"), setting.sessionOptions);
      const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length || a - b);
      const batches = [];
      for (let s = 0; s < order.length; s += 32) batches.push(order.slice(s, s + 32).map((i) => ids[i]));
      const rawRun = async () => {
        for (const b of batches) {
          const S = Math.max(...b.map((r) => r.length));
          const inputIds = new BigInt64Array(b.length * S);
          const mask = new BigInt64Array(b.length * S);
          b.forEach((r, i) => {
            for (let j = 0; j < r.length; j++) {
              inputIds[i * S + j] = BigInt(r[j]);
              mask[i * S + j] = 1n;
            }
          });
          const dims = [b.length, S];
          await session.run({
            input_ids: new ort.Tensor("int64", inputIds, dims),
            attention_mask: new ort.Tensor("int64", mask, dims),
            token_type_ids: new ort.Tensor("int64", new BigInt64Array(b.length * S), dims),
          });
        }
      };
      const [raw, ids_, e2e] = await interleaved([rawRun, () => enc.encodeIds(ids), () => enc.encodePairs(fxRows)]);
      await session.release();
      if (setting === SETTINGS[0]) {
        results.encoders.push({
          encoder: enc.id,
          fixture: fx.name,
          rows: fxRows.length,
          dim: enc.dim,
          maxLength: fx.maxLength,
          vocab: info.vocabSize,
          meanTokens: Math.round(tokens / fxRows.length),
          ms: +e2e.wallMs.toFixed(1),
          rowsPerSec: rate(e2e.wallMs, fxRows.length),
          rowsPerCpuSec: rate(e2e.cpuMs, fxRows.length),
          tokenizeMs: Math.round(tokenizeMs),
        });
        log(`${label}: ${rate(e2e.wallMs, fxRows.length)} rows/s end to end on ${fxRows.length} rows (${Math.round(tokens / fxRows.length)} tokens/row)`);
      }
      const within = setting === SETTINGS[0] ? ids_.wallRatio <= 1.15 : ids_.cpuRatio <= 1.15;
      results.overhead.push({
        fixture: fx.name,
        setting: setting.name,
        rows: fxRows.length,
        rawSession: { wallMs: +raw.wallMs.toFixed(1), cpuMs: +raw.cpuMs.toFixed(1) },
        encoderOnTokenIds: { wallMs: +ids_.wallMs.toFixed(1), cpuMs: +ids_.cpuMs.toFixed(1) },
        encoderEndToEnd: { wallMs: +e2e.wallMs.toFixed(1), cpuMs: +e2e.cpuMs.toFixed(1) },
        tokenizeMs: +tokenizeMs.toFixed(1),
        modelPathOverheadPct: { wall: pct(ids_.wallRatio), cpu: pct(ids_.cpuRatio) },
        endToEndOverheadPct: { wall: pct(e2e.wallRatio), cpu: pct(e2e.cpuRatio) },
        withinTarget15Pct: within,
      });
      log(
        `   ${setting.name}, same batches: raw session ${raw.wallMs.toFixed(1)} ms (cpu ${raw.cpuMs.toFixed(1)}), ` +
          `encoder on token ids ${ids_.wallMs.toFixed(1)} ms (cpu ${ids_.cpuMs.toFixed(1)}): overhead ${signed(pct(ids_.wallRatio))} % wall, ` +
          `${signed(pct(ids_.cpuRatio))} % cpu (target 15 %); with tokenisation ${signed(pct(e2e.wallRatio))} % wall, ${signed(pct(e2e.cpuRatio))} % cpu ` +
          `(tokenising alone ${tokenizeMs.toFixed(1)} ms)`,
      );
    }

    // ------------------------------------------------------------ cache hits (transformer)
    if (fx.name === "tiny") {
      const dir = join(tmp, "cache");
      const cached = new CachedEncoder(enc, dir);
      const fill = now();
      await embedRows(rows, cached);
      const fillMs = now() - fill;
      // (the encoder here is the single-thread one, the last setting)
      const hits = await median(() => embedRows(rows, cached));
      const reopen = now();
      const again = new CachedEncoder(enc, dir);
      const reopenMs = now() - reopen;
      again.close();
      results.cache.push({
        encoder: enc.id,
        fillMs: +fillMs.toFixed(1),
        hitMs: +hits.wallMs.toFixed(1),
        hitRowsPerSec: rate(hits.wallMs),
        hitRowsPerCpuSec: rate(hits.cpuMs),
        modelCallsDuringHits: cached.stats.modelCalls - 1,
        reopenMs: +reopenMs.toFixed(1),
        records: cached.stats.misses,
      });
      log(
        `cache (tiny transformer)    ${rate(hits.wallMs)} rows/s on hits (${rate(hits.cpuMs)} per CPU second; ${rate(fillMs)} rows/s filling); ` +
          `model calls on hit runs: ${cached.stats.modelCalls - 1}; reopening ${rows.length} records: ${reopenMs.toFixed(1)} ms`,
      );
      cached.close();
    }
    await enc.dispose();
  }
  // Cache in front of the hashing encoder, at dim 1024 (bigger records).
  const dir = join(tmp, "cache-hashing");
  const cached = new CachedEncoder(hashing, dir);
  await embedRows(rows, cached);
  const hits = await median(() => embedRows(rows, cached));
  results.cache.push({
    encoder: hashing.id,
    hitMs: +hits.wallMs.toFixed(1),
    hitRowsPerSec: rate(hits.wallMs),
    hitRowsPerCpuSec: rate(hits.cpuMs),
    modelCallsDuringHits: cached.stats.modelCalls - 1,
  });
  log(`cache (hashing, dim 1024)   ${rate(hits.wallMs)} rows/s on hits (${rate(hits.cpuMs)} per CPU second)`);
  cached.close();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

results.loadAverageAtEnd = loadavg().map((x) => +x.toFixed(2));
log(`load average (1, 5, 15 min) at start ${results.loadAverageAtStart.join(", ")}, at end ${results.loadAverageAtEnd.join(", ")} on ${cpus().length} CPUs`);
if (asJson) console.log(JSON.stringify(results, null, 2));
