/**
 * Feature stores as datasets (written by `implicitrm embed`; Node only): the rows stay on disk and
 * are read in blocks as training asks for them, so a set larger than memory trains. Rated stores get
 * their implicit feedback simulated with the run's seed, and every store is split exactly as the
 * text or features file it was made from would be (see splits.ts).
 */
import type { SplitRowSources } from "@implicitrm/core/types";
import { type SimulationSettings, splitEncodedRows, splitObservedRows } from "../splits.js";
import { type FeatureStore, openFeatureStore } from "./reader.js";

// One open store per directory and process (bench loads a dataset once per seed).
const open = new Map<string, FeatureStore>();

function featureStore(dir: string): FeatureStore {
  let store = open.get(dir);
  if (!store) {
    store = openFeatureStore(dir);
    open.set(dir, store);
  }
  return store;
}

/** The splits with the store's encoder (a copy of the header's), when one made the features. */
function withEncoder(splits: SplitRowSources, e: FeatureStore["header"]["encoder"]): SplitRowSources {
  if (e) splits.encoder = { ...(e.spec ? { spec: e.spec } : {}), id: e.id, dim: e.dim, config: { ...e.config } };
  return splits;
}

/**
 * Loads the feature store at `dir` (opened and checked once per process, see `openFeatureStore`)
 * as train/validation/test splits. 'rated': implicit feedback simulated from the stored ratings (as
 * for rated text data, same seed, same draws; r* above `threshold`, null = the simulator's default),
 * 20 % clean test split. 'log': r as logged, the stored activity block, no test split. 'features':
 * r (and r*, groups and activity where stored) as given, a test split when r* is there, as for a
 * features JSONL file. The splits carry the header's encoder (`encoder`) when one made the features.
 */
export function loadStoreDataset(dir: string, seed: number, sim: SimulationSettings, threshold: number | null): SplitRowSources {
  const store = featureStore(dir);
  const h = store.header;
  const encoder = h.encoder?.id ?? "(precomputed)";
  if (h.kind === "rated" || h.kind === "log") {
    const promptIds = store.group ?? Int32Array.from({ length: store.n }, (_, i) => i);
    const splits = splitEncodedRows(
      {
        kind: h.kind,
        name: dir,
        n: store.n,
        dim: store.dim,
        readRows: store.readRows.bind(store),
        promptIds,
        lengths: store.length ?? new Float32Array(store.n),
        ...(h.kind === "rated" ? { ratings: store.rating!, rated: h.rated! } : { r: store.r }),
        ...(h.kind === "log" && store.explicitNegative ? { explicitNegative: store.explicitNegative } : {}),
        ...(store.activity ? { activity: store.activity } : {}),
      },
      seed,
      sim,
      { threshold, encoder },
    );
    splits.info.store = true;
    return withEncoder(splits, h.encoder);
  }
  return withEncoder(splitObservedRows(store, dir, seed, { encoder }), h.encoder);
}
