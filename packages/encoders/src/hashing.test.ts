import { readFileSync } from "node:fs";
import { DataError } from "@implicitrm/core/errors";
import { describe, expect, it } from "vitest";
import { cosineRows, encodePairs } from "./encoder.js";
import { HashingEncoder, SALT_CHAR, SALT_WORD, featureHash } from "./hashing.js";

const norm = (v: Float32Array, dim: number, row: number) => {
  let s = 0;
  for (let j = 0; j < dim; j++) s += v[row * dim + j]! ** 2;
  return Math.sqrt(s);
};

describe("HashingEncoder", () => {
  it("has the default dimension 1024 and a configurable one", async () => {
    expect(new HashingEncoder().dim).toBe(1024);
    const e = new HashingEncoder({ dim: 64 });
    const v = await e.encode(["a short text", "another one"]);
    expect(e.dim).toBe(64);
    expect(e.id).toBe("hashing-64");
    expect(v).toBeInstanceOf(Float32Array);
    expect(v.length).toBe(2 * 64);
  });

  it("is deterministic across calls and instances", async () => {
    const texts = ["The cat sat on the mat.", "Reward models learn from implicit feedback!"];
    const a = await new HashingEncoder().encode(texts);
    const b = await new HashingEncoder().encode(texts);
    const c = await new HashingEncoder().encode([...texts].reverse());
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(c.subarray(1024))).toEqual(Array.from(a.subarray(0, 1024)));
  });

  it("pins the hash function (stable across versions and machines)", () => {
    // Golden values: changing them changes every vector and invalidates every embedding cache.
    expect(featureHash("")).toBe(featureHash("", 0));
    expect(featureHash("reward")).toBe(featureHash("reward"));
    expect([featureHash("reward"), featureHash("reward", 1), featureHash("model")]).toMatchInlineSnapshot(`
      [
        3317363097,
        3817113243,
        1092774238,
      ]
    `);
  });

  it("puts a feature where the documented hash says (values checked against a Python FNV-1a + fmix32)", async () => {
    const dim = 97;
    const v = await new HashingEncoder({ dim, charNgrams: null, wordNgrams: [1, 1] }).encode(["reward"]);
    const h = featureHash("reward", SALT_WORD);
    const bucket = (h & 0x7fffffff) % dim;
    expect(v[bucket]).toBeCloseTo(h >>> 31 ? -1 : 1, 6);
    expect(Array.from(v).filter((x) => x !== 0)).toHaveLength(1);
    const c = await new HashingEncoder({ dim, wordNgrams: null, charNgrams: [8, 8] }).encode(["reward"]);
    const hc = featureHash(" reward ", SALT_CHAR);
    expect(c[(hc & 0x7fffffff) % dim]).toBeCloseTo(hc >>> 31 ? -1 : 1, 6);
  });

  it("returns unit-length rows", async () => {
    const e = new HashingEncoder({ dim: 256 });
    const texts = ["x", "hello world", "A much longer text, with punctuation; numbers 1 2 3 and Ünïcödé.".repeat(20)];
    const v = await e.encode(texts);
    for (let i = 0; i < texts.length; i++) expect(norm(v, 256, i)).toBeCloseTo(1, 5);
  });

  it("gives similar texts a higher cosine than unrelated ones", async () => {
    const e = new HashingEncoder();
    const v = await e.encode([
      "The cat sat on the mat and looked out of the window.",
      "A cat was sitting on the mat, looking out the window.",
      "Quarterly revenue grew by twelve percent in the European market.",
    ]);
    const similar = cosineRows(v, e.dim, 0, 1);
    const unrelated = cosineRows(v, e.dim, 0, 2);
    expect(similar).toBeGreaterThan(0.4);
    expect(similar).toBeGreaterThan(unrelated + 0.3);
  });

  it("is case-insensitive by default and case-sensitive on request", async () => {
    const lower = await new HashingEncoder().encode(["Hello World", "hello world"]);
    expect(cosineRows(lower, 1024, 0, 1)).toBeCloseTo(1, 6);
    const cased = await new HashingEncoder({ lowercase: false }).encode(["Hello World", "hello world"]);
    expect(cosineRows(cased, 1024, 0, 1)).toBeLessThan(0.9);
  });

  it("word-only and char-only groups, seeds and sublinear tf change the vectors", async () => {
    const t = ["to be or not to be, that is the question; to be to be to be"];
    const base = await new HashingEncoder().encode(t);
    for (const opts of [{ charNgrams: null }, { wordNgrams: null }, { seed: 7 }, { sublinearTf: true }, { charNgrams: [2, 3] as [number, number] }]) {
      const v = await new HashingEncoder(opts).encode(t);
      expect(cosineRows(new Float32Array([...base, ...v]), 1024, 0, 1)).toBeLessThan(0.999);
      expect(norm(v, 1024, 0)).toBeCloseTo(1, 5);
    }
  });

  it("rejects an empty text naming the row, or gives a zero row with onEmpty: 'zero'", async () => {
    const e = new HashingEncoder();
    await expect(e.encode(["fine", "   \n\t"])).rejects.toThrow(DataError);
    await expect(e.encode(["fine", ""])).rejects.toThrow(/row 1.*empty text/);
    const z = await new HashingEncoder({ onEmpty: "zero" }).encode(["", "fine"]);
    expect(norm(z, 1024, 0)).toBe(0);
    expect(norm(z, 1024, 1)).toBeCloseTo(1, 5);
  });

  it("validates its options", () => {
    expect(() => new HashingEncoder({ dim: 0 })).toThrow(/dim must be an integer/);
    expect(() => new HashingEncoder({ dim: 10.5 })).toThrow(/dim/);
    expect(() => new HashingEncoder({ charNgrams: [5, 3] })).toThrow(/charNgrams/);
    expect(() => new HashingEncoder({ wordNgrams: null, charNgrams: null })).toThrow(/enable at least one/);
    expect(() => new HashingEncoder({ weights: { words: -1 } })).toThrow(/weights.words/);
  });

  it("encodes pairs with the plain template and rejects empty responses", async () => {
    const e = new HashingEncoder();
    const viaPairs = await encodePairs(e, [{ prompt: "What is 2+2?", response: "It is 4." }]);
    const viaText = await e.encode(["What is 2+2?\n\nIt is 4."]);
    expect(Array.from(viaPairs)).toEqual(Array.from(viaText));
    await expect(encodePairs(e, [{ prompt: "q", response: " " }])).rejects.toThrow(/row 0 field "response".*empty response/);
  });

  it("keeps a config that identifies every option (the cache key)", () => {
    const a = new HashingEncoder().config;
    const b = new HashingEncoder({ sublinearTf: true }).config;
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
    expect(a).toMatchObject({ dim: 1024, wordNgrams: [1, 2], charNgrams: [3, 5] });
  });

  it("is browser-safe: the hashing entry point imports no Node module", () => {
    for (const f of ["hashing.ts", "encoder.ts"]) {
      const src = readFileSync(new URL(f, import.meta.url), "utf8");
      expect(src).not.toMatch(/from\s+["']node:|import\(["']node:/);
    }
  });
});
