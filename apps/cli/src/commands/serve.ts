/**
 * `implicitrm serve`: a trained model directory behind an HTTP reward server (the work is
 * @implicitrm/serve's `loadRewardModel` and `createRewardServer`). This file owns what a library
 * must not: argv, stdout (the first line says where it listens) and signals (SIGTERM or SIGINT
 * stop accepting, drain the requests in flight and exit 0; a second one exits at once).
 */
import { basename, resolve } from "node:path";
import { ConfigError } from "@implicitrm/core";
import { createRewardServer, loadRewardModel } from "@implicitrm/serve";
import { numberFlag, parseFlags } from "../flags.js";

/** `implicitrm serve --help`. */
export const SERVE_HELP = `Usage: implicitrm serve --model <dir> [--host 127.0.0.1] [--port 8000] [options]

Serves a model directory (written by \`implicitrm train --out <dir>\`) over HTTP until SIGTERM or
SIGINT, which stop accepting, let the requests in flight finish and exit 0. The first line on
stdout is \`listening on http://HOST:PORT\`; logs go to stderr.

Endpoints:
  POST /get_reward       OpenRLHF's remote reward model API: {"query": [str], "prompts"?: [str]}
                         -> {"rewards": [float], "scores": [float], "extra_logs": {}}
  POST /classify         vLLM's classification API (verl): {"input": str | [str]}
                         -> {"data": [{"index", "probs": [1 - score, score]}]}
  POST /v1/embeddings    OpenAI's embeddings API, the model's own encoder
  GET  /health  /info (record.json)  /metrics (Prometheus)

Options:
  --model <dir>          the model directory (record.json, model.json)
  --host <addr>          address to bind (default 127.0.0.1; 0.0.0.0 for every interface)
  --port <n>             port (default 8000; 0 picks a free one)
  --max-body-bytes <n>   largest request body, larger gets 413 (default 8388608)
  --max-batch-rows <n>   rows per micro-batch (default 64)
  --max-wait-ms <n>      how long an idle server holds a small batch for more rows (default 0: a batch
                         runs at once; rows that arrive meanwhile make the next batch)
  --max-queue-rows <n>   rows waiting at most, more gets 503 with Retry-After (default 4096)
  --drain-timeout <s>    seconds SIGTERM waits for requests in flight (default 30)
  --backend <name>       tfjs backend for the reward head (default auto)
  --quiet                no log lines on stderr
`;

const FLAGS = {
  model: { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  "max-body-bytes": { type: "string" },
  "max-batch-rows": { type: "string" },
  "max-wait-ms": { type: "string" },
  "max-queue-rows": { type: "string" },
  "drain-timeout": { type: "string" },
  backend: { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function intFlag(name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const n = numberFlag(name, value);
  if (n !== undefined && !(Number.isInteger(n) && n >= min && n <= max)) throw new ConfigError(`--${name} must be an integer in [${min}, ${max}], got ${value}`);
  return n;
}

/** Runs `implicitrm serve`; resolves to the exit code once a signal has stopped the server. */
export async function serveCommand(argv: string[]): Promise<number> {
  const f = parseFlags("serve", argv, FLAGS);
  if (f.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  if (!f.model) throw new ConfigError("implicitrm serve: --model <dir> is required; see `implicitrm serve --help`");
  const port = intFlag("port", f.port, 0, 65535) ?? 8000;
  const host = f.host ?? "127.0.0.1";
  const drainS = numberFlag("drain-timeout", f["drain-timeout"]) ?? 30;
  if (!(drainS >= 0)) throw new ConfigError(`--drain-timeout must be a number of seconds >= 0, got ${f["drain-timeout"]}`);
  const log = (line: string) => {
    if (!f.quiet) process.stderr.write(`${line}\n`);
  };
  const scorer = await loadRewardModel(f.model, { ...(f.backend ? { backend: f.backend } : {}), log });
  const options = {
    maxBodyBytes: intFlag("max-body-bytes", f["max-body-bytes"], 1),
    maxBatchRows: intFlag("max-batch-rows", f["max-batch-rows"], 1),
    maxWaitMs: numberFlag("max-wait-ms", f["max-wait-ms"]),
    maxQueueRows: intFlag("max-queue-rows", f["max-queue-rows"], 1),
  };
  if (options.maxWaitMs !== undefined && !(options.maxWaitMs >= 0)) throw new ConfigError(`--max-wait-ms must be >= 0, got ${f["max-wait-ms"]}`);
  for (const k of Object.keys(options) as (keyof typeof options)[]) if (options[k] === undefined) delete options[k];
  const server = createRewardServer(scorer, {
    ...(options as Record<string, number>),
    drainTimeoutMs: drainS * 1000,
    modelName: basename(resolve(f.model)),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  let address: Awaited<ReturnType<typeof server.listen>>;
  try {
    address = await server.listen(port, host);
  } catch (e) {
    await scorer.dispose();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new ConfigError(`implicitrm serve: ${host}:${port} is already in use; pick another --port (0 picks a free one)`);
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EACCES") {
      throw new ConfigError(`implicitrm serve: cannot listen on ${host}:${port} (${code}); check --host and --port`);
    }
    throw e;
  }
  process.stdout.write(`listening on ${address.url}\n`);
  log(`serving ${scorer.info.encoder.id} -> reward head (inputDim ${scorer.info.inputDim}) from ${f.model}`);
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once("SIGTERM", () => done("SIGTERM"));
    process.once("SIGINT", () => done("SIGINT"));
  });
  log(`${signal}: no new connections; draining the requests in flight (up to ${drainS} s)`);
  const force = () => {
    process.stderr.write("implicitrm serve: second signal, exiting without draining\n");
    process.exit(1);
  };
  process.once("SIGTERM", force);
  process.once("SIGINT", force);
  await server.close();
  await scorer.dispose();
  log("stopped");
  return 0;
}
