/**
 * The request bodies the reward server accepts, checked field by field: each wrong type or value
 * is a 422 HttpError naming the field (`query[2]`, `prompts`), so a client sees what to fix.
 */
import type { ScoreInput } from "../scorer.js";
import { invalidField } from "./errors.js";

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const typeName = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v);

function body(json: unknown, route: string): Record<string, unknown> {
  if (!isObj(json)) throw invalidField("body", `${route} takes a JSON object, got ${typeName(json)}`);
  return json;
}

function strings(value: unknown, field: string, maxRows: number, single: boolean): string[] {
  const list = single && typeof value === "string" ? [value] : value;
  if (!Array.isArray(list)) throw invalidField(field, `must be ${single ? "a string or " : ""}a list of strings, got ${typeName(value)}`);
  if (list.length > maxRows) throw invalidField(field, `${list.length} items is more than this server takes in one request (${maxRows}); split the request`);
  list.forEach((s, i) => {
    if (typeof s !== "string") throw invalidField(`${field}[${i}]`, `must be a string, got ${typeName(s)}`);
  });
  return list as string[];
}

function nonEmpty(texts: readonly string[], field: string): void {
  texts.forEach((t, i) => {
    if (t.trim().length === 0) throw invalidField(`${field}[${i}]`, "is empty: there is no text to score");
  });
}

/**
 * Splits one OpenRLHF query (the full prompt + response text) into what the model scores: when
 * `prompt` is given and the query starts with it, the prompt and the rest as the response (its
 * leading whitespace dropped, as `implicitrm score` reads TRL's implicit-prompt pairs); when the
 * rest is empty, or there is no prompt, or the query does not start with it, the whole query as the
 * response with no prompt (the query is by contract the full text).
 */
export function splitQuery(query: string, prompt: string | undefined): ScoreInput {
  if (prompt !== undefined && prompt.length > 0 && query.startsWith(prompt)) {
    const response = query.slice(prompt.length).replace(/^\s+/, "");
    if (response.length > 0) return { prompt, response };
  }
  return { response: query };
}

/**
 * `POST /get_reward` (OpenRLHF's remote reward model API): `{"query": [str], "prompts"?: [str],
 * "labels"?: [...]}`. `prompts`, when given, has one string per query; `labels` is accepted and
 * ignored (a reward model does not read references). Returns the rows to score, in order.
 */
export function parseGetReward(json: unknown, maxRows: number): ScoreInput[] {
  const b = body(json, "/get_reward");
  if (!("query" in b)) throw invalidField("query", 'is required: {"query": ["<prompt + response>", ...]}');
  const queries = strings(b.query, "query", maxRows, false);
  nonEmpty(queries, "query");
  let prompts: string[] | undefined;
  if (b.prompts !== undefined && b.prompts !== null) {
    prompts = strings(b.prompts, "prompts", maxRows, false);
    if (prompts.length !== queries.length) throw invalidField("prompts", `has ${prompts.length} items for ${queries.length} queries; give one prompt per query`);
  }
  if (b.labels !== undefined && b.labels !== null && !Array.isArray(b.labels)) throw invalidField("labels", `must be a list when given, got ${typeName(b.labels)}`);
  return queries.map((q, i) => splitQuery(q, prompts?.[i]));
}

/** `POST /classify` (vLLM's classification API): `{"model"?: str, "input": str | [str]}`; returns the texts. */
export function parseClassify(json: unknown, maxRows: number): string[] {
  const b = body(json, "/classify");
  if (b.model !== undefined && b.model !== null && typeof b.model !== "string") throw invalidField("model", `must be a string, got ${typeName(b.model)}`);
  if (!("input" in b)) throw invalidField("input", 'is required: {"input": "<text>"} or {"input": ["<text>", ...]}');
  const texts = strings(b.input, "input", maxRows, true);
  nonEmpty(texts, "input");
  return texts;
}

/** What {@link parseEmbeddings} returns. */
export interface EmbeddingsRequest {
  texts: string[];
  encodingFormat: "float" | "base64";
}

/**
 * `POST /v1/embeddings` (OpenAI's API): `{"input": str | [str], "model"?: str, "encoding_format"?:
 * "float" | "base64", "dimensions"?: n}`. Token-id inputs are refused (this server embeds text);
 * `dimensions`, when given, must be the encoder's own dimension `dim`.
 */
export function parseEmbeddings(json: unknown, maxRows: number, dim: number): EmbeddingsRequest {
  const b = body(json, "/v1/embeddings");
  if (b.model !== undefined && b.model !== null && typeof b.model !== "string") throw invalidField("model", `must be a string, got ${typeName(b.model)}`);
  if (!("input" in b)) throw invalidField("input", 'is required: {"input": "<text>"} or {"input": ["<text>", ...]}');
  const texts = strings(b.input, "input", maxRows, true);
  nonEmpty(texts, "input");
  const format = b.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") throw invalidField("encoding_format", `must be "float" or "base64", got ${JSON.stringify(format)}`);
  if (b.dimensions !== undefined && b.dimensions !== null && b.dimensions !== dim) {
    throw invalidField("dimensions", `this encoder gives ${dim} dimensions and cannot give ${JSON.stringify(b.dimensions)}; leave it out`);
  }
  return { texts, encodingFormat: format };
}
