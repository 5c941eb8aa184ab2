#!/usr/bin/env node
// Load benchmark of `implicitrm serve` (not a test: it prints numbers, it does not assert).
//
//   node scripts/pnpm.mjs --filter implicitrm... build && node bench/serve/run.mjs [--model DIR]
//     [--levels 1,8,32,64] [--duration 10] [--soak 60] [--soak-connections 32] [--abuse 20] [--max-wait-ms N] [--json]
//
// Starts the real CLI server (`implicitrm serve --port 0`, a child process on 127.0.0.1) on DIR,
// or on a model with the default heads (1024 → 256 → 64 → 1, hashing:1024) written by
// model-dir.mjs, and drives POST /get_reward with autocannon, one sample per request (what
// OpenRLHF sends): real (prompt, response) pairs from ../shared/data/ultrafeedback_binarized_subset
// when present, else synthetic text. Per connection count: requests/s, p50/p99 latency, errors
// and the server's RSS before and after; then a soak at --soak-connections for --soak seconds
// sampling RSS every 5 s (no growth expected); then the server's own /metrics split of the time
// between the encoder and the reward head, and its mean micro-batch size; then --abuse seconds of bad
// requests (bad JSON, wrong types, empty texts, a body over the limit) at 32 connections, with the
// RSS before and after and a good request answered at the end. Every run is bounded in time.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { writeBenchModelDir } from "./model-dir.mjs";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(repo, "apps/cli/dist/bin.js");
if (!existsSync(bin)) {
  console.error("bench/serve: build first: node scripts/pnpm.mjs --filter implicitrm... build");
  process.exit(1);
}
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const asJson = args.includes("--json");
const levels = opt("--levels", "1,8,32,64").split(",").map(Number);
const duration = Number(opt("--duration", "10"));
const soak = Number(opt("--soak", "60"));
const soakConnections = Number(opt("--soak-connections", "32"));
const abuse = Number(opt("--abuse", "20"));
const maxWaitMs = opt("--max-wait-ms", undefined); // passed to the server; its default when absent
const log = (...a) => {
  if (!asJson) console.error(...a);
};

// ---------------------------------------------------------------- data: one sample per request
const dataFile = join(repo, "../shared/data/ultrafeedback_binarized_subset/ultrafeedback_binarized_subset.jsonl");
let samples;
if (existsSync(dataFile)) {
  samples = readFileSync(dataFile, "utf8").trim().split("\n").slice(0, 512).map((l) => JSON.parse(l)).map((r) => ({ prompt: r.prompt, response: r.response }));
} else {
  samples = Array.from({ length: 512 }, (_, i) => ({ prompt: `Question ${i}: explain topic ${i % 17}.`, response: `An answer about topic ${i % 17} `.repeat(40) }));
}
const bodies = samples.map((s) => JSON.stringify({ query: [`${s.prompt}${s.response}`], prompts: [s.prompt] }));
const meanChars = Math.round(samples.reduce((a, s) => a + s.prompt.length + s.response.length, 0) / samples.length);

