import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { loadRatedDataset } from "./io.js";
import { fetchHuggingFaceDataset } from "./hf.js";
import { expectConfigError, expectDataError, fixtureText } from "../test-utils/fixtures.js";

// Every test here serves the Hub from an injected fetch: no network is used.
const tmp = () => mkdtempSync(join(tmpdir(), "irm-hf-"));
const SERVER = "https://datasets-server.huggingface.co";
const HUB = "https://huggingface.co";
const conv = (name: string, config: string, split: string, file: string) =>
  `${HUB}/datasets/${name}/resolve/refs%2Fconvert%2Fparquet/${config}/${split}/${file}`;

function helpsteerParquet(from: number, to: number): Uint8Array {
  const rows = fixtureText("helpsteer.jsonl").trim().split("\n").map((l) => JSON.parse(l)).slice(from, to);
  const cols = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"];
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: "prompt", data: rows.map((r) => r.prompt), type: "STRING" },
        { name: "response", data: rows.map((r) => r.response), type: "STRING" },
        ...cols.map((c) => ({ name: c, data: rows.map((r) => BigInt(r[c])), type: "INT64" as const })),
      ],
    }),
  );
}

/** A fake Hub: a map from URL to a JSON body, bytes, or an HTTP status; records the requests. */
function fakeHub(routes: Record<string, unknown>) {
  const calls: { url: string; auth: string | undefined }[] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, auth: (init?.headers as Record<string, string> | undefined)?.["authorization"] });
    const r = routes[url];
    if (r === undefined) return new Response(JSON.stringify({ error: "Not found" }), { status: 404 });
    if (typeof r === "number") return new Response(JSON.stringify({ error: "nope" }), { status: r });
    if (r instanceof Uint8Array) return new Response(new Blob([r.slice()]));
    return new Response(JSON.stringify(r), { headers: { "content-type": "application/json" } });
  };
  return { fetch: fetchImpl as typeof fetch, calls };
}

const name = "nvidia/HelpSteer";
const shard0 = helpsteerParquet(0, 3);
const shard1 = helpsteerParquet(3, 5);
const listing = {
  parquet_files: [
    { dataset: name, config: "default", split: "train", url: conv(name, "default", "train", "0000.parquet"), filename: "0000.parquet", size: shard0.length },
    { dataset: name, config: "default", split: "train", url: conv(name, "default", "train", "0001.parquet"), filename: "0001.parquet", size: shard1.length },
    { dataset: name, config: "default", split: "validation", url: conv(name, "default", "validation", "0000.parquet"), filename: "0000.parquet", size: 10 },
  ],
  pending: [],
  failed: [],
  partial: false,
};
const routes = {
  [`${SERVER}/parquet?dataset=nvidia%2FHelpSteer`]: listing,
  [conv(name, "default", "train", "0000.parquet")]: shard0,
  [conv(name, "default", "train", "0001.parquet")]: shard1,
};

