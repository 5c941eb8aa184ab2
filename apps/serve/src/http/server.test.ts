import { request } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RewardScorer, loadRewardModel } from "../index.js";
import { writeTestModelDir } from "../test-utils/model-dir.js";
import { type RewardServer, createRewardServer } from "./server.js";

let fixture: { dir: string; cleanup: () => void };
let scorer: RewardScorer;
let server: RewardServer;
let base: string;
const LIMIT = 2 * 1024 * 1024;

beforeAll(async () => {
  fixture = await writeTestModelDir({ dim: 128, hidden: [16] });
  scorer = await loadRewardModel(fixture.dir);
  server = createRewardServer(scorer, { maxBodyBytes: LIMIT, modelName: "test-rm" });
  base = (await server.listen(0, "127.0.0.1")).url;
});
afterAll(async () => {
  await server?.close();
  await scorer?.dispose();
  fixture?.cleanup();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies of several shapes, each checked by the assertions
type Json = any;

async function post(path: string, body: unknown, raw = false): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

/** After every bad request: the server still answers a good one, with the scorer's numbers. */
async function stillServes(): Promise<void> {
  const r = await post("/get_reward", { query: ["Is the sky blue?\n\nYes, on a clear day."] });
  expect(r.status).toBe(200);
  const [want] = await scorer.score([{ response: "Is the sky blue?\n\nYes, on a clear day." }]);
  expect(r.json.rewards[0]).toBeCloseTo(want!.reward, 6);
}

function expectError(r: { status: number; json: Json }, status: number, code: string, field: string | null): void {
  expect(r.status).toBe(status);
  expect(r.json.error).toMatchObject({ code, field });
  expect(typeof r.json.error.message).toBe("string");
}

const prompts = ["What is 2+2?", "Name a colour.", "Write a haiku about rain."];
const responses = [" 4, of course.", " Blue.", " Grey clouds gather / drops drum on the tin roof / the garden drinks deep"];

describe("POST /get_reward (OpenRLHF)", () => {
  it("answers rewards equal to the scorer's score() (to 1e-6), scores in [0, 1] and empty extra_logs; prompts split the query", async () => {
    const query = prompts.map((p, i) => p + responses[i]);
    const r = await post("/get_reward", { query, prompts, labels: ["", "", ""] });
    expect(r.status).toBe(200);
    const want = await scorer.score(prompts.map((prompt, i) => ({ prompt, response: responses[i]!.trimStart() })));
    expect(r.json.rewards).toHaveLength(3);
    r.json.rewards.forEach((x: number, i: number) => {
      expect(Math.abs(x - want[i]!.reward)).toBeLessThan(1e-6);
    });
    r.json.scores.forEach((x: number, i: number) => {
      expect(Math.abs(x - want[i]!.score)).toBeLessThan(1e-6);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    });
    expect(r.json.extra_logs).toEqual({});
    // without prompts (or with a prompt the query does not start with) the whole query is the response
    const whole = await post("/get_reward", { query, prompts: ["something else", "", "x"] });
    const wantWhole = await scorer.score(query.map((response) => ({ response })));
    whole.json.rewards.forEach((x: number, i: number) => {
      expect(Math.abs(x - wantWhole[i]!.reward)).toBeLessThan(1e-6);
    });
    const none = await post("/get_reward", { query });
    expect(none.json.rewards).toEqual(whole.json.rewards);
  });

  it("micro-batches concurrent requests (up to maxWaitMs) and gives each its own rows", async () => {
    const s = createRewardServer(scorer, { maxWaitMs: 20, maxBatchRows: 64 });
    const { url } = await s.listen(0, "127.0.0.1");
    try {
      const texts = Array.from({ length: 40 }, (_, i) => `prompt ${i}\n\nresponse number ${i} with some words`);
      const got = await Promise.all(
        texts.map(async (t) => (await fetch(`${url}/get_reward`, { method: "POST", body: JSON.stringify({ query: [t] }) })).json() as Promise<Json>),
      );
      const want = await scorer.score(texts.map((response) => ({ response })));
      got.forEach((r, i) => {
        expect(Math.abs(r.rewards[0] - want[i]!.reward)).toBeLessThan(1e-6);
      });
      const batches = Number(s.metrics.render().match(/^implicitrm_batch_rows_count\{kind="score"\} (\d+)/m)?.[1]);
      expect(batches).toBeGreaterThan(0);
      expect(batches).toBeLessThan(40); // 40 one-row requests sent at once share batches
    } finally {
      await s.close();
    }
  });
});

describe("POST /classify (vLLM, verl's discriminative reward loop)", () => {
  it("answers probs [1 - score, score] per input, for a string or a list", async () => {
    const one = await post("/classify", { model: "test-rm", input: "Hello there" });
    expect(one.status).toBe(200);
    const [w] = await scorer.score([{ response: "Hello there" }]);
    expect(one.json.object).toBe("list");
    expect(one.json.model).toBe("test-rm");
    expect(one.json.data).toHaveLength(1);
    expect(one.json.data[0].index).toBe(0);
    expect(one.json.data[0].num_classes).toBe(2);
    expect(one.json.data[0].probs[1]).toBeCloseTo(w!.score, 6);
    expect(one.json.data[0].probs[0]).toBeCloseTo(1 - w!.score, 6);
    const many = await post("/classify", { model: "whatever", input: ["a b c", "d e f"] });
    expect(many.json.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
  });
});

describe("POST /v1/embeddings (OpenAI)", () => {
  it("serves the model's own encoder, as floats or base64", async () => {
    const r = await post("/v1/embeddings", { model: "x", input: ["first text", "second text"] });
    expect(r.status).toBe(200);
    const want = await scorer.encoder.encode(["first text", "second text"]);
    expect(r.json.object).toBe("list");
    expect(r.json.model).toBe("test-rm");
    expect(r.json.data).toHaveLength(2);
    expect(r.json.data[1]).toMatchObject({ object: "embedding", index: 1 });
    expect(r.json.data[1].embedding).toHaveLength(128);
    r.json.data[1].embedding.forEach((v: number, j: number) => {
      expect(v).toBeCloseTo(want[128 + j]!, 6);
    });
    expect(r.json.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    const b = await post("/v1/embeddings", { input: "first text", encoding_format: "base64" });
    const bytes = Buffer.from(b.json.data[0].embedding, "base64");
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 128))).toEqual(Array.from(want.subarray(0, 128)));
    expectError(await post("/v1/embeddings", { input: "x", dimensions: 64 }), 422, "E_INVALID_FIELD", "dimensions");
    expectError(await post("/v1/embeddings", { input: [[1, 2, 3]] }), 422, "E_INVALID_FIELD", "input[0]");
  });
});

describe("GET /health, /info, /metrics", () => {
  it("health is ok, info is record.json, metrics is Prometheus text with requests by route and status, latency, batch sizes and queue depth", async () => {
    const h = await fetch(`${base}/health`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: "ok" });
    const info = await (await fetch(`${base}/info`)).json();
    expect(info).toEqual(JSON.parse(JSON.stringify(scorer.info)));
    expect(info.format).toBe("implicitrm-model-record");
    const m = await fetch(`${base}/metrics`);
    expect(m.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await m.text();
    expect(text).toMatch(/^implicitrm_http_requests_total\{route="\/get_reward",status="200"\} \d+$/m);
    expect(text).toMatch(/^implicitrm_http_request_duration_seconds_bucket\{route="\/get_reward",le="0.05"\} \d+$/m);
    expect(text).toMatch(/^implicitrm_batch_rows_bucket\{kind="score",le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^implicitrm_queue_rows 0$/m);
    expect(text).toContain("# TYPE implicitrm_http_request_duration_seconds histogram");
  });

  it("an unknown route is 404 and a wrong method 405 with Allow, both JSON errors", async () => {
    const nf = await fetch(`${base}/nope`);
    expect(nf.status).toBe(404);
    expect((await nf.json()).error.code).toBe("E_NOT_FOUND");
    const wm = await fetch(`${base}/get_reward`);
    expect(wm.status).toBe(405);
    expect(wm.headers.get("allow")).toBe("POST");
    expect((await wm.json()).error.code).toBe("E_METHOD_NOT_ALLOWED");
    await stillServes();
  });
});

describe("bad input: each refused with a JSON error naming the field, and the next request is served", () => {
  it("bad JSON is 400", async () => {
    expectError(await post("/get_reward", '{"query": ["unterminated', true), 400, "E_BAD_JSON", "body");
    expectError(await post("/classify", "", true), 400, "E_BAD_JSON", "body");
    await stillServes();
  });

  it("a body over the limit is 413, declared or streamed", async () => {
    const big = JSON.stringify({ query: ["x".repeat(LIMIT + 10)] });
    expectError(await post("/get_reward", big, true), 413, "E_BODY_TOO_LARGE", "body");
    // chunked: no Content-Length, the limit is found while reading
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/get_reward`, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      const chunk = "y".repeat(64 * 1024);
      req.write('{"query": ["');
      for (let i = 0; i < 40; i++) req.write(chunk);
      req.end('"]}');
    });
    expect(status).toBe(413);
    await stillServes();
  });

  it("wrong types are 422 naming the field", async () => {
    expectError(await post("/get_reward", [1, 2]), 422, "E_INVALID_FIELD", "body");
    expectError(await post("/get_reward", {}), 422, "E_INVALID_FIELD", "query");
    expectError(await post("/get_reward", { query: "one string" }), 422, "E_INVALID_FIELD", "query");
    expectError(await post("/get_reward", { query: ["ok", 7] }), 422, "E_INVALID_FIELD", "query[1]");
    expectError(await post("/get_reward", { query: ["ok", null] }), 422, "E_INVALID_FIELD", "query[1]");
    expectError(await post("/get_reward", { query: ["a", "b"], prompts: ["a"] }), 422, "E_INVALID_FIELD", "prompts");
    expectError(await post("/get_reward", { query: ["a"], prompts: [3] }), 422, "E_INVALID_FIELD", "prompts[0]");
    expectError(await post("/get_reward", { query: ["a"], labels: "x" }), 422, "E_INVALID_FIELD", "labels");
    expectError(await post("/get_reward", { query: ["fine", "   "] }), 422, "E_INVALID_FIELD", "query[1]");
    expectError(await post("/classify", { input: 5 }), 422, "E_INVALID_FIELD", "input");
    expectError(await post("/classify", { input: "x", model: 1 }), 422, "E_INVALID_FIELD", "model");
    expectError(await post("/v1/embeddings", { input: "x", encoding_format: "int8" }), 422, "E_INVALID_FIELD", "encoding_format");
    await stillServes();
  });

  it("empty lists are valid, empty batches", async () => {
    expect((await post("/get_reward", { query: [] })).json).toEqual({ rewards: [], scores: [], extra_logs: {} });
    expect((await post("/classify", { input: [] })).json.data).toEqual([]);
    expect((await post("/v1/embeddings", { input: [] })).json.data).toEqual([]);
    await stillServes();
  });

  it("10k-character and 1 MB queries are scored like any other", async () => {
    for (const n of [10_000, 1024 * 1024]) {
      const text = "a long answer with many words ".repeat(Math.ceil(n / 30)).slice(0, n);
      const r = await post("/get_reward", { query: [text] });
      expect(r.status).toBe(200);
      const [w] = await scorer.score([{ response: text }]);
      expect(Math.abs(r.json.rewards[0] - w!.reward)).toBeLessThan(1e-6);
      await stillServes();
    }
  });

  it("a client that disconnects mid-body, or while its rows wait, leaves the server serving", async () => {
    const { port } = server.address()!;
    await new Promise<void>((resolve) => {
      const s = connect(port, "127.0.0.1", () => {
        s.write("POST /get_reward HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"query\": [\"half");
        setTimeout(() => s.destroy(), 50);
      });
      s.on("close", () => resolve());
    });
    // a whole request, then gone before the answer
    await new Promise<void>((resolve) => {
      const body = JSON.stringify({ query: Array.from({ length: 500 }, (_, i) => `text ${i} `.repeat(50)) });
      const s = connect(port, "127.0.0.1", () => {
        s.write(`POST /get_reward HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        setImmediate(() => s.destroy());
      });
      s.on("close", () => resolve());
    });
    // garbage that is not HTTP at all
    await new Promise<void>((resolve) => {
      const s = connect(port, "127.0.0.1", () => s.write("\x00\x01 not http\r\n\r\n"));
      s.on("data", () => {});
      s.on("close", () => resolve());
    });
    await stillServes();
    await new Promise((r) => setTimeout(r, 100));
    expect(server.metrics.render()).toMatch(/^implicitrm_queue_rows 0$/m);
  });
});

