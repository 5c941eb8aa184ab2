import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, DataError, MissingDependencyError } from "@implicitrm/core/errors";
import { importOptional } from "@implicitrm/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CachedEncoder } from "../cache.js";
import { embedRows } from "../embed.js";
import { cosineRows } from "../encoder.js";
import { type TinyBertInfo, writeTinyBertModel } from "../testing/tiny-bert.js";
import type { TransformerProgress } from "./options.js";
import { TransformerEncoder } from "./transformer-encoder.js";
import { TRANSFORMERS_PACKAGE } from "./transformers-js.js";

const root = mkdtempSync(join(tmpdir(), "irm-tf-"));
let tiny: TinyBertInfo;
let enc: TransformerEncoder;
const encoders: TransformerEncoder[] = [];
const load = async (o: Parameters<typeof TransformerEncoder.load>[0]) => {
  const e = await TransformerEncoder.load(o);
  encoders.push(e);
  return e;
};

beforeAll(async () => {
  tiny = writeTinyBertModel(join(root, "tiny-bert"));
  enc = await load({ model: tiny.dir });
});
afterAll(async () => {
  for (const e of encoders) await e.dispose();
  rmSync(root, { recursive: true, force: true });
});

const TEXTS = ["hello world", "the cat sat on the mat", "a reward model scores the response to a prompt"];

/** Runs the fixture's ONNX file directly with onnxruntime-node (the reference path). */
async function rawHidden(file: string, ids: number[]): Promise<Float32Array> {
  const ort = createRequire(import.meta.url)("onnxruntime-node") as typeof import("onnxruntime-node");
  const s = await ort.InferenceSession.create(file);
  const t = (d: bigint[]) => new ort.Tensor("int64", BigInt64Array.from(d), [1, ids.length]);
  const out = await s.run({
    input_ids: t(ids.map(BigInt)),
    attention_mask: t(ids.map(() => 1n)),
    token_type_ids: t(ids.map(() => 0n)),
  });
  await s.release();
  return out.last_hidden_state!.data as Float32Array;
}

