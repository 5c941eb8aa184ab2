/**
 * `@implicitrm/core/onnx`: the ONNX model writer that backends (the MLP heads' graphs) and encoders
 * (the tiny BERT test fixture) build their graphs with, and the reward head's scoring graph that
 * `implicitrm export` writes. No Node built-in and no tfjs import.
 * @internal Shared by this repository's packages; not part of the public API, may change in any release.
 */
export {
  ONNX_IR_VERSION,
  type OnnxAttribute,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  OnnxType,
  type OnnxTypeCode,
  type OnnxValueInfo,
  writeOnnxModel,
} from "./writer.js";
export {
  REWARD_GRAPH_IO,
  REWARD_GRAPH_OPSET,
  REWARD_GRAPH_SLOPE,
  type RewardGraphOptions,
  type RewardNormalization,
  rewardGraph,
  writeRewardGraph,
} from "./reward-graph.js";
