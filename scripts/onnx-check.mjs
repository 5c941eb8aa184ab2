// Debian's python3-onnx checker (`onnx.checker.check_model(m, full_check=True)`: the schema, every
// node against its opset, and strict shape inference) for the ONNX models the packages write, as a
// test helper and a command: `node scripts/onnx-check.mjs a.onnx b.onnx ...` (exit 1 if any fails).
//
// The Python is $IMPLICITRM_PYTHON, else the first of `python3` on PATH and /usr/bin/python3 that
// imports `onnx` (a pyenv python3 on PATH does not see Debian's dist-packages). Tests skip, saying
// why, when there is none, unless IMPLICITRM_REQUIRE_ONNX_CHECKER=1 (set by .ci/run, which installs
// python3-onnx), where they fail instead.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const CHECK = `
import json, sys
import onnx
for path in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        print(json.dumps({"file": path, "error": None}))
    except Exception as e:
        print(json.dumps({"file": path, "error": f"{type(e).__name__}: {e}"}))
`;

/** The Python that can run the checker, or why there is none. */
export function findOnnxChecker() {
  const candidates = process.env.IMPLICITRM_PYTHON ? [process.env.IMPLICITRM_PYTHON] : ["python3", "/usr/bin/python3"];
  const tried = [];
  for (const python of candidates) {
    const r = spawnSync(python, ["-c", "import onnx; print(onnx.__version__)"], { encoding: "utf8" });
    if (r.status === 0) return { python, version: r.stdout.trim() };
    tried.push(r.error ? `${python}: not found` : `${python}: no onnx module`);
  }
  return { skip: `${tried.join("; ")}. Install Debian's python3-onnx (apt-get install -y python3-onnx) or set IMPLICITRM_PYTHON` };
}

/** For tests: the checker, or null after printing why `label` is skipped (throws if it is required). */
export function onnxCheckerForTests(label) {
  const found = findOnnxChecker();
  if (!("skip" in found)) return found;
  if (process.env.IMPLICITRM_REQUIRE_ONNX_CHECKER === "1") throw new Error(`IMPLICITRM_REQUIRE_ONNX_CHECKER=1 but ${found.skip}`);
  console.log(`[${label}] skipped: ${found.skip}`);
  return null;
}

/** Runs the checker on files; one `{ file, error }` per file, `error` null when the model passes. */
export function checkOnnxFiles(checker, files) {
  const r = spawnSync(checker.python, ["-c", CHECK, ...files], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${checker.python} onnx checker failed (${r.status}): ${r.stderr || r.error}`);
  return r.stdout.trim().split("\n").map((line) => JSON.parse(line));
}

/** Writes each model (name → bytes) to a temporary `<name>.onnx`, checks them all, removes them. */
export function checkOnnxModels(checker, models) {
  const dir = mkdtempSync(join(tmpdir(), "implicitrm-onnx-check-"));
  try {
    const files = Object.entries(models).map(([name, bytes]) => {
      const file = join(dir, `${name}.onnx`);
      writeFileSync(file, bytes);
      return file;
    });
    return Object.fromEntries(checkOnnxFiles(checker, files).map((r, i) => [Object.keys(models)[i], r.error]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const found = findOnnxChecker();
  if ("skip" in found) {
    console.error(`onnx-check: ${found.skip}`);
    process.exit(2);
  }
  let failed = 0;
  for (const { file, error } of checkOnnxFiles(found, process.argv.slice(2))) {
    console.log(`${error ? "FAIL" : "ok  "} ${file}${error ? `: ${error}` : ""}`);
    if (error) failed++;
  }
  console.log(`onnx ${found.version} checker (full_check): ${failed} of ${process.argv.length - 2} failed`);
  process.exit(failed ? 1 : 0);
}
