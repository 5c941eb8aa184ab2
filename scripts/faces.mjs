#!/usr/bin/env node
/**
 * Counts the names each workspace package's face (src/index.ts) exports, values and types alike,
 * with the TypeScript compiler's own view of the module. Prints JSON: {package: count}; with
 * --names, the names too. Used to keep the faces small (issue 12) and to report them.
 */
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const root = new URL("..", import.meta.url).pathname;
const dirs = ["packages/core", "packages/backends", "packages/encoders", "packages/datasets", "apps/trainer", "apps/evaluator", "apps/serve", "apps/cli"];
const withNames = process.argv.includes("--names");
const out = {};
for (const dir of dirs) {
  const entry = join(root, dir, "src/index.ts");
  if (!existsSync(entry)) continue;
  const name = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")).name;
  const program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(entry));
  const names = symbol ? checker.getExportsOfModule(symbol).map((s) => s.getName()).sort() : [];
  out[name] = withNames ? { count: names.length, names } : names.length;
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
