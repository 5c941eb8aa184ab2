/**
 * Test fixtures for code that uses encoders: a tiny BERT-shaped ONNX model with real tokenizer files,
 * written in code (no download), and the ONNX writer behind it
 * (re-exported from `@implicitrm/core/onnx`). Node only.
 */
export { type TinyBertInfo, type TinyBertOptions, buildTinyBertOnnx, tinyBertVocab, writeTinyBertModel } from "./tiny-bert.js";
export { type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor, OnnxType, type OnnxValueInfo, writeOnnxModel } from "@implicitrm/core/onnx";
