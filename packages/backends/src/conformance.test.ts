// The conformance suite on every backend that starts on this machine: wasm, onnxruntime (Node,
// native heads) and webgpu (software, through the webgpu package), each against cpu. tfjs-node
// ('tensorflow') cannot be installed here (its install downloads libtensorflow); the suite is
// ready for it: `runConformance('tensorflow')`.
import { describe, expect, it } from "vitest";
import { type ConformanceReport, formatConformance, runConformance } from "./conformance.js";
import { initBackend } from "./index.js";

async function starts(name: string): Promise<boolean> {
  try {
    await initBackend(name);
    return true;
  } catch (err) {
    console.log(`[conformance] ${name} does not start here: ${(err as Error).message.split("\n")[1] ?? ""}`);
    return false;
  }
}

function expectPass(report: ConformanceReport): void {
  console.log(formatConformance(report));
  const failed = report.checks.filter((c) => !c.pass).map((c) => `${c.name}: error ${c.error} > ${c.tolerance}`);
  expect(failed).toEqual([]);
  expect(report.checks.filter((c) => !c.skipped).length).toBeGreaterThan(20);
}

describe("conformance against cpu", () => {
  for (const backend of ["wasm", "onnxruntime", "webgpu"]) {
    it(`${backend}: losses, gradients and a 20-step training run agree with cpu`, async (ctx) => {
      if (!(await starts(backend))) ctx.skip();
      expectPass(await runConformance(backend));
    }, 180_000);
  }
});
