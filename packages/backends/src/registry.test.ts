// Registry behaviour: init-once, fall-through, notices and the aggregated error. Fresh registries
// keep these cases independent; tfjs's own backend state is global, so tests run sequentially.
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { MissingDependencyError } from "@implicitrm/core/errors";
import { BackendError, env, initBackend, listBackends, registerBackend, unregisterBackend } from "./index.js";
import { BackendRegistry } from "./registry.js";

const loadCpu = async (): Promise<void> => {
  await import("@tensorflow/tfjs-backend-cpu");
};

/** Runs `fn`, expecting it to reject with a BackendError, and returns that error. */
async function backendError(fn: () => Promise<unknown>): Promise<BackendError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BackendError);
    return err as BackendError;
  }
  throw new Error("expected a BackendError, nothing was thrown");
}

describe("BackendRegistry", () => {
  it("an unknown backend gives the aggregated error naming the known backends", async () => {
    const reg = new BackendRegistry();
    reg.register("cpu", loadCpu, 1);
    reg.register("other", async () => {}, 0);
    const err = await backendError(() => reg.resolve("webgl"));
    expect(err.code).toBe("E_BACKEND");
    expect(err.name).toBe("BackendError");
    expect(err.failures).toEqual([{ name: "webgl", reason: "unknown backend (known: cpu, other)" }]);
    expect(err.message).toContain("'webgl'");
    expect(err.message).toContain("Known backends: cpu, other");
  });

  it("the package's initBackend rejects an unknown name, listing every registered backend", async () => {
    const err = await backendError(() => initBackend("gpu" as "cpu"));
    expect(err.message).toMatch(/gpu: unknown backend \(known: tensorflow, onnxruntime, wasm, cpu, webgpu\)/);
    expect(err.message).toContain("Known backends: tensorflow, onnxruntime, wasm, cpu, webgpu");
  });

  it("falls through a backend whose loader throws; the notice names it and the reason", async () => {
    const reg = new BackendRegistry();
    let calls = 0;
    reg.register(
      "broken",
      async () => {
        calls++;
        throw new Error("simulated\n  loader failure");
      },
      5,
    );
    reg.register("cpu", loadCpu, 1);
    const first = await reg.resolve("auto");
    expect(first.name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(first.notice).toBe(
      "ImplicitRM: backend broken (simulated loader failure) could not start; using cpu instead.",
    );
    // The failure is cached: the loader is not run again, the notice repeats.
    const again = await reg.resolve(["broken", "cpu"]);
    expect(again).toEqual(first);
    expect(calls).toBe(1);
    expect(reg.list()).toEqual([
      { name: "broken", priority: 5, state: "failed", reason: "simulated loader failure" },
      { name: "cpu", priority: 1, state: "ready" },
    ]);
  });

  it("initialises each backend once, even under concurrent resolution", async () => {
    const reg = new BackendRegistry();
    let calls = 0;
    reg.register(
      "cpu",
      async () => {
        calls++;
        await loadCpu();
      },
      1,
    );
    const results = await Promise.all([reg.resolve("cpu"), reg.resolve("auto"), reg.resolve(["cpu"])]);
    expect(results.map((r) => r.name)).toEqual(["cpu", "cpu", "cpu"]);
    expect(calls).toBe(1);
  });

  it("when every candidate fails, throws one error listing each failure", async () => {
    const reg = new BackendRegistry();
    reg.register(
      "alpha",
      async () => {
        throw new Error("alpha is broken");
      },
      3,
    );
    reg.register(
      "beta",
      () => Promise.reject({ message: "beta rejected with a plain object" }),
      2,
    );
    reg.register("gamma", async () => {}, 1); // loads, but registers no tfjs backend
    reg.register(
      "hidden",
      async () => {
        throw new Error("never tried by auto");
      },
      -1,
    );
    const err = await backendError(() => reg.resolve("auto"));
    expect(err.failures.map((f) => [f.name, f.reason])).toEqual([
      ["alpha", "alpha is broken"],
      ["beta", "beta rejected with a plain object"],
      ["gamma", "its loader finished but no tfjs backend named 'gamma' was registered with tfjs-core"],
    ]);
    expect(err.message).toContain("tried alpha, beta, gamma");
    expect(err.message).toContain("  - alpha: alpha is broken");
    expect(err.message).toContain("  - beta: beta rejected with a plain object");
    expect(err.message).toContain("  - gamma: its loader finished");
    expect(err.message).toContain("Known backends: alpha, beta, gamma, hidden");
    expect(err.cause).toBeInstanceOf(AggregateError);

    const listed = await backendError(() => reg.resolve(["hidden", "nope"]));
    expect(listed.failures.map((f) => [f.name, f.reason])).toEqual([
      ["hidden", "never tried by auto"],
      ["nope", "unknown backend (known: alpha, beta, gamma, hidden)"],
    ]);
  });

  it("follows onnxruntime-web's re-registration rules and validates input", async () => {
    const reg = new BackendRegistry();
    const a = async () => {};
    const b = async () => {};
    reg.register("x", a, 1);
    reg.register("x", a, 1); // same loader, same priority: no-op
    expect(() => reg.register("x", b, 1)).toThrow(BackendError);
    reg.register("x", b, 0); // lower priority: ignored
    expect(reg.list()).toEqual([{ name: "x", priority: 1, state: "registered" }]);
    reg.register("x", b, 2); // higher priority: replaces
    expect(reg.list()).toEqual([{ name: "x", priority: 2, state: "registered" }]);
    expect(() => reg.register("", a, 1)).toThrow(/invalid backend name/);
    expect(() => reg.register("auto", a, 1)).toThrow(/invalid backend name/);
    expect(() => reg.register("y", a, Number.NaN)).toThrow(/finite number/);
    await expect(reg.resolve([])).rejects.toThrow(/no candidate backends/);
    await expect(new BackendRegistry().resolve("auto")).rejects.toThrow(/none registered/);
  });

  it("unregisters a backend with its cached state; registering it again starts afresh", async () => {
    const reg = new BackendRegistry();
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error("fails once");
    };
    reg.register("x", failing, 2);
    reg.register("cpu", loadCpu, 1);
    expect((await reg.resolve("auto")).notice).toContain("backend x (fails once)");
    expect(reg.unregister("x")).toEqual({ name: "x", priority: 2, state: "failed", reason: "fails once" });
    expect(reg.unregister("x")).toBeUndefined();
    expect(reg.names()).toEqual(["cpu"]);
    expect(await reg.resolve("auto")).toEqual({ name: "cpu" });
    const unknown = await backendError(() => reg.resolve("x"));
    expect(unknown.failures).toEqual([{ name: "x", reason: "unknown backend (known: cpu)" }]);
    // Registered again, even with a lower priority than before: a fresh entry whose loader runs again.
    reg.register("x", failing, 0);
    expect(reg.list()[1]).toEqual({ name: "x", priority: 0, state: "registered" });
    await backendError(() => reg.resolve("x"));
    expect(calls).toBe(2);
    // The process-wide registry has the same through unregisterBackend.
    registerBackend("temporary", loadCpu, -5);
    expect(listBackends().map((b) => b.name)).toContain("temporary");
    expect(unregisterBackend("temporary")?.name).toBe("temporary");
    expect(listBackends().map((b) => b.name)).not.toContain("temporary");
  });

  it("'auto' passes over a package that is not installed silently, and reports one that is installed but broken", async () => {
    const reg = new BackendRegistry();
    reg.register(
      "absent",
      async () => {
        throw new MissingDependencyError("absent-pkg", "absent-pkg is not installed", { installed: false });
      },
      3,
    );
    reg.register(
      "broken",
      async () => {
        throw new MissingDependencyError("broken-pkg", "broken-pkg is installed but failed to load", { installed: true });
      },
      2,
    );
    reg.register("cpu", loadCpu, 1);
    const res = await reg.resolve("auto");
    expect(res).toEqual({ name: "cpu", notice: "ImplicitRM: backend broken (broken-pkg is installed but failed to load) could not start; using cpu instead." });
    const err = await backendError(() => reg.resolve(["absent", "broken"]));
    expect(err.failures.map((f) => [f.name, f.missing === true])).toEqual([
      ["absent", true],
      ["broken", false],
    ]);
    expect(err.message).toContain("  - absent: absent-pkg is not installed");
  });

  it("initBackend's options write the one settings object, env", async () => {
    expect(env).toEqual({ wasm: {}, onnxruntime: {}, webgpu: {} });
    await initBackend("cpu", { threads: 1, dawnFlags: [] });
    expect(env.onnxruntime.threads).toBe(1);
    expect(env.webgpu.dawnFlags).toEqual([]);
    env.onnxruntime.threads = undefined;
    env.webgpu.dawnFlags = undefined;
  });

  it("'auto' through initBackend logs one notice when a higher-priority backend fails", async () => {
    registerBackend(
      "flaky",
      async () => {
        throw new Error("flaky device lost");
      },
      100,
    );
    const logged: string[] = [];
    // Here: tensorflow (tfjs-node) is not installed, which 'auto' passes over silently; onnxruntime
    // (a devDependency) starts, on tfjs's wasm backend.
    const res = await initBackend("auto", { log: (m) => logged.push(m) });
    expect(res.name).toBe("onnxruntime");
    expect(tf.getBackend()).toBe("wasm");
    expect(logged).toEqual(["ImplicitRM: backend flaky (flaky device lost) could not start; using onnxruntime instead."]);
    expect(res.notice).toBe(logged[0]);
    expect(listBackends().map((b) => b.name)).toEqual(["flaky", "tensorflow", "onnxruntime", "wasm", "cpu", "webgpu"]);
    const tensorflow = listBackends().find((b) => b.name === "tensorflow");
    expect(tensorflow?.state).toBe("failed");
    expect(tensorflow?.reason).toMatch(/package @tensorflow\/tfjs-node \(4\.22\.0\), which is not installed.*downloads the libtensorflow C library/);
  });
});