// ---------------------------------------------------------------- the server, a real child process
const ownModel = opt("--model", undefined) === undefined;
const modelDir = opt("--model", undefined) ?? (await writeBenchModelDir());
const child = spawn(process.execPath, [bin, "serve", "--model", modelDir, "--port", "0", "--quiet", ...(maxWaitMs !== undefined ? ["--max-wait-ms", maxWaitMs] : [])], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((resolve, reject) => {
  let out = "";
  const t = setTimeout(() => reject(new Error("server did not start in 60 s")), 60_000);
  child.stdout.on("data", (d) => {
    out += d;
    const m = out.match(/^listening on (\S+)\n/);
    if (m) {
      clearTimeout(t);
      resolve(m[1]);
    }
  });
  child.on("exit", (c) => reject(new Error(`server exited ${c}`)));
});
const rssMiB = () => {
  const m = readFileSync(`/proc/${child.pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
};

function load(connections, seconds, pool = bodies) {
  return new Promise((resolve, reject) => {
    let i = 0;
    const inst = autocannon(
      {
        url: `${url}/get_reward`,
        connections,
        duration: seconds,
        method: "POST",
        headers: { "content-type": "application/json" },
        requests: [{ setupRequest: (req) => ({ ...req, body: pool[i++ % pool.length] }) }],
        timeout: 10,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    autocannon.track(inst, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false, outputStream: { write() {} } });
  });
}

const summary = (r) => ({
  requestsPerSecond: Math.round(r.requests.average),
  latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
  requests: r.requests.total,
  errors: r.errors,
  timeouts: r.timeouts,
  non2xx: r.non2xx,
});

const result = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadavgAtStart: loadavg().map((x) => Number(x.toFixed(2))) },
  serverMaxWaitMs: maxWaitMs === undefined ? "default" : Number(maxWaitMs),
  model: ownModel ? "default heads 1024 → 256 → 64 → 1, hashing:1024 (model-dir.mjs)" : modelDir,
  request: { route: "/get_reward", samplesPerRequest: 1, meanChars, source: existsSync(dataFile) ? "ultrafeedback_binarized_subset" : "synthetic" },
  levels: [],
  soak: null,
  server: null,
  abuse: null,
};
try {
  log(`server ${url}; warm-up`);
  await load(8, 2);
  for (const c of levels) {
    const rssStart = rssMiB();
    const r = await load(c, duration);
    const row = { connections: c, seconds: duration, ...summary(r), rssMiB: { start: rssStart, end: rssMiB() } };
    result.levels.push(row);
    log(`${c} connections: ${row.requestsPerSecond} req/s, p50 ${row.latencyMs.p50} ms, p99 ${row.latencyMs.p99} ms, errors ${row.errors + row.non2xx + row.timeouts}, RSS ${row.rssMiB.start} → ${row.rssMiB.end} MiB`);
  }
  if (soak > 0) {
    const samplesRss = [{ t: 0, rssMiB: rssMiB() }];
    const started = Date.now();
    const timer = setInterval(() => samplesRss.push({ t: Math.round((Date.now() - started) / 1000), rssMiB: rssMiB() }), 5000);
    const r = await load(soakConnections, soak);
    clearInterval(timer);
    samplesRss.push({ t: soak, rssMiB: rssMiB() });
    const rss = samplesRss.map((s) => s.rssMiB);
    result.soak = { connections: soakConnections, seconds: soak, ...summary(r), rssMiB: { start: rss[0], end: rss[rss.length - 1], min: Math.min(...rss), max: Math.max(...rss), samples: samplesRss } };
    log(`soak ${soakConnections} connections ${soak} s: ${result.soak.requestsPerSecond} req/s, p99 ${result.soak.latencyMs.p99} ms, RSS ${rss[0]} → ${rss[rss.length - 1]} MiB (max ${Math.max(...rss)})`);
  }
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const num = (re) => Number(metrics.match(re)?.[1] ?? Number.NaN);
  const batches = num(/^implicitrm_batch_rows_count\{kind="score"\} (\S+)$/m);
  const rows = num(/^implicitrm_batch_rows_sum\{kind="score"\} (\S+)$/m);
  const encodeS = num(/^implicitrm_encode_seconds_total (\S+)$/m);
  const headS = num(/^implicitrm_head_seconds_total (\S+)$/m);
  result.server = {
    rows,
    batches,
    meanBatchRows: Number((rows / batches).toFixed(2)),
    encodeMsPerRow: Number(((encodeS * 1000) / rows).toFixed(4)),
    headMsPerRow: Number(((headS * 1000) / rows).toFixed(4)),
    headShareOfScoring: Number((headS / (encodeS + headS)).toFixed(3)),
  };
  if (abuse > 0) {
    const bad = ['{"query": ["unterminated', '{"query": "not a list"}', '{"query": ["ok", 7]}', '{"query": ["  "]}', "[1, 2]", '{"input": 5}', `{"query": ["${"x".repeat(9 * 1024 * 1024)}"]}`];
    const rssStart = rssMiB();
    const r = await load(32, abuse, bad);
    const good = await fetch(`${url}/get_reward`, { method: "POST", body: bodies[0] });
    result.abuse = { connections: 32, seconds: abuse, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors, statusCodes: r.statusCodeStats, rssMiB: { start: rssStart, end: rssMiB() }, goodRequestAfter: good.status };
    log(`abuse ${abuse} s: ${r.requests.total} bad requests, RSS ${rssStart} → ${result.abuse.rssMiB.end} MiB, next good request ${good.status}`);
  }
  result.machine.loadavgAtEnd = loadavg().map((x) => Number(x.toFixed(2)));
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  if (ownModel) rmSync(modelDir, { recursive: true, force: true });
}
console.log(JSON.stringify(result, null, 2));
