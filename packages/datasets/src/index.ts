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
} from "./io.js";
export { defaultHfCacheDir, fetchHuggingFaceDataset, type HfDatasetFiles, type HfFetchOptions } from "./io-hf.js";
export {
  FeatureStore,
  FeatureStoreWriter,
  type FeatureStoreWriterOptions,
  type OpenFeatureStoreOptions,
  type StoreRows,
  isFeatureStore,
  openFeatureStore,
  verifyFeatureStore,
} from "./io-store.js";
