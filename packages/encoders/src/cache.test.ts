import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataError } from "@implicitrm/core/errors";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CachedEncoder, EmbeddingCache, cacheFileName, crc32, pairKey, textKey } from "./cache.js";
import { embedRows } from "./embed.js";
import type { EncodeOptions, Encoder, TextPair } from "./encoder.js";
import { HashingEncoder } from "./hashing.js";

const root = mkdtempSync(join(tmpdir(), "irm-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dir: string;
let n = 0;
beforeEach(() => {
  dir = join(root, `c${n++}`);
});

/** Wraps an encoder and counts the rows it is really asked to encode. */
class CountingEncoder implements Encoder {
  calls = 0;
  rows = 0;
  constructor(readonly inner: Encoder) {}
  get id() {
    return this.inner.id;
  }
  get dim() {
    return this.inner.dim;
  }
  get config() {
    return this.inner.config;
  }
  async encode(texts: readonly string[], opts?: EncodeOptions) {
    this.calls++;
    this.rows += texts.length;
    return this.inner.encode(texts, opts);
  }
}

const texts = Array.from({ length: 50 }, (_, i) => `text number ${i} about ${i % 7 === 0 ? "cats" : "dogs"}`);
const cacheFile = (d: string) => join(d, readdirSync(d).find((f) => f.endsWith(".irmemb"))!);

describe("crc32", () => {
  it("matches the standard check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
});

describe("CachedEncoder", () => {
  it("returns the wrapped encoder's vectors bit for bit, and a re-run does no model work", async () => {
    const inner = new CountingEncoder(new HashingEncoder({ dim: 32 }));
    const direct = await inner.inner.encode(texts);
    const first = new CachedEncoder(inner, dir);
    expect(Array.from(await first.encode(texts))).toEqual(Array.from(direct));
    expect(first.stats).toMatchObject({ hits: 0, misses: 50, modelCalls: 1, modelRows: 50 });
    first.close();

    const again = new CachedEncoder(inner, dir); // a new process would do exactly this
    expect(again.stats.loadedRecords).toBe(50);
    expect(Array.from(await again.encode(texts))).toEqual(Array.from(direct));
    expect(again.stats).toMatchObject({ hits: 50, misses: 0, modelCalls: 0, modelRows: 0 });
    expect(inner.calls).toBe(1);
    again.close();
  });

  it("computes only new texts, once each, and serves repeats within a call", async () => {
    const inner = new CountingEncoder(new HashingEncoder({ dim: 16 }));
    const c = new CachedEncoder(inner, dir);
    await c.encode(texts.slice(0, 10));
    const v = await c.encode(["new one", texts[0]!, "new one", texts[3]!]);
    expect(inner.rows).toBe(11);
    expect(c.stats).toMatchObject({ hits: 3, misses: 11, modelCalls: 2 });
    expect(Array.from(v.subarray(0, 16))).toEqual(Array.from(v.subarray(32, 48)));
    c.close();
  });

  it("keys texts and pairs apart, and pairs through the pair template", async () => {
    const inner = new CountingEncoder(new HashingEncoder({ dim: 16 }));
    const c = new CachedEncoder(inner, dir);
    const pair: TextPair = { prompt: "q", response: "a" };
    expect(pairKey(pair)).not.toBe(textKey("q\n\na"));
    const p = await c.encodePairs([pair]);
    const t = await c.encode(["q\n\na"]);
    expect(Array.from(p)).toEqual(Array.from(t)); // same vector (plain template) …
    expect(c.stats.misses).toBe(2); // … cached under two keys
    expect((await c.encodePairs([pair])).length).toBe(16);
    expect(c.stats.hits).toBe(1);
    c.close();
  });

  it("keeps one file per encoder configuration", async () => {
    const a = new CachedEncoder(new HashingEncoder({ dim: 16 }), dir);
    const b = new CachedEncoder(new HashingEncoder({ dim: 16, sublinearTf: true }), dir);
    await a.encode(["x"]);
    await b.encode(["x"]);
    expect(readdirSync(dir).filter((f) => f.endsWith(".irmemb"))).toHaveLength(2);
    expect(cacheFileName({ encoderId: a.id, config: a.config, dim: 16 })).not.toBe(cacheFileName({ encoderId: b.id, config: b.config, dim: 16 }));
    a.close();
    b.close();
  });

  it("detects a torn last write, ignores it on reopen, and appends cleanly after it", async () => {
    const enc = new HashingEncoder({ dim: 8 });
    const c = new CachedEncoder(enc, dir);
    await c.encode(texts.slice(0, 5));
    c.close();
    const file = cacheFile(dir);
    const recordBytes = 32 + 8 * 4;
    const full = statSync(file).size;
    truncateSync(file, full - 10); // the last record lost its last 10 bytes (a crash mid-write)

    const r = new CachedEncoder(enc, dir);
    expect(r.stats.loadedRecords).toBe(4);
    expect(r.stats.tornRecordsDropped).toBe(1);
    expect(statSync(file).size).toBe(full - recordBytes); // torn tail cut off
    const v = await r.encode(texts.slice(0, 5));
    expect(r.stats).toMatchObject({ hits: 4, misses: 1 });
    expect(Array.from(v)).toEqual(Array.from(await enc.encode(texts.slice(0, 5))));
    r.close();
    expect(new CachedEncoder(enc, dir).stats).toMatchObject({ loadedRecords: 5, tornRecordsDropped: 0 });
  });

  it("treats a whole-length record with a bad checksum at the end as torn (zero-filled block after a crash)", async () => {
    const enc = new HashingEncoder({ dim: 8 });
    const c = new CachedEncoder(enc, dir);
    await c.encode(texts.slice(0, 3));
    c.close();
    appendFileSync(cacheFile(dir), Buffer.alloc(32 + 8 * 4 + 7)); // zeros: a full bogus record and a partial one
    const r = new CachedEncoder(enc, dir);
    expect(r.stats).toMatchObject({ loadedRecords: 3, tornRecordsDropped: 2 });
    r.close();
  });

  it("rejects a file damaged in the middle instead of reading it as vectors", async () => {
    const enc = new HashingEncoder({ dim: 8 });
    const c = new CachedEncoder(enc, dir);
    await c.encode(texts.slice(0, 6));
    c.close();
    const file = cacheFile(dir);
    const bytes = readFileSync(file);
    const headerEnd = bytes.length - 6 * (32 + 32);
    bytes[headerEnd + 2 * 64 + 40]! ^= 0xff; // flip bits in record 2's vector
    writeFileSync(file, bytes);
    expect(() => new CachedEncoder(enc, dir)).toThrow(DataError);
    expect(() => new CachedEncoder(enc, dir)).toThrow(/record 2 .*fails its checksum .*not a torn write/);
  });

  it("rejects a damaged header, a foreign file and a truncated header", async () => {
    const enc = new HashingEncoder({ dim: 8 });
    const c = new CachedEncoder(enc, dir);
    await c.encode(["a"]);
    c.close();
    const file = cacheFile(dir);
    const good = readFileSync(file);
    const hdr = Buffer.from(good);
    hdr[20]! ^= 0x01; // inside the JSON header
    writeFileSync(file, hdr);
    expect(() => new CachedEncoder(enc, dir)).toThrow(/header checksum mismatch/);
    writeFileSync(file, Buffer.from("PK\u0003\u0004 definitely not a cache file"));
    expect(() => new CachedEncoder(enc, dir)).toThrow(/wrong magic bytes/);
    writeFileSync(file, good.subarray(0, 12));
    expect(() => new CachedEncoder(enc, dir)).toThrow(/shorter than the header/);
  });

  it("opens read-only without creating or repairing files", async () => {
    const enc = new HashingEncoder({ dim: 8 });
    const ro = EmbeddingCache.open(dir, { encoderId: enc.id, config: enc.config, dim: 8 }, { readonly: true });
    expect(ro.size).toBe(0);
    expect(() => ro.put(["k".repeat(16)], new Float32Array(8))).toThrow(/read-only/);
  });
});

describe("embedRows", () => {
  const rows: TextPair[] = texts.map((t, i) => ({ prompt: `prompt ${i % 5}`, response: t }));

  it("returns rows in order, and a re-run with the cache does no model work", async () => {
    const inner = new CountingEncoder(new HashingEncoder({ dim: 24 }));
    const plain = await embedRows(rows, inner.inner);
    const stats: unknown[] = [];
    const first = await embedRows(rows, inner, dir, { chunkRows: 16, onStats: (s) => stats.push(s) });
    expect(Array.from(first)).toEqual(Array.from(plain));
    expect(inner.calls).toBe(4); // 50 rows in chunks of 16
    const second = await embedRows(rows, inner, dir, { chunkRows: 16, onStats: (s) => stats.push(s) });
    expect(Array.from(second)).toEqual(Array.from(plain));
    expect(inner.calls).toBe(4);
    expect(stats[1]).toMatchObject({ hits: 50, misses: 0, modelCalls: 0, loadedRecords: 50 });
  });

  it("keeps finished chunks when a run is interrupted", async () => {
    const inner = new CountingEncoder(new HashingEncoder({ dim: 24 }));
    const ac = new AbortController();
    await expect(
      embedRows(rows, inner, dir, {
        chunkRows: 10,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.done === 20) ac.abort(new Error("stopped"));
        },
      }),
    ).rejects.toThrow("stopped");
    const stats: { hits: number; misses: number }[] = [];
    await embedRows(rows, inner, dir, { onStats: (s) => stats.push(s) });
    expect(stats[0]).toMatchObject({ hits: 20, misses: 30 });
  });

  it("rejects an empty response before encoding anything", async () => {
    const inner = new CountingEncoder(new HashingEncoder({ dim: 8 }));
    await expect(embedRows([{ prompt: "p", response: "ok" }, { prompt: "p", response: "" }], inner, dir)).rejects.toThrow(
      /row 1 field "response"/,
    );
    expect(inner.calls).toBe(0);
  });
});
