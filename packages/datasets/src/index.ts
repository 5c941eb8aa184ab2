/**
 * @implicitrm/datasets (Node): everything of the browser-safe entry (`@implicitrm/datasets/browser`)
 * plus the file loaders (node/), loading by Hugging Face dataset name, and feature stores on disk
 * (store/: reader, writer, and stores as labelled splits).
 */
export * from "./browser.js";
export {
  type DataSource,
  type LoadRatedOptions,
  loadFeaturesFile,
  loadImplicitLog,
  loadRatedDataset,
  readDataFile,
  readDataSource,
  readNormalizedJsonl,
} from "./node/io.js";
export { type RecordStream, type StreamRecordsOptions, streamRecords } from "./node/stream.js";
export { defaultHfCacheDir, fetchHuggingFaceDataset, type HfDatasetFiles, type HfFetchOptions } from "./node/hf.js";
export { FeatureStore, type OpenFeatureStoreOptions, isFeatureStore, openFeatureStore, verifyFeatureStore } from "./store/reader.js";
export { FeatureStoreWriter, type FeatureStoreWriterOptions, type StoreRows } from "./store/writer.js";
export { loadStoreDataset } from "./store/splits.js";
