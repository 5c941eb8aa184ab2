/**
 * Feature stores as datasets (`--data <store directory>`, written by `implicitrm embed`): the rows
 * stay on disk and are read in blocks as training asks for them, so a set larger than memory
 * trains. Rated stores get their implicit feedback simulated with the run's seed, and every store
 * is split exactly as the text or features file it was made from would be.
 */
import type { SplitRowSources } from "@implicitrm/core";
import { type FeatureStore, openFeatureStore, selectRows, splitIndices } from "@implicitrm/datasets";
import type { SimulationSettings } from "./data.js";
import { splitEncodedRows } from "./text-data.js";

// One open store per directory and process (bench loads a dataset once per seed).
const open = new Map<string, FeatureStore>();

/** The store at `dir`, opened once per process (checked on the first open; see `openFeatureStore`). */
export function featureStore(dir: string): FeatureStore {
  let store = open.get(dir);
  if (!store) {
    store = openFeatureStore(dir);
    open.set(dir, store);
  }
  return store;
}

/**
 * Loads a feature store as train/validation/test splits. 'rated': implicit feedback simulated from
 * the stored ratings (as for rated text data, same seed, same draws), 20 % clean test split.
 * 'log': r as logged, the stored activity block, no test split. 'features': r (and r*, groups and
 * activity where stored) as given, a test split when r* is there, as for a features JSONL file.
 */
export function loadStoreDataset(dir: string, seed: number, sim: SimulationSettings, threshold: number | null): SplitRowSources {
  const store = featureStore(dir);
  const h = store.header;
  const encoder = h.encoder?.id ?? "(precomputed)";
  const readRows = store.readRows.bind(store);
  if (h.kind === "rated" || h.kind === "log") {
    const promptIds = store.group ?? Int32Array.from({ length: store.n }, (_, i) => i);
    const splits = splitEncodedRows(
      {
        kind: h.kind,
        name: dir,
        n: store.n,
        dim: store.dim,
        readRows,
        promptIds,
        lengths: store.length ?? new Float32Array(store.n),
        ...(h.kind === "rated" ? { ratings: store.rating!, rated: h.rated! } : { r: store.r }),
        ...(store.activity ? { activity: store.activity } : {}),
      },
      seed,
      sim,
      { threshold, encoder },
    );
    splits.info.store = true;
    return splits;
  }
  const split = splitIndices(store.n, { seed, testFraction: store.rStar ? 0.2 : 0, ...(store.group ? { group: store.group } : {}) });
  let positives = 0;
  for (let i = 0; i < store.n; i++) positives += store.r[i]!;
  return {
    name: dir,
    train: selectRows(store, split.train),
    validation: selectRows(store, split.validation),
    test: selectRows(store, split.test),
    info: {
      source: dir,
      store: true,
      n: store.n,
      dim: store.dim,
      encoder,
      cleanLabels: store.rStar !== undefined,
      feedbackRate: positives / store.n,
      ...(store.activity ? { activityDim: store.activity.dim } : {}),
      nTrain: split.train.length,
      nValidation: split.validation.length,
      nTest: split.test.length,
    },
  };
}
