/**
 * The `'webgpu'` backend: `@tensorflow/tfjs-backend-webgpu` on the browser's `navigator.gpu`, or in
 * Node on the `webgpu` package (Google's Dawn). On a machine without a GPU, Dawn runs in software
 * through its OpenGL backend on Mesa: `EGL_PLATFORM=surfaceless`, `create(['backend=opengl'])` and
 * `requestAdapter({ featureLevel: 'compatibility' })` (what works on a headless Linux box; the
 * settings are {@link env}`.webgpu`).
 */
import { isNode, optionalImportError } from "@implicitrm/core/runtime";
import * as tf from "@tensorflow/tfjs-core";
import { interop } from "./cjs-interop.js";
import { env } from "./env.js";

/** What the loader found, for reports and tests. */
export interface WebGpuInfo {
  /** Where the GPU came from: the browser's `navigator.gpu` or the Node `webgpu` package. */
  source: "navigator.gpu" | "webgpu package";
  /** The adapter's vendor / architecture / description as it reports them (may be empty). */
  adapter: string;
  featureLevel: string;
}

export let webgpuInfo: WebGpuInfo | undefined;

interface GpuLike {
  requestAdapter(opts?: Record<string, unknown>): Promise<AdapterLike | null>;
}
interface AdapterLike {
  features: ReadonlySet<string>;
  limits: Record<string, number>;
  info?: { vendor?: string; architecture?: string; description?: string; device?: string };
  requestDevice(desc?: Record<string, unknown>): Promise<unknown>;
}

/** Makes the Node `webgpu` package's GPU the `navigator.gpu` that tfjs-backend-webgpu looks for. */
async function nodeGpu(flags: string[]): Promise<GpuLike> {
  const proc = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process;
  // Mesa's EGL needs a platform without a display; must be set before Dawn starts.
  proc.env.EGL_PLATFORM ??= "surfaceless";
  let mod: { create: (flags: string[]) => GpuLike; globals: Record<string, unknown> };
  try {
    mod = interop((await import("webgpu")) as unknown as typeof mod, "create");
  } catch (err) {
    throw optionalImportError({ name: "webgpu", version: "0.6.2", feature: "backend webgpu", note: " (WebGPU for Node: Dawn, prebuilt, downloads nothing)" }, err);
  }
  // The WebGPU classes and constants (GPUBufferUsage, …) tfjs uses as globals; never overwrite.
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in g)) g[k] = v;
  const gpu = mod.create(flags);
  const nav = g.navigator as { gpu?: unknown } | undefined;
  if (nav === undefined) g.navigator = { gpu };
  else if (nav.gpu === undefined) Object.defineProperty(nav, "gpu", { value: gpu, configurable: true });
  return gpu;
}

/**
 * Loads the `'webgpu'` backend: finds a GPU (browser or Node), asks for an adapter, imports
 * `@tensorflow/tfjs-backend-webgpu` and registers its tfjs backend on that adapter.
 */
export async function loadWebgpu(): Promise<void> {
  const browserGpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  const inNode = browserGpu === undefined && isNode();
  let gpu: GpuLike;
  if (browserGpu !== undefined) gpu = browserGpu;
  else if (inNode) gpu = await nodeGpu(env.webgpu.dawnFlags ?? ["backend=opengl"]);
  else throw new Error("this browser has no WebGPU (navigator.gpu is undefined); use a browser with WebGPU enabled, or 'wasm'");

  const levels: Array<"core" | "compatibility"> = env.webgpu.featureLevel
    ? [env.webgpu.featureLevel]
    : inNode
      ? ["compatibility"]
      : ["core", "compatibility"];
  let adapter: AdapterLike | null = null;
  let level = "";
  for (const featureLevel of levels) {
    adapter = await gpu.requestAdapter({ featureLevel, powerPreference: "high-performance" });
    level = featureLevel;
    if (adapter) break;
  }
  if (!adapter) {
    throw new Error(
      inNode
        ? "the webgpu package found no adapter (Dawn with backend=opengl needs Mesa's EGL: on Debian, apt-get install libegl1 libgl1-mesa-dri)"
        : "navigator.gpu.requestAdapter() returned null (WebGPU is disabled or the GPU is blocklisted)",
    );
  }

  let mod: typeof import("@tensorflow/tfjs-backend-webgpu");
  try {
    mod = interop(await import("@tensorflow/tfjs-backend-webgpu"), "WebGPUBackend");
  } catch (err) {
    throw optionalImportError({ name: "@tensorflow/tfjs-backend-webgpu", version: "4.22.0", feature: "backend webgpu" }, err);
  }
  const { WebGPUBackend } = mod;
  const limits = adapter.limits;
  const requiredLimits: Record<string, number> = {};
  for (const k of [
    "maxComputeWorkgroupStorageSize",
    "maxComputeWorkgroupsPerDimension",
    "maxStorageBufferBindingSize",
    "maxBufferSize",
    "maxComputeWorkgroupSizeX",
    "maxComputeInvocationsPerWorkgroup",
  ]) {
    if (typeof limits[k] === "number") requiredLimits[k] = limits[k];
  }
  const requiredFeatures = adapter.features.has("timestamp-query") ? ["timestamp-query"] : [];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const info = adapter.info ?? {};
  webgpuInfo = {
    source: inNode ? "webgpu package" : "navigator.gpu",
    adapter: [info.vendor, info.architecture, info.description ?? info.device].filter((s) => s).join(" / "),
    featureLevel: level,
  };
  // Replace the package's own factory (which asks for a default adapter) with one on this device.
  if (tf.engine().registryFactory.webgpu !== undefined) tf.removeBackend("webgpu");
  tf.registerBackend(
    "webgpu",
    () => new WebGPUBackend(device as ConstructorParameters<typeof WebGPUBackend>[0], info as ConstructorParameters<typeof WebGPUBackend>[1]),
    3,
  );
}