describe("TransformerEncoder on the tiny BERT fixture (real transformers.js path, remote models off)", () => {
  it("loads from a local directory and reports what it loaded", () => {
    expect(enc.dim).toBe(tiny.hidden);
    expect(enc.id).toBe("transformer:tiny-bert:mean");
    expect(enc.device).toBe("cpu");
    expect(enc.dtype).toBe("fp32");
    expect(enc.maxLength).toBe(128);
    expect(enc.template).toBe("plain");
    expect(enc.config).toMatchObject({ pooling: "mean", normalize: true, dtype: "fp32", model: { directory: "tiny-bert" } });
    expect(String((enc.config.model as { fingerprint: string }).fingerprint)).toMatch(/^sha256:[0-9a-f]{32}$/);
  });

  it("returns [rows × dim] unit rows, deterministically, independent of batch composition and padding", async () => {
    const v = await enc.encode(TEXTS);
    expect(v).toBeInstanceOf(Float32Array);
    expect(v.length).toBe(TEXTS.length * enc.dim);
    for (let i = 0; i < TEXTS.length; i++) expect(cosineRows(v, enc.dim, i, i)).toBeCloseTo(1, 6);
    expect(Array.from(await enc.encode(TEXTS))).toEqual(Array.from(v));
    // Alone (no padding) vs in a batch with longer rows (padding): the attention mask must hide pads.
    const alone = await enc.encode([TEXTS[0]!]);
    for (let j = 0; j < enc.dim; j++) expect(alone[j]).toBeCloseTo(v[j]!, 5);
  });

  it("pools exactly as documented: mean / cls / last over the model's own token vectors", async () => {
    const text = "the cat sat";
    const ids = enc.tokenize(text);
    expect(ids[0]).toBe(2); // [CLS]
    expect(ids[ids.length - 1]).toBe(3); // [SEP]
    const H = enc.dim;
    const hidden = await rawHidden(join(tiny.dir, "onnx/model.onnx"), ids);
    const raw = await Promise.all(
      (["mean", "cls", "last"] as const).map(async (pooling) => {
        const e = await load({ model: tiny.dir, pooling, normalize: false });
        return e.encode([text]);
      }),
    );
    const S = ids.length;
    for (let h = 0; h < H; h++) {
      let mean = 0;
      for (let s = 0; s < S; s++) mean += hidden[s * H + h]!;
      expect(raw[0]![h]).toBeCloseTo(mean / S, 5);
      expect(raw[1]![h]).toBeCloseTo(hidden[h]!, 5);
      expect(raw[2]![h]).toBeCloseTo(hidden[(S - 1) * H + h]!, 5);
    }
    // The three poolings really differ.
    const all = new Float32Array([...raw[0]!, ...raw[1]!, ...raw[2]!]);
    expect(cosineRows(all, H, 0, 1)).toBeLessThan(0.99);
    expect(cosineRows(all, H, 1, 2)).toBeLessThan(0.99);
  });

  it("truncates pairs from the left of the prompt so the response survives", async () => {
    const e = await load({ model: tiny.dir, maxLength: 24 });
    const response = "the answer is a good helpful response";
    const tail = "then we ask the question about the world and the people who live there now";
    const longA = { prompt: `${"first we ask about cats. ".repeat(20)}${tail}`, response };
    const longB = { prompt: `${"some other start about dogs! ".repeat(20)}${tail}`, response };
    const ids = e.tokenizePair(longA);
    expect(ids).toHaveLength(24);
    expect(ids[0]).toBe(2);
    expect(ids[23]).toBe(3);
    const respIds = e.tokenize(response).slice(1, -1);
    expect(ids.slice(-1 - respIds.length, -1)).toEqual(respIds); // the whole response, then [SEP]
    const tailIds = e.tokenize(tail).slice(1, -1);
    expect(ids.slice(1, -1 - respIds.length)).toEqual(tailIds.slice(-(22 - respIds.length))); // the prompt's end, nothing else
    const v = await e.encodePairs([longA, longB, { ...longA, response: "a bad answer" }]);
    expect(e.stats.truncatedRows).toBe(3);
    // Different prompt starts were cut away: same vector. A different response: a different vector.
    expect(cosineRows(v, e.dim, 0, 1)).toBeCloseTo(1, 5);
    expect(cosineRows(v, e.dim, 0, 2)).toBeLessThan(0.99);
    // A response longer than the budget keeps its start and drops the prompt.
    const huge = e.tokenizePair({ prompt: "question", response: "word ".repeat(100) });
    expect(huge).toHaveLength(24);
    expect(huge.includes(e.tokenize("question")[1]!)).toBe(false);
  });

  it("keeps the end of a long plain text by default and its start with truncation: 'right'", async () => {
    const left = await load({ model: tiny.dir, maxLength: 8 });
    const right = await load({ model: tiny.dir, maxLength: 8, truncation: "right" });
    const text = "hello world the cat sat on the mat today";
    const full = left.tokenize("hello world the cat sat on the mat today");
    expect(full).toHaveLength(8);
    expect(left.tokenize(text).slice(1, -1)).toEqual(enc.tokenize(text).slice(-7, -1));
    expect(right.tokenize(text).slice(1, -1)).toEqual(enc.tokenize(text).slice(1, 7));
  });

  it("uses the tokenizer's chat template when it has one", async () => {
    const chatDir = join(root, "tiny-chat");
    writeTinyBertModel(chatDir, {
      chatTemplate: "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}",
    });
    const chat = await load({ model: chatDir, maxLength: 20 });
    expect(chat.template).toBe("chat");
    const pair = { prompt: "what is a cat", response: "a cat is an animal" };
    const ids = chat.tokenizePair(pair);
    const vocab = (w: string) => enc.tokenize(w)[1]!;
    expect(ids[0]).toBe(vocab("user"));
    expect(ids).toContain(vocab("assistant"));
    // Long prompt: cut from the left, the template head and the whole response stay.
    const long = chat.tokenizePair({ prompt: `${"cats are small. ".repeat(30)}what is a cat`, response: pair.response });
    expect(long).toHaveLength(20);
    expect(long[0]).toBe(vocab("user"));
    // (A chat template brings its own framing: no [CLS]/[SEP] are added, as in Hugging Face.)
    expect(long.slice(-5)).toEqual(chat.tokenize(pair.response).slice(1, -1));
    expect(long[long.length - 6]).toBe(vocab(":"));
    // Assistant turn alone too long: the prompt goes, the template's head and role markers stay.
    const huge = chat.tokenizePair({ prompt: "what is a cat", response: "cats ".repeat(50) });
    expect(huge).toHaveLength(20);
    expect(huge[0]).toBe(vocab("user"));
    expect(huge).toContain(vocab("assistant"));
    expect(huge).not.toContain(vocab("what"));
    const plain = await load({ model: chatDir, template: "plain" });
    expect(plain.template).toBe("plain");
    await expect(load({ model: tiny.dir, template: "chat" })).rejects.toThrow(/has no chat_template/);
  });

  it("offers the dtypes the model has, and names them when asked for one it lacks", async () => {
    const q8 = await load({ model: tiny.dir, dtype: "q8" });
    expect(q8.dtype).toBe("q8");
    const a = await enc.encode(TEXTS);
    const b = await q8.encode(TEXTS);
    expect(Array.from(b)).not.toEqual(Array.from(a));
    for (let i = 0; i < TEXTS.length; i++) expect(cosineRows(new Float32Array([...a, ...b]), enc.dim, i, i + 3)).toBeGreaterThan(0.98);
    expect(q8.config.dtype).toBe("q8");
    await expect(load({ model: tiny.dir, dtype: "fp16" })).rejects.toThrow(/has no fp16 weights.*offers: fp32, q8/);
  });

  it("encodes pre-tokenised ids to the same vectors, and rejects ids it cannot feed", async () => {
    const pairs = TEXTS.map((t) => ({ prompt: "a question", response: t }));
    const viaPairs = await enc.encodePairs(pairs);
    const viaIds = await enc.encodeIds(pairs.map((p) => enc.tokenizePair(p)));
    expect(Array.from(viaIds)).toEqual(Array.from(viaPairs));
    await expect(enc.encodeIds([[2, 3], []])).rejects.toThrow(/row 1: token ids must be a non-empty array/);
    await expect(enc.encodeIds([new Array(129).fill(5)])).rejects.toThrow(/at most maxLength \(128\)/);
  });

  it("reports load and encode progress", async () => {
    const events: TransformerProgress[] = [];
    const e = await load({ model: tiny.dir, batchSize: 2, onProgress: (p) => events.push(p) });
    expect(events.some((p) => p.phase === "load" && p.file === "onnx/model.onnx")).toBe(true);
    const perCall: number[] = [];
    await e.encode([...TEXTS, "one more"], { onProgress: (p) => perCall.push(p.done) });
    expect(perCall).toEqual([2, 4]);
    expect(events.filter((p) => p.phase === "encode").map((p) => (p as { done: number }).done)).toEqual([2, 4]);
    expect(e.stats.forwardCalls).toBe(2);
  });

  it("rejects empty text naming the row", async () => {
    await expect(enc.encode(["fine", "  "])).rejects.toThrow(DataError);
    await expect(enc.encode(["fine", ""])).rejects.toThrow(/row 1: empty text/);
    await expect(enc.encodePairs([{ prompt: "p", response: "\n" }])).rejects.toThrow(/row 0 field "response": empty response/);
    expect((await enc.encode([])).length).toBe(0); // no rows is not an error
  });

  it("with the cache, a re-run does no forward pass", async () => {
    const cacheDir = join(root, "cache");
    const rows = TEXTS.map((t, i) => ({ prompt: `prompt ${i}`, response: t }));
    const e = await load({ model: tiny.dir });
    const first = await embedRows(rows, e, cacheDir);
    const passes = e.stats.forwardCalls;
    expect(passes).toBeGreaterThan(0);
    const c = new CachedEncoder(e, cacheDir);
    const second = await embedRows(rows, c);
    expect(Array.from(second)).toEqual(Array.from(first));
    expect(c.stats).toMatchObject({ hits: 3, misses: 0, modelCalls: 0 });
    expect(e.stats.forwardCalls).toBe(passes);
    c.close();
  });
});