describe("the bounded queue and shutdown", () => {
  it("answers 503 with Retry-After when the queue is full", async () => {
    const s = createRewardServer(scorer, { maxQueueRows: 4, maxBatchRows: 64, maxWaitMs: 300, retryAfterSeconds: 2 });
    const { url } = await s.listen(0, "127.0.0.1");
    try {
      const first = fetch(`${url}/get_reward`, { method: "POST", body: JSON.stringify({ query: ["a", "b", "c", "d"] }) });
      await new Promise((r) => setTimeout(r, 50));
      const second = await fetch(`${url}/get_reward`, { method: "POST", body: JSON.stringify({ query: ["e"] }) });
      expect(second.status).toBe(503);
      expect(second.headers.get("retry-after")).toBe("2");
      expect((await second.json()).error.code).toBe("E_OVERLOADED");
      const ok = await first;
      expect(ok.status).toBe(200);
      expect((await ok.json()).rewards).toHaveLength(4);
    } finally {
      await s.close();
    }
  });

  it("close() stops accepting, lets the request in flight finish, and resolves", async () => {
    const s = createRewardServer(scorer, { maxWaitMs: 1 });
    const { port } = await s.listen(0, "127.0.0.1");
    const body = JSON.stringify({ query: ["drained answer"] });
    const sock = connect(port, "127.0.0.1");
    await new Promise<void>((r) => sock.once("connect", () => r()));
    let reply = "";
    sock.on("data", (d) => {
      reply += d.toString();
    });
    sock.write(`POST /get_reward HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 5)}`);
    await new Promise((r) => setTimeout(r, 50));
    const closed = s.close();
    await new Promise((r) => setTimeout(r, 50));
    // a new connection is refused while the old request is still in flight
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    const sockClosed = new Promise<void>((r) => sock.once("close", () => r()));
    sock.write(body.slice(5));
    await closed;
    await sockClosed;
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(reply).toContain('"rewards":[');
    expect(s.address()).toBeNull();
  });
});