describe("fetchHuggingFaceDataset", () => {
  it("lists the Parquet conversion, downloads the split's shards once, then serves them from the cache", async () => {
    const cacheDir = tmp();
    const hub = fakeHub(routes);
    const got = await fetchHuggingFaceDataset(name, { fetch: hub.fetch, cacheDir, token: "hf_x" });
    expect(got).toMatchObject({ name, config: "default", split: "train", fromCache: false, partial: false });
    expect(got.files.length).toBe(2);
    expect(got.files.every((f) => existsSync(f) && f.startsWith(cacheDir))).toBe(true);
    expect(hub.calls.map((c) => c.url)).toEqual([`${SERVER}/parquet?dataset=nvidia%2FHelpSteer`, conv(name, "default", "train", "0000.parquet"), conv(name, "default", "train", "0001.parquet")]);
    expect(hub.calls.every((c) => c.auth === "Bearer hf_x")).toBe(true);
    // offline now: the cached copy is used
    const offline = (() => Promise.reject(new TypeError("fetch failed"))) as typeof fetch;
    const again = await fetchHuggingFaceDataset(name, { fetch: offline, cacheDir });
    expect(again.fromCache).toBe(true);
    expect(again.files).toEqual(got.files);
    // refresh goes to the network again
    await expectDataError(fetchHuggingFaceDataset(name, { fetch: offline, cacheDir, refresh: true }), {}, /network is unreachable/);
  });

  it("says the network is unreachable and how to use a local file instead", async () => {
    const offline = (() => Promise.reject(new TypeError("fetch failed", { cause: { code: "EAI_AGAIN" } }))) as typeof fetch;
    const e = await expectDataError(fetchHuggingFaceDataset(name, { fetch: offline, cacheDir: tmp() }), { file: name });
    expect(e.message).toMatch(/network is unreachable \(EAI_AGAIN/);
    expect(e.message).toMatch(/pass the local path instead.*loadRatedDataset\('train\.parquet', \{adapter: 'helpsteer'\}\)/);
    await expectDataError(fetchHuggingFaceDataset(name, { offline: true, cacheDir: tmp() }), { file: name }, /offline mode.*local path/);
  });

  it("explains HTTP errors and unknown splits or configs", async () => {
    await expectDataError(fetchHuggingFaceDataset("someone/missing", { fetch: fakeHub({}).fetch, cacheDir: tmp() }), {}, /not found.*HTTP 404: Not found/);
    const gated = fakeHub({ [`${SERVER}/parquet?dataset=org%2Fgated`]: 401 });
    await expectDataError(fetchHuggingFaceDataset("org/gated", { fetch: gated.fetch, cacheDir: tmp() }), {}, /HF_TOKEN/);
    const busy = fakeHub({ [`${SERVER}/parquet?dataset=org%2Fbusy`]: 500 });
    await expectDataError(fetchHuggingFaceDataset("org/busy", { fetch: busy.fetch, cacheDir: tmp() }), {}, /HTTP 500/);
    await expectConfigError(fetchHuggingFaceDataset(name, { fetch: fakeHub(routes).fetch, cacheDir: tmp(), split: "test" }), /no split "test"; its splits: train, validation/);
    await expectConfigError(fetchHuggingFaceDataset(name, { fetch: fakeHub(routes).fetch, cacheDir: tmp(), config: "x" }), /no config "x"; its configs: default/);
    const two = {
      parquet_files: [
        { config: "a", split: "train", url: "u1", filename: "0000.parquet" },
        { config: "b", split: "train", url: "u2", filename: "0000.parquet" },
      ],
    };
    await expectConfigError(fetchHuggingFaceDataset("org/two", { fetch: fakeHub({ [`${SERVER}/parquet?dataset=org%2Ftwo`]: two }).fetch, cacheDir: tmp() }), /several configs \(a, b\)/);
    await expectConfigError(fetchHuggingFaceDataset("not a name", { cacheDir: tmp() }), /not a Hugging Face dataset name/);
  });

  it("rejects a truncated download", async () => {
    const short = fakeHub({ ...routes, [conv(name, "default", "train", "0001.parquet")]: shard1.slice(0, 10) });
    await expectDataError(fetchHuggingFaceDataset(name, { fetch: short.fetch, cacheDir: tmp() }), {}, /incomplete/);
  });

  it("pins a revision of the conversion through the Hub tree API", async () => {
    const rev = "0123abcd";
    const hub = fakeHub({
      [`${HUB}/api/datasets/${name}/tree/${rev}/default/train`]: [
        { type: "file", path: "default/train/0000.parquet", size: shard0.length },
        { type: "directory", path: "default/train/x" },
      ],
      [`${HUB}/datasets/${name}/resolve/${rev}/default/train/0000.parquet`]: shard0,
    });
    const got = await fetchHuggingFaceDataset(name, { fetch: hub.fetch, cacheDir: tmp(), revision: rev });
    expect(got.files.length).toBe(1);
    expect(got.revision).toBe(rev);
  });
});

describe("loadRatedDataset by Hugging Face name", () => {
  it("downloads, picks the adapter known for the name, and reads all shards", async () => {
    const cacheDir = tmp();
    const ds = await loadRatedDataset("hf:nvidia/HelpSteer", { hf: { fetch: fakeHub(routes).fetch, cacheDir } });
    expect(ds.adapter).toBe("helpsteer");
    expect(ds.source).toBe("hf:nvidia/HelpSteer (default/train)");
    expect(ds.rows.map((r) => r.rating)).toEqual([4, 1, 3, 2, 4]);
    expect(new Set(ds.rows.map((r) => r.id)).size).toBe(5);
    // bare owner/name works too, here from the cache
    const cached = await loadRatedDataset("nvidia/HelpSteer", { ratingField: "correctness", hf: { cacheDir, offline: true } });
    expect(cached.rows.map((r) => r.rating)).toEqual([4, 0, 3, 2, 4]);
  });
});
