import { existsSync, mkdtempSync, readFileSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FeatureSet } from "@implicitrm/core/types";
import { Rng } from "@implicitrm/core/random";
import { describe, expect, it } from "vitest";
import { isFeatureStore, openFeatureStore, verifyFeatureStore } from "./reader.js";
import { FeatureStoreWriter } from "./writer.js";
import { selectRows, takeRows } from "../split.js";
import { expectConfigError, expectDataError } from "../test-utils/fixtures.js";

const tmp = () => mkdtempSync(join(tmpdir(), "irm-store-"));

/** 30 rows of 5 features with every column, the same rows as a FeatureSet. */
function sample(n = 30, dim = 5): FeatureSet & { ids: string[] } {
  const rng = new Rng(3);
  const features = Float32Array.from({ length: n * dim }, () => rng.normal());
  return {
    n,
    dim,
    features,
    r: Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0)),
    rStar: Uint8Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0)),
    group: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 4)),
    propensity: Float32Array.from({ length: n }, (_, i) => 0.1 + i / (2 * n)),
    activity: { dim: 2, features: Float32Array.from({ length: 2 * n }, (_, i) => i), names: ["length", "position"] },
    ids: Array.from({ length: n }, (_, i) => `row-${i}`),
  };
}

/** Writes `fs` in uneven batches (1, 6, 11, ...) into blocks of 7 rows. */
function writeStore(dir: string, fs = sample()): string {
  const w = FeatureStoreWriter.create(dir, { dim: fs.dim, kind: "features", blockRows: 7, activity: { dim: 2, names: ["length", "position"] }, source: "test" });
  for (let start = 0, size = 1; start < fs.n; start += size, size += 5) {
    const end = Math.min(fs.n, start + size);
    w.append({
      features: fs.features.subarray(start * fs.dim, end * fs.dim),
      r: fs.r.subarray(start, end),
      rStar: fs.rStar!.subarray(start, end),
      group: fs.group!.subarray(start, end),
      propensity: fs.propensity!.subarray(start, end),
      activity: fs.activity!.features.subarray(start * 2, end * 2),
      ids: fs.ids!.slice(start, end),
    });
  }
  w.finish({ info: { note: "x" } });
  return dir;
}

