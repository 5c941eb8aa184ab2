export { type BenchPlan, type BenchRow, TABLE_COLUMNS, markdownTable, meanStd, runBench } from "./bench.js";
export { BENCH_HELP, benchCommand } from "./bench-command.js";
