export {
  type BenchPlan,
  type BenchRow,
  type RowGroup,
  TABLE_COLUMNS,
  diagnosticsTable,
  groupRows,
  markdownTable,
  meanStd,
  methodName,
  parseMethodSpec,
  runBench,
  sweepChart,
} from "./bench.js";
export { lineChartSvg, type Panel, type Series } from "./plot.js";
export { BENCH_HELP, benchCommand } from "./bench-command.js";
