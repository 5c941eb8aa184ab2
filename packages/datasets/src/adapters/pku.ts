/**
 * PKU-SafeRLHF (PKU-Alignment): one record per prompt with two responses, each with a safety label
 * `is_response_<i>_safe` and (since the 2024 release) `response_<i>_severity_level` 0–3, where 0 is
 * safe and **higher is worse** (minor, moderate, severe harm).
 */
import { RowProblem } from "../bad-rows.js";
import type { SourceRecord } from "../readers/records.js";
import { hashText } from "../readers/bytes.js";
import type { RatedDataset, RatingDirection } from "../types.js";
import {
  type AdapterInternals,
  type CommonAdapterOptions,
  bool,
  checkDeclared,
  makeSink,
  pickOne,
  rating,
  sourceOf,
  str,
} from "./common.js";

export const PKU_RATINGS = ["severity_level", "is_safe"] as const;

/** Options of {@link adaptPkuSafeRlhf}. */
export interface PkuSafeRlhfOptions extends CommonAdapterOptions {
  /**
   * `severity_level` (default): `response_<i>_severity_level`, scale 0–3, **lower-better**.
   * `is_safe`: `is_response_<i>_safe` as 1 (safe) / 0 (unsafe), scale 0–1, higher-better.
   */
  ratingField?: string;
  /** Must match the declared direction when given. */
  direction?: RatingDirection;
  scale?: { min: number; max: number };
}

/**
 * Adapts PKU-SafeRLHF records into two RatedExamples each (`<prefix>/<record>/0` and `/1`), prompt
 * shared, promptId = hash of the prompt (the same prompt recurs across records with other response
 * pairs), meta = {side, isSafe?, source?}. With `severity_level` the direction is 'lower-better', so
 * `simulateImplicitFeedback` orients it (severity 0 is the best grade). Records of the first release
 * (no severity columns) need `ratingField: 'is_safe'`; the missing-field error says so.
 */
export function adaptPkuSafeRlhf(
  records: readonly SourceRecord[],
  opts: PkuSafeRlhfOptions = {},
  internals?: AdapterInternals,
): RatedDataset {
  const field = pickOne("pku-saferlhf", opts.ratingField, PKU_RATINGS, "severity_level");
  const declared =
    field === "severity_level"
      ? ({ min: 0, max: 3, direction: "lower-better" } as const)
      : ({ min: 0, max: 1, direction: "higher-better" } as const);
  checkDeclared("pku-saferlhf", field, declared, opts);
  const prefix = opts.idPrefix ?? "pku";
  const sink = makeSink(opts, internals, { min: declared.min, max: declared.max });
  records.forEach((rec, i) => {
    let prompt: string | undefined;
    sink.each(rec, () => {
      prompt = str(rec.value, "prompt");
    });
    if (prompt === undefined) return;
    const promptId = hashText(prompt);
    for (const side of [0, 1] as const) {
      sink.each(rec, () => {
        const v = rec.value;
        const responseField = `response_${side}`;
        const response = str(v, responseField);
        const safeField = `is_response_${side}_safe`;
        let r: number;
        let f: string;
        const meta: Record<string, unknown> = { side };
        if (field === "severity_level") {
          f = `response_${side}_severity_level`;
          if (v[f] === undefined) {
            throw new RowProblem(
              "missingField",
              `missing field "${f}" (the first PKU-SafeRLHF release has no severity: use ratingField 'is_safe')`,
              f,
            );
          }
          r = rating(v[f], f, rec.textual);
          if (!Number.isInteger(r)) throw new RowProblem("badRating", `severity must be an integer 0–3 (got ${r})`, f);
          if (v[safeField] !== undefined) meta["isSafe"] = bool(v[safeField], safeField, rec.textual);
        } else {
          f = safeField;
          const safe = bool(v[f], f, rec.textual);
          r = safe ? 1 : 0;
          meta["isSafe"] = safe;
        }
        const src = v[`response_${side}_source`];
        if (typeof src === "string") meta["source"] = src;
        sink.push({ id: `${prefix}/${i}/${side}`, prompt: prompt!, response, rating: r, promptId, meta }, f, responseField);
      });
    }
  });
  return sink.finish("pku-saferlhf", sourceOf(records, opts), field, declared.direction);
}
