export { type BenchPlan, type BenchRow, TABLE_COLUMNS, groupRows, markdownTable, meanStd, parseMethodSpec, runBench, sweepChart } from "./bench.js";
export { lineChartSvg, type Panel, type Series } from "./plot.js";
export { BENCH_HELP, benchCommand } from "./bench-command.js";
