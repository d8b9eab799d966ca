/**
 * @file Shapes shared by every module: feature matrices and FID statistics.
 * Matrices are row-major typed arrays with their dimensions next to them.
 */

/** N×D features (or logits), row-major: row i is `data.subarray(i*cols, (i+1)*cols)`. */
export interface FeatureMatrix {
  readonly data: Float32Array | Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/** Mean and covariance of D-dimensional features, as in pytorch-fid's `--save-stats` files. */
export interface FidStatistics {
  /** Mean, length D. */
  readonly mu: Float64Array;
  /** Covariance, D×D row-major, ÷(N−1). */
  readonly sigma: Float64Array;
  /** Number of samples behind the statistics, when known (pytorch-fid's files do not store it). */
  readonly count?: number;
}

/** Element types a tensor can hold after loading (float16/bfloat16 are widened to float32). */
export type TensorDtype = 'float32' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** A dense tensor in C (row-major) order; a 0-d tensor has `shape = []` and one element. */
export interface Tensor {
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;
}

/** A PyTorch-style state dict: parameter name → tensor, in the file's order. */
export type StateDict = Map<string, Tensor>;

/** How a statistics file was made; every field optional (pytorch-fid's files carry none). */
export interface StatsMetadata {
  /** 'stats' for mu/sigma files, 'moments' for shard files. */
  readonly kind?: 'stats' | 'moments';
  readonly extractor?: string;
  readonly protocol?: string;
  readonly layer?: string;
  readonly weightsSha256?: string;
  readonly count?: number;
  readonly fidkitVersion?: string;
  /** Shard k/n this file covers, when it is a shard. */
  readonly shard?: { readonly index: number; readonly count: number };
  /**
   * Shards: what identifies the whole input they were cut from, so `stats merge` refuses shards of
   * different inputs: `sha256:` of the sorted relative paths with sizes (folders) or of the file's
   * bytes (`.npy`). Absent in shards of earlier fidkit versions.
   */
  readonly inputId?: string;
  /** Shards: samples in the whole input (all n shards together). */
  readonly inputCount?: number;
  /**
   * The extractor that made the statistics, by name: weights SHA-256 (null for the test weights),
   * whether they are the official file, where they came from, and its warnings (features/extractor.ts
   * `ExtractorIdentity`). Absent in files of earlier fidkit versions and for `.npy` inputs.
   */
  readonly extractors?: Readonly<Record<string, unknown>>;
  /** The warnings `fidkit stats` printed while making the file. */
  readonly warnings?: readonly string[];
  readonly [key: string]: unknown;
}
