/**
 * Loading a dataset by its Hugging Face name: list the Parquet conversion of a config/split with the
 * dataset viewer's `/parquet` endpoint (or, for a pinned `revision`, the Hub's tree API), download the
 * files once into a disk cache, and return their paths. Node only (fs, os); the network is used only
 * here, and every test injects `fetch`.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { ConfigError, DataError } from "@implicitrm/core/errors";
import { writeFileAtomic } from "@implicitrm/core/node";
import { HF_DATASET_ADAPTERS } from "../rated.js";

/** Options of {@link fetchHuggingFaceDataset}. */
export interface HfFetchOptions {
  /** Split to load. Default `train`, or the known default of the dataset (HF_DATASET_ADAPTERS, e.g. `train_prefs`). */
  split?: string;
  /** Config (subset). Default: the only config, else `default` (ConfigError listing them otherwise). */
  config?: string;
  /**
   * A revision of the dataset's Parquet conversion (a commit of its `refs/convert/parquet` branch), for
   * reproducible downloads; listed with the Hub tree API. Default: the current conversion.
   */
  revision?: string;
  /**
   * Cache folder. Default `$IMPLICITRM_CACHE_DIR/hf-datasets`, else `~/.cache/implicitrm/hf-datasets`.
   * Files are kept per dataset/revision/config/split; a complete cached copy is used without the network.
   */
  cacheDir?: string;
  /** Re-list and re-download even when a cached copy exists. Default false. */
  refresh?: boolean;
  /** Never use the network: cached copy or DataError. Default: true when HF_HUB_OFFLINE=1. */
  offline?: boolean;
  /** Access token for gated/private datasets. Default `$HF_TOKEN`. */
  token?: string;
  /** The fetch to use (tests inject one). Default globalThis.fetch. */
  fetch?: typeof fetch;
  /** Dataset viewer API. Default `https://datasets-server.huggingface.co`. */
  endpoint?: string;
  /** Hub URL (for `revision`). Default `https://huggingface.co`. */
  hubUrl?: string;
}

/** The local copy of one config/split. */
export interface HfDatasetFiles {
  name: string;
  config: string;
  split: string;
  revision: string | undefined;
  /** Local Parquet paths, in the order of the listing (shard order). */
  files: string[];
  /** True when served from the cache without network access. */
  fromCache: boolean;
  /** The viewer converted only part of the dataset (large datasets: the first ~5 GB). */
  partial: boolean;
}

interface Manifest {
  name: string;
  config: string;
  split: string;
  revision: string | null;
  partial: boolean;
  files: { filename: string; url: string; size?: number }[];
}

const NAME_RE = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;

/** The default cache folder (see {@link HfFetchOptions.cacheDir}). */
export function defaultHfCacheDir(): string {
  const base = process.env["IMPLICITRM_CACHE_DIR"];
  return base ? join(base, "hf-datasets") : join(homedir(), ".cache", "implicitrm", "hf-datasets");
}

/**
 * Downloads (or finds in the cache) the Parquet files of a Hugging Face dataset's config/split and
 * returns their local paths. Network failures are a DataError that says the network is unreachable
 * and how to load a local file instead; HTTP 401/403 (gated: set HF_TOKEN), 404 (no such dataset or no
 * Parquet conversion) and other statuses are DataErrors too; an unknown config or split is a
 * ConfigError listing the available ones.
 */
export async function fetchHuggingFaceDataset(name: string, opts: HfFetchOptions = {}): Promise<HfDatasetFiles> {
  if (!NAME_RE.test(name)) throw new ConfigError(`not a Hugging Face dataset name: ${JSON.stringify(name)} (expected owner/name)`);
  const cacheDir = opts.cacheDir ?? defaultHfCacheDir();
  const revDir = opts.revision === undefined ? "_current" : `rev-${safe(opts.revision)}`;
  const base = join(cacheDir, ...name.split("/").map(safe), revDir);
  const offline = opts.offline ?? process.env["HF_HUB_OFFLINE"] === "1";
  const split = opts.split ?? HF_DATASET_ADAPTERS[name.toLowerCase()]?.split ?? "train";

  if (!opts.refresh) {
    const cached = await fromCache(base, name, split, opts);
    if (cached) return cached;
  }
  if (offline) {
    throw new DataError(
      `"${name}" is not in the cache (${base}) and offline mode is on; ${LOCAL_HINT}`,
      { file: name },
    );
  }
  const doFetch = opts.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = {};
  const token = opts.token ?? process.env["HF_TOKEN"];
  if (token) headers["authorization"] = `Bearer ${token}`;

  let manifest: Manifest;
  if (opts.revision === undefined) {
    const endpoint = (opts.endpoint ?? "https://datasets-server.huggingface.co").replace(/\/$/, "");
    const url = `${endpoint}/parquet?dataset=${encodeURIComponent(name)}`;
    const body = (await getJson(doFetch, url, headers, name)) as {
      parquet_files?: { config?: string; split?: string; url?: string; filename?: string; size?: number }[];
      partial?: boolean;
    };
    const entries = (body.parquet_files ?? []).filter(
      (f) => typeof f.config === "string" && typeof f.split === "string" && typeof f.url === "string",
    );
    if (entries.length === 0) throw new DataError(`the dataset viewer lists no Parquet files for "${name}"`, { file: url });
    const configs = [...new Set(entries.map((f) => f.config!))];
    const config = pickConfig(name, configs, opts.config);
    const splits = [...new Set(entries.filter((f) => f.config === config).map((f) => f.split!))];
    if (!splits.includes(split)) {
      throw new ConfigError(`"${name}" (config ${config}) has no split "${split}"; its splits: ${splits.join(", ")}`);
    }
    const files = entries
      .filter((f) => f.config === config && f.split === split)
      .map((f) => {
        const e: Manifest["files"][number] = { filename: f.filename ?? f.url!.split("/").pop()!, url: f.url! };
        if (typeof f.size === "number") e.size = f.size;
        return e;
      });
    manifest = { name, config, split, revision: null, partial: body.partial === true, files };
  } else {
    const hub = (opts.hubUrl ?? "https://huggingface.co").replace(/\/$/, "");
    const config = opts.config ?? "default";
    const rev = encodeURIComponent(opts.revision);
    const url = `${hub}/api/datasets/${name}/tree/${rev}/${encodeURIComponent(config)}/${encodeURIComponent(split)}`;
    const body = await getJson(doFetch, url, headers, name);
    const list = Array.isArray(body) ? (body as { type?: string; path?: string; size?: number }[]) : [];
    const files = list
      .filter((f) => f.type === "file" && typeof f.path === "string" && f.path.endsWith(".parquet"))
      .map((f) => {
        const e: Manifest["files"][number] = { filename: f.path!.split("/").pop()!, url: `${hub}/datasets/${name}/resolve/${rev}/${f.path}` };
        if (typeof f.size === "number") e.size = f.size;
        return e;
      });
    if (files.length === 0) {
      throw new DataError(`no Parquet files under ${config}/${split} at revision ${opts.revision} of "${name}"`, { file: url });
    }
    manifest = { name, config, split, revision: opts.revision, partial: false, files };
  }
  const dir = join(base, safe(manifest.config), safe(manifest.split));
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const f of manifest.files) {
    const path = join(dir, safe(f.filename));
    const res = await request(doFetch, f.url, headers, name);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (f.size !== undefined && bytes.length !== f.size) {
      throw new DataError(`download of ${f.url} is incomplete (${bytes.length} of ${f.size} bytes); try again`, { file: name });
    }
    await writeFileAtomic(path, bytes, `downloading ${f.url}`);
    paths.push(path);
  }
  await writeFile(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return filesOf(name, manifest, opts.revision, paths, false);
}

