/**
 * @implicitrm/evaluator: the benchmark behind `implicitrm bench` as a library: run methods ×
 * datasets × seeds (`runBench`), summarise the rows in tables, draw sweeps, write the results.
 */
export { type BenchPlan, type BenchRow, methodName, runBench } from "./bench.js";
export { diagnosticReadings, markdownTable, meanStd } from "./tables.js";
export { type Panel, type Series, lineChartSvg, sweepChart } from "./plot.js";
export { type BenchOutputs, writeBenchOutputs } from "./outputs.js";
