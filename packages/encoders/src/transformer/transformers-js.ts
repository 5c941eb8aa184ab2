/**
 * transformers.js (`@huggingface/transformers`), the optional peer dependency a TransformerEncoder
 * runs on: the small part of its API used here, loading it on first use (a MissingDependencyError
 * naming the install command when it is not installed), and running loads one at a time.
 */
import { importOptional } from "@implicitrm/core/runtime";

// Minimal structural types for the parts of transformers.js used here (its own types stay private,
// so this package's declarations do not require it to be installed).
export interface TfTensor {
  readonly dims: number[];
  readonly type: string;
  readonly data: ArrayLike<number>;
  to(type: string): TfTensor;
  dispose?(): void;
}
export interface TfTokenizer {
  encode(text: string, opts?: { add_special_tokens?: boolean }): number[];
  apply_chat_template(conv: { role: string; content: string }[], opts: Record<string, unknown>): unknown;
  chat_template: unknown;
  pad_token_id?: number | null;
  model_max_length: number;
  get_vocab(): Map<string, number> | Record<string, number>;
}
export interface TfSession {
  inputNames: string[];
  outputNames: string[];
  config?: { dtype?: string; device?: string };
}
export type TfModel = ((inputs: Record<string, TfTensor>) => Promise<Record<string, TfTensor>>) & {
  config: Record<string, unknown>;
  sessions: Record<string, TfSession>;
  dispose(): Promise<unknown>;
};
export interface TfModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; logLevel?: number };
  AutoConfig: { from_pretrained(id: string, o: Record<string, unknown>): Promise<unknown> };
  AutoTokenizer: { from_pretrained(id: string, o: Record<string, unknown>): Promise<TfTokenizer> };
  AutoModel: { from_pretrained(id: string, o: Record<string, unknown>): Promise<TfModel> };
  Tensor: new (type: string, data: BigInt64Array, dims: number[]) => TfTensor;
}

const TRANSFORMERS = "@huggingface/transformers";
/** What the missing-package error says about transformers.js (an optional peer dependency). */
export const TRANSFORMERS_PACKAGE = {
  name: TRANSFORMERS,
  version: "^4.3.1",
  feature: "TransformerEncoder",
  note: ` (or \`pnpm add ${TRANSFORMERS}\`) next to @implicitrm/encoders, as an optional peer dependency`,
};

/** Imports transformers.js on first use; rejects with a MissingDependencyError when it is missing. */
export function loadTransformers(): Promise<TfModule> {
  return importOptional<TfModule>(TRANSFORMERS, TRANSFORMERS_PACKAGE);
}

/** transformers.js's `env` is global: loads that change it run one at a time. */
let loadChain: Promise<unknown> = Promise.resolve();

/** Runs `run` after every earlier call of this function has settled (transformers.js's `env` is global). */
export function oneAtATime<T>(run: () => Promise<T>): Promise<T> {
  const done = loadChain.then(run, run);
  loadChain = done.catch(() => undefined);
  return done;
}
