/**
 * @implicitrm/datasets (Node): everything of the browser-safe entry (`@implicitrm/datasets/browser`)
 * plus the file loaders and loading by Hugging Face dataset name.
 */
export * from "./browser.js";
export {
  type LoadRatedOptions,
  loadImplicitLog,
  loadRatedDataset,
  readDataFile,
  readNormalizedJsonl,
} from "./node/io.js";
export { defaultHfCacheDir, fetchHuggingFaceDataset, type HfDatasetFiles, type HfFetchOptions } from "./node/hf.js";
export { FeatureStore, type OpenFeatureStoreOptions, isFeatureStore, openFeatureStore, verifyFeatureStore } from "./store/reader.js";
export { FeatureStoreWriter, type FeatureStoreWriterOptions, type StoreRows } from "./store/writer.js";