describe("TransformerEncoder errors", () => {
  it("a missing model directory", async () => {
    const missing = join(root, "no-such-model");
    await expect(TransformerEncoder.load({ model: missing })).rejects.toThrow(ConfigError);
    await expect(TransformerEncoder.load({ model: missing })).rejects.toThrow(`model directory not found: ${missing} does not exist`);
  });

  it("a model directory without the needed files", async () => {
    const noTok = join(root, "no-tokenizer");
    writeTinyBertModel(noTok, { omitFiles: ["tokenizer.json"] });
    await expect(TransformerEncoder.load({ model: noTok })).rejects.toThrow(/missing the files .*: tokenizer\.json \(present: config\.json, tokenizer_config\.json, onnx\/model\.onnx/);
    const noOnnx = join(root, "no-onnx");
    writeTinyBertModel(noOnnx, { omitFiles: ["onnx/model.onnx", "onnx/model_quantized.onnx"] });
    await expect(TransformerEncoder.load({ model: noOnnx })).rejects.toThrow(/missing the files .*onnx\/model\.onnx/);
  });

  it("a tokenizer whose vocabulary is larger than the model's embedding (declared in config.json)", async () => {
    const dir = join(root, "mismatch-config");
    writeTinyBertModel(dir, { embeddingRows: 300 }); // tokenizer has 357 tokens
    await expect(TransformerEncoder.load({ model: dir })).rejects.toThrow(
      /tokenizer mismatch in mismatch-config: the tokenizer has token ids up to 356 \(357 tokens\) but config\.json vocab_size is 300/,
    );
  });

  it("a tokenizer mismatch that config.json hides (found by the load-time forward pass)", async () => {
    const dir = join(root, "mismatch-hidden");
    writeTinyBertModel(dir, { embeddingRows: 300, configVocabSize: 30522 });
    await expect(TransformerEncoder.load({ model: dir })).rejects.toThrow(/tokenizer mismatch in mismatch-hidden: the model's embedding table has fewer rows/);
  });

  it("a hub model id with remote models off", async () => {
    await expect(TransformerEncoder.load({ model: "nobody/not-a-cached-model" })).rejects.toThrow(
      /model nobody\/not-a-cached-model is not available locally and allowRemoteModels is false/,
    );
  });

  it("bad options and a device that is not for Node", async () => {
    await expect(TransformerEncoder.load({ model: tiny.dir, pooling: "max" as never })).rejects.toThrow(/pooling must be one of mean, cls, last/);
    await expect(TransformerEncoder.load({ model: tiny.dir, device: "wasm" })).rejects.toThrow(/'wasm' runs in browsers/);
    await expect(TransformerEncoder.load({ model: tiny.dir, maxLength: 1000 })).rejects.toThrow(/exceeds the model's max_position_embeddings \(128\)/);
  });

  it("device 'webgpu': runs where a WebGPU adapter exists, else a clear error naming the device", async () => {
    try {
      const e = await load({ model: tiny.dir, device: "webgpu" });
      expect(e.device).toBe("webgpu");
      expect((await e.encode(["hello"])).length).toBe(tiny.hidden);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect(String(err)).toMatch(/no device could start the model tiny-bert: webgpu: device could not start/);
    }
  });

  it("names the package to install when an optional peer dependency is missing", async () => {
    const pkg = { ...TRANSFORMERS_PACKAGE, name: "@huggingface/not-installed-pkg" };
    await expect(importOptional(pkg.name, pkg)).rejects.toThrow(
      /TransformerEncoder needs the optional package @huggingface\/not-installed-pkg .*npm install @huggingface\/not-installed-pkg/,
    );
    await expect(importOptional(pkg.name, pkg)).rejects.toBeInstanceOf(MissingDependencyError);
  });
});
