#!/usr/bin/env node
/**
 * The `implicitrm` command. Expected problems (bad config, bad data) print one clear message and
 * exit non-zero without a stack trace; anything else is a bug and keeps its trace.
 */
import { ImplicitRMError } from "@implicitrm/core";
import { BENCH_HELP, benchCommand } from "./commands/bench.js";
import { EMBED_HELP, embedCommand } from "./commands/embed.js";
import { EXPORT_HELP, exportCommand } from "./commands/export.js";
import { SCORE_HELP, scoreCommand } from "./commands/score.js";
import { SERVE_HELP, serveCommand } from "./commands/serve.js";
import { TRAIN_HELP, trainCommand } from "./commands/train.js";

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  train: { run: trainCommand, help: TRAIN_HELP },
  bench: { run: benchCommand, help: BENCH_HELP },
  embed: { run: embedCommand, help: EMBED_HELP },
  score: { run: scoreCommand, help: SCORE_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
  serve: { run: serveCommand, help: SERVE_HELP },
};

const USAGE = `Usage: implicitrm <command> [options]

Commands:
  train   train one reward model and write a checkpoint
  bench   compare methods over datasets and seeds
  embed   encode a dataset once into a feature store that train and bench read in blocks
  score   score a table of responses (or chosen/rejected pairs) with a trained model, one JSON line per row
  export  write a model's reward head as model.onnx + manifest.json for onnxruntime (Python, browsers, ...)
  serve   serve a trained model over HTTP (OpenRLHF /get_reward, vLLM /classify, OpenAI /v1/embeddings)

Run \`implicitrm <command> --help\` for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(USAGE);
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`implicitrm: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof ImplicitRMError) {
      process.stderr.write(`implicitrm: error [${e.code}]: ${e.message}\n`);
      // A setting the user must change (a bad value, or one that needs a package not installed) is a
      // usage error (2); bad data, I/O and training failures are 1.
      process.exitCode = e.code === "E_CONFIG" || e.code === "E_MISSING_DEPENDENCY" ? 2 : 1;
    } else {
      process.stderr.write(`implicitrm: internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 70;
    }
  },
);
