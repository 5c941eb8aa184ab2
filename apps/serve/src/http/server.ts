/**
 * The HTTP reward server: a {@link RewardScorer} behind node:http, speaking the APIs RLHF trainers
 * call — OpenRLHF's `POST /get_reward`, vLLM's `POST /classify` (verl's discriminative reward
 * loop), OpenAI's `POST /v1/embeddings` — plus `GET /health`, `GET /info` (record.json) and
 * `GET /metrics` (Prometheus). Concurrent requests are micro-batched; the queue is bounded (503
 * with Retry-After when full); every refusal is a JSON error naming the field. node:http and no
 * framework: five fixed routes need no router, and it keeps the hot path to one JSON parse, one
 * batch and one JSON write. The server is stateless, so replicas behind a load balancer need no
 * coordination. No argv, stdout or signals here: the `implicitrm serve` command owns those.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DataError, ImplicitRMError } from "@implicitrm/core/errors";
import { encodePairs } from "@implicitrm/encoders/hashing";
import type { RewardScorer, ScoreInput, Scored } from "../scorer.js";
import { MicroBatcher } from "./batcher.js";
import { ClientGoneError, readBody } from "./body.js";
import { HttpError } from "./errors.js";
import { ServerMetrics } from "./metrics.js";
import { parseClassify, parseEmbeddings, parseGetReward } from "./requests.js";

/** Options of {@link createRewardServer}; every field has a default. */
export interface RewardServerOptions {
  /** Largest request body accepted, in bytes; larger gets 413. Default 8 MiB (a 1 MB query fits). */
  maxBodyBytes?: number;
  /** Most texts in one request; more gets 422 naming the list. Default 4096. */
  maxRequestRows?: number;
  /** Rows per micro-batch at most. Default 64. */
  maxBatchRows?: number;
  /**
   * How long an idle server holds a batch smaller than `maxBatchRows` for more rows, in
   * milliseconds. Default 0: a batch runs at once with what has arrived, and rows that arrive while
   * it runs make the next batch (measured faster at 1 to 32 connections than 2 ms: bench/serve).
   */
  maxWaitMs?: number;
  /** Rows waiting for a batch at most (per queue: scoring, embedding); more gets 503. Default 4096. */
  maxQueueRows?: number;
  /** Retry-After of a 503, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /** Time a request may take to arrive in full, in milliseconds (slow clients are cut off). Default 30,000. */
  requestTimeoutMs?: number;
  /** How long `close()` waits for in-flight requests before closing their connections, in milliseconds. Default 30,000. */
  drainTimeoutMs?: number;
  /** The model name answered in /classify and /v1/embeddings (any `model` a client sends is accepted). Default "implicitrm". */
  modelName?: string;
  /**
   * The head's forward pass on a batch of features, rows × inputDim row-major. Default: the
   * scorer's `scoreFeatures`. Another must give the same numbers (it exists for measured faster paths).
   */
  scoreFeatures?: (features: Float32Array, rows: number) => Scored[];
  /** Receives one line per unexpected server-side failure (a bug, not a client's mistake). Default none. */
  log?: (line: string) => void;
}

/** Where a listening {@link RewardServer} is bound. */
export interface RewardServerAddress {
  host: string;
  port: number;
  /** `http://host:port` (IPv6 hosts in brackets). */
  url: string;
}

/** A reward server: `listen`, `address`, and `close` (stop accepting, drain, close). */
export interface RewardServer {
  /** Starts listening on `host:port` (port 0 picks a free port); resolves to the bound address. */
  listen(port?: number, host?: string): Promise<RewardServerAddress>;
  /** The bound address, or null before `listen` and after `close`. */
  address(): RewardServerAddress | null;
  /**
   * Stops accepting connections, lets the requests in flight finish (up to `drainTimeoutMs`; later
   * requests on open keep-alive connections get 503), then closes every connection. The scorer is
   * the caller's to dispose. Safe to call twice.
   */
  close(): Promise<void>;
  /** The server's metrics (what GET /metrics renders). */
  readonly metrics: ServerMetrics;
  /** The underlying node:http server. */
  readonly http: Server;
}

const ROUTES: Record<string, "GET" | "POST"> = {
  "/get_reward": "POST",
  "/classify": "POST",
  "/v1/embeddings": "POST",
  "/health": "GET",
  "/info": "GET",
  "/metrics": "GET",
};

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/**
 * Builds the HTTP reward server for `scorer` (see the module comment for the routes); call
 * `listen()` to start it. The same scorer may serve several servers; the server never disposes it.
 */
