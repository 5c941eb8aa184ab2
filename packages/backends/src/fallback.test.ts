// A real wasm failure: the .wasm files are not where wasmPaths points, so 'auto' falls back to cpu
// with a one-line notice. Own file (own process): the wasm backend's init state is process-wide.
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { BackendError, initBackend, listBackends } from "./index.js";

describe("wasm that cannot load its binary", () => {
  it("'auto' falls back to cpu and logs why", async () => {
    const logged: string[] = [];
    const res = await initBackend("auto", { wasmPaths: "/nonexistent/implicitrm-wasm/", log: (m) => logged.push(m) });
    expect(res.name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(logged).toHaveLength(1);
    const notice = logged[0] ?? "";
    expect(notice).toBe(res.notice);
    expect(notice).not.toContain("\n");
    const why =
      "tfjs-backend-wasm-simd.wasm not found under wasmPaths '/nonexistent/implicitrm-wasm/'; " +
      "point wasmPaths at a directory (ending in '/') that holds the .wasm files of @tensorflow/tfjs-backend-wasm " +
      "(its dist/ directory)";
    // tensorflow (tfjs-node, not installed) is passed over silently; onnxruntime runs on wasm.
    expect(notice).toBe(
      `ImplicitRM: backends onnxruntime (the wasm backend it runs on could not start: ${why}); wasm (${why}) could not start; using cpu instead.`,
    );
    expect(listBackends().find((b) => b.name === "wasm")?.state).toBe("failed");
  });

  it("asking for wasm alone then fails with the reason", async () => {
    const err = await initBackend("wasm").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).failures.map((f) => f.name)).toEqual(["wasm"]);
    expect(tf.getBackend()).toBe("cpu"); // a failed resolution leaves the active backend alone
  });
});
