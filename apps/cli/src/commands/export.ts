/**
 * `implicitrm export`: a model directory's reward head as a standalone ONNX file plus the manifest
 * that says how to feed it (the work is @implicitrm/serve's `exportRewardModel`).
 */
import { ConfigError } from "@implicitrm/core";
import { exportRewardModel } from "@implicitrm/serve";
import { parseFlags } from "../flags.js";

/** `implicitrm export --help`. */
export const EXPORT_HELP = `Usage: implicitrm export --model <model directory> --out <directory> [--force]

Writes the trained reward head of a model directory (what \`implicitrm train --out\` wrote) as
<out>/model.onnx and <out>/manifest.json, for onnxruntime in Python, C++, C#, Java or a browser
(onnxruntime-web). The graph takes input "features" float32 [N, D] (the features of the encoder the
manifest records, made from prompt and response with its pair template) and gives "logit", "reward"
= (logit − mean) / std and "score" = sigmoid(logit), each [N]. Only the reward head is exported: the
activity head is a training device. Both files are written into a temporary directory that then
takes the place of <out>.

Options:
  --model <dir>   the model directory (model.json and record.json)
  --out <dir>     where to write model.onnx and manifest.json: a new or empty directory
  --force         replace a non-empty --out as a whole (never a model directory)
  --quiet         print nothing on success
`;

const FLAGS = {
  model: { type: "string" },
  out: { type: "string" },
  force: { type: "boolean" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Runs `implicitrm export`; returns the process exit code. */
export async function exportCommand(argv: string[]): Promise<number> {
  const f = parseFlags("export", argv, FLAGS);
  if (f.help) {
    process.stdout.write(EXPORT_HELP);
    return 0;
  }
  if (!f.model) throw new ConfigError("implicitrm export: --model <model directory> is required; see `implicitrm export --help`");
  if (!f.out) throw new ConfigError("implicitrm export: --out <directory> is required; see `implicitrm export --help`");
  const r = await exportRewardModel(f.model, f.out, { force: f.force === true });
  if (!f.quiet) {
    const m = r.manifest;
    process.stdout.write(
      `exported the reward head (${[m.head.inputDim, ...m.head.hidden, 1].join("→")}) to ${r.modelFile} (${r.bytes} bytes, ONNX IR ${m.irVersion}, opset ${m.opset}) ` +
        `and ${r.manifestFile}; features from ${m.encoder.id}, reward = (logit − ${m.normalization.mean}) / ${m.normalization.std}\n`,
    );
  }
  return 0;
}
