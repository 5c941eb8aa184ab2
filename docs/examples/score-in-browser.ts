/**
 * Score (prompt, response) pairs in a browser with an exported reward model: the page fetches
 * `model.onnx` and `manifest.json` (written by `implicitrm export --model DIR --out DIR2`), rebuilds
 * the hashing encoder the manifest records, turns each pair into features and runs the ONNX graph
 * with onnxruntime-web (WebAssembly, one thread). Nothing but the two files and onnxruntime-web's
 * .wasm is fetched, so it works offline once those are served. The same file runs in Node, given
 * URLs a `fetch` can read.
 *
 * Usage:
 *   const model = await loadExportedModel({ modelUrl: "/models/demo/model.onnx", manifestUrl: "/models/demo/manifest.json", });
 *   const rows = await model.score([{ prompt: "How do I boil an egg?", response: "Simmer it for 9 minutes." }]);
 *   // rows[0] = { logit, reward, score }: reward = (logit − mean) / std, score = σ(logit) = P(preferred)
 *   await model.dispose();
 */
import { HashingEncoder, type TextPair, encodePairs } from "@implicitrm/encoders/hashing";
import { checkEncoderMatches } from "@implicitrm/encoders/identity";
import * as ort from "onnxruntime-web/wasm";

/** What the page reads of manifest.json (the export writes more; see the export guide). */
export interface ExportManifest {
  format: "implicitrm-onnx-export";
  version: number;
  model: string;
  inputs: Array<{ name: string; type: string; shape: Array<number | string> }>;
  outputs: Array<{ name: string; type: string; shape: Array<number | string> }>;
  encoder: { spec: string; id: string; dim: number; config: Record<string, unknown>; pairTemplate: string };
  normalization: { mean: number; std: number; split: string; rows: number };
}

/** One scored pair: the model's logit f(x), the normalised reward and σ(logit). */
export interface BrowserScore {
  logit: number;
  reward: number;
  score: number;
}

/** Where the example finds its files. */
export interface LoadExportedModelOptions {
  /** URL of the exported model.onnx. */
  modelUrl: string;
  /** URL of the exported manifest.json. */
  manifestUrl: string;
  /**
   * URL prefix (ending in "/") serving onnxruntime-web's `ort-wasm-simd-threaded.{mjs,wasm}`.
   * Default: where onnxruntime-web's bundled build finds its .wasm (beside it; a bundler such as
   * Vite emits it with the other assets).
   */
  wasmPaths?: string;
}

/** A loaded model: its manifest, the rebuilt encoder, and `score`. */
export interface ExportedModel {
  readonly manifest: ExportManifest;
  readonly encoder: HashingEncoder;
  /** Scores pairs (an empty prompt scores the response alone), in input order. */
  score(pairs: readonly TextPair[]): Promise<BrowserScore[]>;
  /** Releases the onnxruntime session. */
  dispose(): Promise<void>;
}

async function fetchOk(url: string, what: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch the ${what} ${url}: HTTP ${res.status}`);
  return res;
}

/**
 * The hashing encoder the manifest records, rebuilt from its config and checked: a manifest made
 * with another encoder (a transformer model, whose graph runs before this one, see the export
 * guide) or whose config this version of the encoder does not reproduce is refused, naming the field.
 */
export function encoderFromManifest(manifest: ExportManifest): HashingEncoder {
  const e = manifest.encoder;
  if (!e.spec.startsWith("hashing")) throw new Error(`manifest.encoder.spec is ${JSON.stringify(e.spec)}; this example rebuilds only the hashing encoder`);
  if (e.pairTemplate !== "plain") throw new Error(`manifest.encoder.pairTemplate is ${JSON.stringify(e.pairTemplate)}; the hashing encoder joins pairs with the plain template`);
  const c = e.config as Record<string, never>;
  const encoder = new HashingEncoder({
    dim: e.dim,
    wordNgrams: c.wordNgrams,
    charNgrams: c.charNgrams,
    weights: c.weights,
    sublinearTf: c.sublinearTf,
    lowercase: c.lowercase,
    seed: c.seed,
  });
  checkEncoderMatches(encoder, e, "the manifest's");
  return encoder;
}

/** Loads an exported model: fetches the manifest and model.onnx, rebuilds the encoder, opens the session. */
export async function loadExportedModel(options: LoadExportedModelOptions): Promise<ExportedModel> {
  const manifest = (await (await fetchOk(options.manifestUrl, "manifest")).json()) as ExportManifest;
  if (manifest.format !== "implicitrm-onnx-export") throw new Error(`${options.manifestUrl} is not an ImplicitRM export manifest (format ${JSON.stringify(manifest.format)})`);
  const encoder = encoderFromManifest(manifest);
  const bytes = new Uint8Array(await (await fetchOk(options.modelUrl, "model")).arrayBuffer());
  // One thread: multi-threaded wasm needs a cross-origin-isolated page, which a docs site is not.
  ort.env.wasm.numThreads = 1;
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
  const input = manifest.inputs[0]!.name;
  return {
    manifest,
    encoder,
    async score(pairs) {
      if (pairs.length === 0) return [];
      const x = await encodePairs(encoder, pairs);
      const out = await session.run({ [input]: new ort.Tensor("float32", x, [pairs.length, encoder.dim]) });
      const [logit, reward, score] = (["logit", "reward", "score"] as const).map((k) => out[k]!.data as Float32Array);
      return pairs.map((_, i) => ({ logit: logit![i]!, reward: reward![i]!, score: score![i]! }));
    },
    async dispose() {
      await session.release();
    },
  };
}
