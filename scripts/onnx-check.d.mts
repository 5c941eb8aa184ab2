/** A Python that imports Debian's onnx module. */
export interface OnnxChecker {
  python: string;
  version: string;
}
export function findOnnxChecker(): OnnxChecker | { skip: string };
export function onnxCheckerForTests(label: string): OnnxChecker | null;
export function checkOnnxFiles(checker: OnnxChecker, files: readonly string[]): Array<{ file: string; error: string | null }>;
/** name → the checker's error for that model, or null when it passes. */
export function checkOnnxModels(checker: OnnxChecker, models: Record<string, Uint8Array>): Record<string, string | null>;
