// Summarises the explicit-negative runs of run.sh: per dataset and thumbs-down probability t, the
// realised share of explicit-negative rows (from the loader itself, same seeds) and mean ± std over
// seeds of test AUROC and |mean r̂ − TPR| for implicitrm and naive, with the change against t = 0.
import { readFileSync } from "node:fs";
import { DEFAULT_TRAINER_CONFIG, loadDataset } from "../../../apps/trainer/dist/index.js";

const dir = new URL(".", import.meta.url).pathname;
const UF = "../shared/data/ultrafeedback_binarized_subset/ultrafeedback_binarized_subset.jsonl";
const sets = { synthetic: { data: "synthetic" }, ultrafeedback: { data: UF, ratingField: "uf_score", encoder: "hashing" } };
const ts = ["0", "0.05", "0.1", "0.25", "0.5"];
const ms = (v) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const s = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
  return { m, s };
};
const f = (x) => `${x.m.toFixed(4)} ± ${x.s.toFixed(4)}`;
const lines = [
  "| dataset | t | explicit negatives (share of rows) | implicitrm AUROC | naive AUROC | implicitrm \\|mean r̂ − TPR\\| | naive \\|mean r̂ − TPR\\| | implicitrm mean σ(g) |",
  "|---|---|---|---|---|---|---|---|",
];
for (const [name, s] of Object.entries(sets)) {
  for (const t of ts) {
    const rows = JSON.parse(readFileSync(`${dir}${name}-t${t}.json`, "utf8"));
    const share = [];
    for (const seed of [1, 2, 3]) {
      const d = await loadDataset(s.data, seed, { ...DEFAULT_TRAINER_CONFIG, ...s, thumbsDownRate: Number(t) });
      share.push(Number(d.info.explicitNegativeRate ?? 0));
    }
    const by = (m, k) => ms(rows.filter((r) => r.method === m).map((r) => r.metrics[k]));
    const act = ms(rows.filter((r) => r.method === "implicitrm").map((r) => r.diagnostics.meanActivity));
    lines.push(
      `| ${name} | ${t} | ${(100 * ms(share).m).toFixed(2)} % | ${f(by("implicitrm", "auroc"))} | ${f(by("naive", "auroc"))} | ${f(by("implicitrm", "rateError"))} | ${f(by("naive", "rateError"))} | ${act.m.toFixed(3)} |`,
    );
  }
}
process.stdout.write(`${lines.join("\n")}\n`);