function filesOf(name: string, manifest: Manifest, revision: string | undefined, files: string[], fromCache: boolean): HfDatasetFiles {
  return { name, config: manifest.config, split: manifest.split, revision, files, fromCache, partial: manifest.partial };
}

const LOCAL_HINT =
  "to work offline, download the dataset's Parquet or JSONL files on a machine with internet access and pass the local path instead, e.g. loadRatedDataset('train.parquet', {adapter: 'helpsteer'}) or --data train.parquet --adapter helpsteer";

function pickConfig(name: string, configs: string[], wanted: string | undefined): string {
  if (wanted !== undefined) {
    if (!configs.includes(wanted)) throw new ConfigError(`"${name}" has no config "${wanted}"; its configs: ${configs.join(", ")}`);
    return wanted;
  }
  if (configs.length === 1) return configs[0]!;
  if (configs.includes("default")) return "default";
  throw new ConfigError(`"${name}" has several configs (${configs.join(", ")}); pass config to choose one`);
}

async function fromCache(base: string, name: string, split: string, opts: HfFetchOptions): Promise<HfDatasetFiles | undefined> {
  let config = opts.config;
  if (config === undefined) {
    if (existsSync(join(base, "default"))) config = "default";
    else {
      const dirs = existsSync(base) ? (await readdir(base, { withFileTypes: true })).filter((d) => d.isDirectory()) : [];
      if (dirs.length !== 1) return undefined;
      config = dirs[0]!.name;
    }
  }
  const dir = join(base, safe(config), safe(split));
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Manifest;
  } catch {
    return undefined;
  }
  const paths: string[] = [];
  for (const f of manifest.files) {
    const path = join(dir, safe(f.filename));
    try {
      const st = await stat(path);
      if (f.size !== undefined && st.size !== f.size) return undefined;
    } catch {
      return undefined;
    }
    paths.push(path);
  }
  return filesOf(name, manifest, opts.revision, paths, true);
}

async function request(doFetch: typeof fetch, url: string, headers: Record<string, string>, name: string): Promise<Response> {
  let res: Response;
  try {
    res = await doFetch(url, { headers });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new DataError(
      `cannot load "${name}" from Hugging Face: the network is unreachable (${detail} while fetching ${url}); ${LOCAL_HINT}`,
      { file: name },
      { cause: e },
    );
  }
  if (res.ok) return res;
  let msg = "";
  try {
    const body = (await res.json()) as { error?: string };
    if (typeof body.error === "string") msg = `: ${body.error}`;
  } catch {
    // no JSON body
  }
  if (res.status === 401 || res.status === 403) {
    throw new DataError(
      `Hugging Face refused access to "${name}" (HTTP ${res.status}${msg}); if it is gated, accept its terms on the Hub and set HF_TOKEN`,
      { file: url },
    );
  }
  if (res.status === 404) {
    throw new DataError(`"${name}" was not found, or has no Parquet conversion (HTTP 404${msg}); check the name`, { file: url });
  }
  throw new DataError(`Hugging Face answered HTTP ${res.status}${msg} for ${url}; try again later`, { file: url });
}

async function getJson(doFetch: typeof fetch, url: string, headers: Record<string, string>, name: string): Promise<unknown> {
  const res = await request(doFetch, url, headers, name);
  try {
    return await res.json();
  } catch (e) {
    throw new DataError(`the answer from ${url} is not JSON`, { file: url }, { cause: e });
  }
}

function safe(part: string): string {
  return part.replace(/[^\w.-]/g, "_");
}