describe("feature store: write, open, read rows", () => {
  it("round-trips features and every column, reading rows in any order across blocks", () => {
    const fs = sample();
    const dir = writeStore(join(tmp(), "store"));
    expect(isFeatureStore(dir)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(
      ["activity.f32", "features-000000.f32", "features-000001.f32", "features-000002.f32", "features-000003.f32", "features-000004.f32", "group.i32", "header.json", "ids.txt", "propensity.f32", "r.u8", "rStar.u8"].sort(),
    );
    const store = openFeatureStore(dir, { ids: true });
    expect(store.header.blocks.map((b) => b.rows)).toEqual([7, 7, 7, 7, 2]);
    expect([store.n, store.dim]).toEqual([30, 5]);
    expect(store.r).toEqual(fs.r);
    expect(store.rStar).toEqual(fs.rStar);
    expect(store.group).toEqual(fs.group);
    expect(store.propensity).toEqual(fs.propensity);
    expect(store.activity).toEqual(fs.activity);
    expect(store.ids).toEqual(fs.ids);
    const rows = [29, 5, 6, 7, 8, 0, 0, 13, 14, 20, 21, 22];
    const out = new Float32Array(rows.length * 5);
    store.readRows(rows, out);
    const expected = takeRows(fs, rows);
    expect(out).toEqual(expected.features);
    expect(store.readBlock(4)).toEqual(fs.features.subarray(28 * 5));
    verifyFeatureStore(dir);
    store.close();
  });

  it("a subset view reads the same rows and labels as takeRows copies", () => {
    const fs = sample();
    const store = openFeatureStore(writeStore(join(tmp(), "store")), { ids: true });
    const idx = Int32Array.from([3, 4, 9, 10, 11, 27, 28]);
    const view = selectRows(store, idx);
    const copy = takeRows(fs, idx);
    expect(view.features).toBeUndefined();
    const out = new Float32Array(4 * 5);
    view.readRows!([6, 0, 1, 3], out);
    expect(out).toEqual(takeRows(copy, [6, 0, 1, 3]).features);
    const { features: _f, readRows: _r, ...labels } = view;
    const { features: _g, ...copied } = copy;
    expect(labels).toEqual(copied);
    // in memory, selectRows is takeRows
    expect(selectRows(fs, idx)).toEqual(copy);
    store.close();
  });

  it("leaves nothing under the final name until finish, and nothing at all after abort", () => {
    const root = tmp();
    const w = FeatureStoreWriter.create(join(root, "s"), { dim: 2, kind: "features", blockRows: 2 });
    w.append({ features: new Float32Array(10), r: new Uint8Array(5) });
    expect(existsSync(join(root, "s"))).toBe(false);
    w.abort();
    expect(readdirSync(root)).toEqual([]);
  });
});

describe("feature store: bad stores and bad rows are clear errors", () => {
  it("refuses rows it cannot store", () => {
    const root = tmp();
    const w = FeatureStoreWriter.create(join(root, "s"), { dim: 2, kind: "features" });
    expect(() => w.append({ features: Float32Array.from([1, Number.NaN]), r: [1] })).toThrow(/feature 1 of row 0 is NaN/);
    expect(() => w.append({ features: Float32Array.from([1, 2, 3]), r: [1] })).toThrow(/not a whole number of 2-dimensional rows/);
    expect(() => w.append({ features: Float32Array.from([1, 2]), r: [2] })).toThrow(/r must be 0 or 1, got 2/);
    w.abort();
    expect(() => FeatureStoreWriter.create(root, { dim: 2, kind: "features" })).toThrow(/already exists/);
  });

  it("names the file for a missing, foreign, newer, tampered or truncated store", async () => {
    const root = tmp();
    await expectDataError(() => openFeatureStore(root), { file: join(root, "header.json") }, /cannot read the feature store header/);
    const dir = writeStore(join(root, "s"));
    const headerFile = join(dir, "header.json");
    const header = JSON.parse(readFileSync(headerFile, "utf8"));
    // biome-ignore lint/suspicious/noExplicitAny: the test edits the JSON freely
    const edit = (f: (h: Record<string, any>) => void) => {
      const h = structuredClone(header);
      f(h);
      writeFileSync(headerFile, JSON.stringify(h));
    };
    edit((h) => (h.version = 2));
    await expectDataError(() => openFeatureStore(dir), { file: headerFile, field: "version" }, /version 2 is not supported/);
    edit((h) => (h.format = "something-else"));
    await expectDataError(() => openFeatureStore(dir), { field: "format" });
    edit((h) => (h.blocks[1].file = "../../etc/passwd"));
    await expectDataError(() => openFeatureStore(dir), { field: "blocks[1].file" }, /not a plain file name inside the store/);
    edit((h) => (h.columns.r.dtype = "float64"));
    await expectDataError(() => openFeatureStore(dir), { field: "columns.r.dtype" });
    edit((h) => (h.n = 31));
    await expectDataError(() => openFeatureStore(dir), { field: "blocks[4].rows" });
    writeFileSync(headerFile, "{not json");
    await expectDataError(() => openFeatureStore(dir), { file: headerFile }, /not valid JSON/);
    edit(() => {});
    // a flipped label byte: checksum
    const rFile = join(dir, "r.u8");
    const r = readFileSync(rFile);
    r[3]! ^= 1;
    writeFileSync(rFile, r);
    await expectDataError(() => openFeatureStore(dir), { file: rFile }, /checksum mismatch/);
    r[3]! ^= 1;
    writeFileSync(rFile, r);
    // a feature value overwritten with NaN: found by verify, and by the read that meets it
    const block = join(dir, "features-000001.f32");
    const bytes = readFileSync(block);
    bytes.writeFloatLE(Number.NaN, 4 * (5 * 2 + 3));
    writeFileSync(block, bytes);
    await expectDataError(() => verifyFeatureStore(dir), { file: block }, /checksum mismatch/);
    const store = openFeatureStore(dir);
    await expectDataError(() => store.readRows([9], new Float32Array(5)), { file: block, row: 9, field: "features[3]" }, /NaN/);
    store.close();
    truncateSync(block, 100);
    await expectDataError(() => openFeatureStore(dir), { file: block }, /holds 100 bytes, expected 7 rows/);
  });

  it("checks every batch carries the same columns", async () => {
    const w = FeatureStoreWriter.create(join(tmp(), "s"), { dim: 1, kind: "features" });
    w.append({ features: Float32Array.from([1]), r: [1] });
    await expectConfigError(() => w.append({ features: Float32Array.from([1]), r: [1], rStar: [1] }), /same columns/);
    w.abort();
  });
});
