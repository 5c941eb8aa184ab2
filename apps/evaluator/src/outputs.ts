/**
 * The files a bench writes: its rows as JSON, the table as Markdown beside them, and the sweep
 * plots as SVG. Each file is written atomically (core's `writeFileAtomic`): a crash or a kill never
 * leaves a half-written result under its final name.
 */
import { writeFileAtomic } from "@implicitrm/core/node";
import { type BenchRow, datasetLabel } from "./bench.js";
import { sweepChart } from "./plot.js";

/** Where {@link writeBenchOutputs} writes, and the plan's sweeps that decide which plots exist. */
export interface BenchOutputs {
  /** `<file>.json`: the rows; the table goes to `<file>.md` and the plots to `<file>[-<dataset>].svg` beside it. */
  out?: string;
  /** Another file for the Markdown table. */
  markdown?: string;
  /** The plan's dataset specs, α values and presentation shares (a plot per sweep with more than one value). */
  datasets: string[];
  alphas: number[];
  presentationShares: number[];
}

/**
 * Writes a bench's rows and its Markdown `table` (see `markdownTable`) where `to` says: with
 * `to.out`, the rows as JSON, the table as `<stem>.md`, an α sweep's plot as `<stem>.svg` and a
 * presentation sweep's plot per dataset (`<stem>.svg`, or `<stem>-<dataset>.svg` when there are
 * several datasets or α values); with `to.markdown`, the table there too. Directories are created;
 * a failure is a FileError naming the path.
 */
export async function writeBenchOutputs(rows: BenchRow[], table: string, to: BenchOutputs): Promise<void> {
  const doing = "writing the bench results";
  if (to.out) {
    const stem = to.out.replace(/\.json$/i, "");
    await writeFileAtomic(to.out, `${JSON.stringify(rows, null, 2)}\n`, doing);
    await writeFileAtomic(`${stem}.md`, table, doing);
    if (to.alphas.length > 1) await writeFileAtomic(`${stem}.svg`, sweepChart(rows), doing);
    if (to.presentationShares.length > 1) {
      for (const dataset of to.datasets.map(datasetLabel)) {
        const svg = sweepChart(rows.filter((r) => r.dataset === dataset), "presentationShare");
        await writeFileAtomic(to.datasets.length > 1 || to.alphas.length > 1 ? `${stem}-${dataset}.svg` : `${stem}.svg`, svg, doing);
      }
    }
  }
  if (to.markdown) await writeFileAtomic(to.markdown, table, doing);
}