export function createRewardServer(scorer: RewardScorer, options: RewardServerOptions = {}): RewardServer {
  const o = {
    maxBodyBytes: options.maxBodyBytes ?? 8 * 1024 * 1024,
    maxRequestRows: options.maxRequestRows ?? 4096,
    maxBatchRows: options.maxBatchRows ?? 64,
    maxWaitMs: options.maxWaitMs ?? 0,
    maxQueueRows: options.maxQueueRows ?? 4096,
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    drainTimeoutMs: options.drainTimeoutMs ?? 30_000,
    modelName: options.modelName ?? "implicitrm",
  };
  for (const [k, v] of Object.entries(o)) {
    if (k !== "modelName" && !(typeof v === "number" && Number.isFinite(v) && v >= 0)) {
      throw new HttpError("E_INTERNAL", `createRewardServer: option ${k} must be a non-negative number, got ${String(v)}`);
    }
  }
  const forward = options.scoreFeatures ?? ((x: Float32Array, rows: number) => scorer.scoreFeatures(x, rows));
  const log = options.log ?? (() => {});
  const metrics = new ServerMetrics();
  const encoder = scorer.encoder;
  const batchOptions = { maxBatchRows: o.maxBatchRows, maxWaitMs: o.maxWaitMs, maxQueueRows: o.maxQueueRows, retryAfterSeconds: o.retryAfterSeconds };

  const scoring = new MicroBatcher<ScoreInput, Scored>(async (items) => {
    const t0 = process.hrtime.bigint();
    const features = await encodePairs(
      encoder,
      items.map((it) => ({ prompt: it.prompt ?? "", response: it.response })),
    );
    const t1 = process.hrtime.bigint();
    const out = forward(features, items.length);
    metrics.observeBatch("score", items.length, Number(t1 - t0) / 1e9, seconds(t1));
    return out;
  }, batchOptions);
  const embedding = new MicroBatcher<string, Float32Array>(async (texts) => {
    const t0 = process.hrtime.bigint();
    const v = await encoder.encode(texts);
    metrics.observeBatch("embed", texts.length, seconds(t0), 0);
    const d = encoder.dim;
    return texts.map((_, i) => v.subarray(i * d, (i + 1) * d));
  }, batchOptions);

  let inFlight = 0;
  let draining = false;
  let drainWaiters: Array<() => void> = [];
  metrics.queueDepth = () => scoring.depth + embedding.depth;
  metrics.inFlight = () => inFlight;

  /** A DataError from the encoder (an empty text, say) names its row: answer 422 naming the list item. */
  const clientFault = (e: unknown, list: string): unknown => {
    if (e instanceof DataError) {
      const row = e.location?.row;
      const field = row === undefined ? list : `${list}[${row}]`;
      return new HttpError("E_INVALID_FIELD", e.message, { field, cause: e });
    }
    return e;
  };

  async function score(items: ScoreInput[], list: string, signal: AbortSignal): Promise<Scored[]> {
    try {
      return await scoring.submit(items, signal);
    } catch (e) {
      throw clientFault(e, list);
    }
  }

  async function handle(route: string, req: IncomingMessage, signal: AbortSignal): Promise<{ status: number; body: unknown; type?: string }> {
    switch (route) {
      case "/health":
        return draining ? { status: 503, body: { status: "draining" } } : { status: 200, body: { status: "ok" } };
      case "/info":
        return { status: 200, body: scorer.info };
      case "/metrics":
        return { status: 200, body: metrics.render(), type: "text/plain; version=0.0.4; charset=utf-8" };
    }
    const json = parseJson(await readBody(req, o.maxBodyBytes));
    if (route === "/get_reward") {
      const items = parseGetReward(json, o.maxRequestRows);
      const scored = await score(items, "query", signal);
      return { status: 200, body: { rewards: scored.map((s) => s.reward), scores: scored.map((s) => s.score), extra_logs: {} } };
    }
    if (route === "/classify") {
      const texts = parseClassify(json, o.maxRequestRows);
      const scored = await score(
        texts.map((response) => ({ response })),
        "input",
        signal,
      );
      return {
        status: 200,
        body: {
          id: `classify-${Date.now().toString(36)}`,
          object: "list",
          created: Math.floor(Date.now() / 1000),
          model: o.modelName,
          data: scored.map((s, index) => ({ index, label: s.score >= 0.5 ? "preferred" : "not_preferred", probs: [1 - s.score, s.score], num_classes: 2 })),
          usage: usage(texts),
        },
      };
    }
    // /v1/embeddings
    const r = parseEmbeddings(json, o.maxRequestRows, encoder.dim);
    let rows: Float32Array[];
    try {
      rows = await embedding.submit(r.texts, signal);
    } catch (e) {
      throw clientFault(e, "input");
    }
    return {
      status: 200,
      body: {
        object: "list",
        data: rows.map((v, index) => ({
          object: "embedding",
          index,
          embedding: r.encodingFormat === "base64" ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") : Array.from(v),
        })),
        model: o.modelName,
        usage: usage(r.texts),
      },
    };
  }

  const http = createServer({ requestTimeout: o.requestTimeoutMs, headersTimeout: Math.min(o.requestTimeoutMs, 60_000) }, (req, res) => {
    const start = process.hrtime.bigint();
    inFlight++;
    const abort = new AbortController();
    const path = (req.url ?? "/").split("?", 1)[0]!;
    const method = ROUTES[path];
    const route = method ? path : "other";
    let settled = false;
    const settle = (status: number) => {
      if (settled) return;
      settled = true;
      inFlight--;
      metrics.observeRequest(route, status, seconds(start));
      if (inFlight === 0) {
        const w = drainWaiters;
        drainWaiters = [];
        for (const r of w) r();
      }
    };
    // The client went away before the answer was sent: drop its rows from the queue, count it as 499.
    res.on("close", () => {
      if (!res.writableFinished) {
        abort.abort(new ClientGoneError());
        settle(499);
      }
    });
    res.on("finish", () => settle(res.statusCode));
    const run = async () => {
      if (draining) throw new HttpError("E_SHUTTING_DOWN", "the server is shutting down; send the request to another replica", { headers: { "Retry-After": String(o.retryAfterSeconds) } });
      if (!method) throw new HttpError("E_NOT_FOUND", `no route ${path}; this server answers ${Object.keys(ROUTES).join(", ")}`);
      if (req.method !== method && !(method === "GET" && req.method === "HEAD")) {
        throw new HttpError("E_METHOD_NOT_ALLOWED", `${path} takes ${method}, not ${req.method}`, { headers: { Allow: method === "GET" ? "GET, HEAD" : method } });
      }
      return handle(path, req, abort.signal);
    };
    run().then(
      (r) => send(res, r.status, r.body, r.type, draining),
      (e: unknown) => {
        if (e instanceof ClientGoneError || abort.signal.aborted) return; // nobody to answer
        let err: HttpError;
        if (e instanceof HttpError) err = e;
        else if (e instanceof ImplicitRMError) err = new HttpError("E_INVALID_FIELD", e.message, { field: "body", cause: e });
        else {
          log(`internal error on ${req.method} ${path}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          err = new HttpError("E_INTERNAL", "internal error while answering this request (the server logged it)", { cause: e });
        }
        // A body over the limit is left unread: close the connection after answering, so its rest is not parsed as a request.
        const close = draining || err.code === "E_BODY_TOO_LARGE";
        send(res, err.status, err.toJSON(), undefined, close, err.headers);
        if (err.code === "E_BODY_TOO_LARGE") res.on("finish", () => req.destroy());
      },
    );
  });

  let bound: RewardServerAddress | null = null;
  let closing: Promise<void> | undefined;
  return {
    metrics,
    http,
    listen(port = 8000, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        const onError = (e: unknown) => reject(e);
        http.once("error", onError);
        http.listen(port, host, () => {
          http.off("error", onError);
          const a = http.address() as AddressInfo;
          const h = a.family === "IPv6" || a.address.includes(":") ? `[${a.address}]` : a.address;
          bound = { host: a.address, port: a.port, url: `http://${h}:${a.port}` };
          resolve(bound);
        });
      });
    },
    address: () => bound,
    close() {
      closing ??= (async () => {
        draining = true;
        const closed = new Promise<void>((r) => http.close(() => r()));
        http.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((r) => {
          timer = setTimeout(r, o.drainTimeoutMs);
        });
        const drained = inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => drainWaiters.push(r));
        await Promise.race([Promise.all([drained, scoring.idle(), embedding.idle()]), deadline]);
        clearTimeout(timer);
        http.closeAllConnections();
        await closed;
        bound = null;
      })();
      return closing;
    },
  };
}

function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch (e) {
    throw new HttpError("E_BAD_JSON", `the request body is not valid JSON (${(e as Error).message})`, { field: "body" });
  }
}

/** OpenAI-style usage: whitespace-separated words stand in for tokens (the hashing encoder has no tokenizer). */
function usage(texts: readonly string[]): { prompt_tokens: number; total_tokens: number } {
  let n = 0;
  for (const t of texts) {
    const m = t.match(/\S+/g);
    n += m ? m.length : 0;
  }
  return { prompt_tokens: n, total_tokens: n };
}

function send(res: ServerResponse, status: number, body: unknown, type: string | undefined, close: boolean, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", type ?? "application/json");
  res.setHeader("Content-Length", Buffer.byteLength(text));
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (close) res.setHeader("Connection", "close");
  res.end(res.req?.method === "HEAD" ? undefined : text);
}

