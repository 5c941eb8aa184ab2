import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateRawSync, gzipSync } from "node:zlib";
import { ConfigError, DataError } from "@implicitrm/core/errors";
import { afterAll, describe, expect, it } from "vitest";
import { cosineRows } from "./encoder.js";
import { StaticEncoder } from "./static.js";

const TABLE = ["the 1 0 0", "cat 0 1 0", "dog 0 0.8 0.2", "sat 0 0 1", "do 0.5 0.5 0", "n't -1 0 0", ". 0.1 0.1 0.1"].join("\n");
const tmp = mkdtempSync(join(tmpdir(), "irm-static-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A one-member ZIP archive (deflate), written by hand so the reader is tested on real bytes. */
function zipOf(name: string, data: Buffer): Buffer {
  const comp = deflateRawSync(data);
  const nameB = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(comp.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameB.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(comp.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameB.length, 28);
  central.writeUInt32LE(0, 42);
  const cdOffset = 30 + nameB.length + comp.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(46 + nameB.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, nameB, comp, central, nameB, eocd]);
}

describe("StaticEncoder", () => {
  it("averages known word vectors and L2-normalises", async () => {
    const e = StaticEncoder.fromText(TABLE);
    expect(e.dim).toBe(3);
    expect(e.vocabSize).toBe(7);
    const v = await e.encode(["The cat", "cat"]);
    const s = Math.SQRT1_2;
    expect(Array.from(v.subarray(0, 3))).toEqual([expect.closeTo(s, 6), expect.closeTo(s, 6), 0]);
    expect(Array.from(v.subarray(3))).toEqual([0, 1, 0]);
    const raw = await StaticEncoder.fromText(TABLE, { normalize: false }).encode(["the cat zebra"]);
    expect(Array.from(raw)).toEqual([0.5, 0.5, 0]);
  });

  it("splits clitics GloVe-style and counts out-of-vocabulary tokens", async () => {
    const e = StaticEncoder.fromText(TABLE);
    expect(e.tokenize("Don't.")).toEqual(["do", "n't", "."]);
    const v = await e.encode(["zebra unicorn", "cat"]);
    expect(Array.from(v.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(e.stats).toMatchObject({ rows: 2, oovRows: 1, tokens: 3, oovTokens: 2 });
  });

  it("rejects empty text (or gives zeros on request) and malformed tables with file and line", async () => {
    const e = StaticEncoder.fromText(TABLE);
    await expect(e.encode(["cat", "  "])).rejects.toThrow(/row 1.*empty text/);
    const z = await StaticEncoder.fromText(TABLE, { onEmpty: "zero" }).encode([""]);
    expect(Array.from(z)).toEqual([0, 0, 0]);
    expect(() => StaticEncoder.fromText("a 1 2\nb 1", {}, "v.txt")).toThrow(DataError);
    expect(() => StaticEncoder.fromText("a 1 2\nb 1", {}, "v.txt")).toThrow(/v\.txt:2: expected a word and 2 numbers/);
    expect(() => StaticEncoder.fromText("a 1 x", {}, "v.txt")).toThrow(/v\.txt:1: value 2 of word "a"/);
    expect(() => StaticEncoder.fromText("\n\n")).toThrow(/no word vectors/);
  });

  it("skips a word2vec header line and keeps the first of duplicate words", async () => {
    const e = StaticEncoder.fromText("2 2\nx 1 0\nx 0 1\ny 0 1\n");
    expect(e.vocabSize).toBe(2);
    expect([...e.words()]).toEqual(["x", "y"]);
    expect(Array.from(e.lookup("x")!)).toEqual([1, 0]);
  });

  it("reads .txt, .gz and .zip files to the same encoder", async () => {
    writeFileSync(join(tmp, "v.txt"), TABLE);
    writeFileSync(join(tmp, "v.txt.gz"), gzipSync(TABLE));
    writeFileSync(join(tmp, "v.zip"), zipOf("v.txt", Buffer.from(TABLE)));
    const encs = await Promise.all(["v.txt", "v.txt.gz", "v.zip"].map((f) => StaticEncoder.fromFile(join(tmp, f))));
    const vs = await Promise.all(encs.map((e) => e.encode(["the dog sat"])));
    expect(Array.from(vs[1]!)).toEqual(Array.from(vs[0]!));
    expect(Array.from(vs[2]!)).toEqual(Array.from(vs[0]!));
    expect(encs.map((e) => e.id)).toEqual(["static:v", "static:v", "static:v"]);
    expect(encs[0]!.config).toEqual(encs[2]!.config);
    await expect(StaticEncoder.fromFile(join(tmp, "missing.txt"))).rejects.toThrow(ConfigError);
    writeFileSync(join(tmp, "bad.zip"), "not a zip");
    await expect(StaticEncoder.fromFile(join(tmp, "bad.zip"))).rejects.toThrow(/not a ZIP archive/);
  });
});

// The shared GloVe table lives beside the repository: <repo>/../shared/data/embeddings/...
const gloveDir = fileURLToPath(new URL("../../../../shared/data/embeddings/glove_6B_50d_top10k/", import.meta.url));
const gloveZip = existsSync(gloveDir) ? readdirSync(gloveDir).find((f) => f.endsWith(".zip") || f.endsWith(".txt")) : undefined;
if (!gloveZip) console.log(`[encoders] skipping GloVe tests: no GloVe file in ${gloveDir} (shared data absent)`);

describe.skipIf(!gloveZip)("StaticEncoder on GloVe 6B 50-d (top 10k words)", () => {
  it("loads the table and ranks similar sentences above unrelated ones", async () => {
    const e = await StaticEncoder.fromFile(join(gloveDir, gloveZip!));
    expect(e.dim).toBe(50);
    expect(e.vocabSize).toBe(10000);
    expect(e.lookup("the")![0]).toBeCloseTo(0.418, 5);
    const v = await e.encode([
      "The president spoke to the government about the new law.",
      "The minister told parliament about the new policy.",
      "She baked a chocolate cake with sugar and butter.",
    ]);
    const similar = cosineRows(v, 50, 0, 1);
    const unrelated = cosineRows(v, 50, 0, 2);
    expect(similar).toBeGreaterThan(unrelated + 0.1);
    expect(e.stats.oovRows).toBe(0);
  });
});
