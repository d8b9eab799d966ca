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
