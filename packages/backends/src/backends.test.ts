// Exercises the real 'cpu' and 'wasm' backends in Node. tfjs keeps global state (the active
// backend), so these tests run one after another in this file and each one selects what it needs.
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { env } from "@implicitrm/core/kernel";
import { BackendError, initBackend, listBackends } from "./index.js";

/** A fixed, deterministic rows×cols matrix with entries in [-0.5, 0.5]. */
function fixedMatrix(rows: number, cols: number, seed: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = 0.5 * Math.sin(seed * 1000 + i * 0.37 + (i % 7) * 1.3);
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? Number.NaN) - (b[i] ?? Number.NaN)));
  return max;
}

async function matMul64On(backend: "cpu" | "wasm"): Promise<Float32Array> {
  await initBackend(backend);
  const a = tf.tensor2d(fixedMatrix(64, 64, 1), [64, 64]);
  const b = tf.tensor2d(fixedMatrix(64, 64, 2), [64, 64]);
  const c = tf.matMul(a, b);
  const data = (await c.data()) as Float32Array;
  tf.dispose([a, b, c]);
  return data;
}

/** d/dx of sum(sigmoid(x) · w) on `backend`, for fixed x and w of shape [8, 16]. */
async function gradOn(backend: "cpu" | "wasm"): Promise<Float32Array> {
  await initBackend(backend);
  const x = tf.tensor2d(fixedMatrix(8, 16, 3).map((v) => v * 8), [8, 16]);
  const w = tf.tensor2d(fixedMatrix(8, 16, 4), [8, 16]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(t), w)))(x);
  const data = (await g.data()) as Float32Array;
  tf.dispose([x, w, g]);
  return data;
}

describe("cpu and wasm backends in Node", () => {
  it("lists every backend, fastest first (webgpu by name only in Node), before anything starts", () => {
    const list = listBackends();
    expect(list.map((b) => [b.name, b.priority])).toEqual([
      ["tensorflow", 5],
      ["onnxruntime", 4],
      ["wasm", 2],
      ["cpu", 1],
      ["webgpu", -1],
    ]);
    expect(list.every((b) => b.state === "registered")).toBe(true);
  });

  it("starts cpu", async () => {
    const res = await initBackend("cpu");
    expect(res).toEqual({ name: "cpu" });
    expect(tf.getBackend()).toBe("cpu");
    const sum = tf.sum(tf.tensor1d([1, 2, 3]));
    expect(await sum.data()).toEqual(new Float32Array([6]));
    sum.dispose();
  });

  it("starts wasm (SIMD, single-threaded) and tf.getBackend() is 'wasm'", async () => {
    const res = await initBackend("wasm");
    expect(res).toEqual({ name: "wasm" });
    expect(tf.getBackend()).toBe("wasm");
    expect(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")).toBe(true);
    expect(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")).toBe(false);
    const sum = tf.sum(tf.tensor1d([1, 2, 3]));
    expect(await sum.data()).toEqual(new Float32Array([6]));
    sum.dispose();
    expect(listBackends().filter((b) => b.state !== "registered").map((b) => [b.name, b.state])).toEqual([
      ["wasm", "ready"],
      ["cpu", "ready"],
    ]);
  });

  it("'auto' picks onnxruntime (tfjs on wasm) without a notice, passing over the absent tfjs-node", async () => {
    await initBackend("cpu");
    const logged: string[] = [];
    const res = await initBackend("auto", { log: (m) => logged.push(m) });
    expect(res).toEqual({ name: "onnxruntime" });
    expect(tf.getBackend()).toBe("wasm");
    expect(env.mlpKernel).toBe("onnxruntime");
    expect(logged).toEqual([]);
    // Switching away uninstalls the heads' kernel.
    await initBackend("wasm");
    expect(env.mlpKernel).toBe("tfjs");
  });

  it("'tensorflow' without tfjs-node fails naming the package and its libtensorflow download", async () => {
    const err = await initBackend("tensorflow").then(
      () => undefined,
      (e: unknown) => e as BackendError,
    );
    expect(err).toBeInstanceOf(BackendError);
    expect(err?.failures[0]?.missing).toBe(true);
    expect(err?.message).toContain("the optional package @tensorflow/tfjs-node (4.22.0), which is not installed: run `npm install @tensorflow/tfjs-node@4.22.0`");
    expect(err?.message).toContain("downloads the libtensorflow C library");
  });

  it("a 64×64 matMul agrees between cpu and wasm within 1e-4", async () => {
    const cpu = await matMul64On("cpu");
    const wasm = await matMul64On("wasm");
    expect(cpu.some((v) => Math.abs(v) > 1)).toBe(true); // not trivially zero
    expect(maxAbsDiff(cpu, wasm)).toBeLessThan(1e-4);
  });

  it("the gradient of sum(sigmoid(x)·w) agrees between cpu and wasm (and with the closed form)", async () => {
    const cpu = await gradOn("cpu");
    const wasm = await gradOn("wasm");
    expect(maxAbsDiff(cpu, wasm)).toBeLessThan(1e-5);
    const x = fixedMatrix(8, 16, 3).map((v) => v * 8);
    const w = fixedMatrix(8, 16, 4);
    const expected = x.map((xi, i) => {
      const s = 1 / (1 + Math.exp(-xi));
      return s * (1 - s) * (w[i] ?? Number.NaN);
    });
    expect(maxAbsDiff(cpu, expected)).toBeLessThan(1e-5);
  });

  it("measures a 512×512 matMul on cpu and wasm (logged, not asserted)", async () => {
    const n = 512;
    const reps = 5;
    const timings: Record<string, number> = {};
    for (const backend of ["cpu", "wasm"] as const) {
      await initBackend(backend);
      const a = tf.tensor2d(fixedMatrix(n, n, 5), [n, n]);
      const b = tf.tensor2d(fixedMatrix(n, n, 6), [n, n]);
      tf.matMul(a, b).dispose(); // warm-up (kernel setup, first allocation)
      const start = performance.now();
      for (let r = 0; r < reps; r++) {
        const c = tf.matMul(a, b);
        await c.data();
        c.dispose();
      }
      timings[backend] = (performance.now() - start) / reps;
      tf.dispose([a, b]);
    }
    const cpu = timings["cpu"] ?? Number.NaN;
    const wasm = timings["wasm"] ?? Number.NaN;
    console.log(
      `[backends] 512x512 matMul, mean of ${reps}: cpu ${cpu.toFixed(1)} ms, wasm ${wasm.toFixed(1)} ms ` +
        `(wasm ${(cpu / wasm).toFixed(1)}x faster)`,
    );
    expect(Number.isFinite(cpu) && Number.isFinite(wasm)).toBe(true);
  });
});
