/**
 * @file The one module that loads onnxruntime-node. It is imported lazily (on the first
 * `createSession`), so commands that never run a network never load the native library, and a
 * broken install fails with one clear message instead of at start-up. Everything else in fidkit
 * talks to ONNX Runtime through `OnnxSession`: float32 tensors in and out, plain typed arrays.
 */

import { availableParallelism } from 'node:os';
import { FidkitError, InputError } from '../core/errors.js';

/** How a session runs; every field has a measured default (see bench/inception.ts). */
export interface SessionOptions {
  /**
   * Threads for one operator (ORT intra-op). Default: the machine's available parallelism. On the
   * 2-core reference machine, 2 threads gave 1.9× the images/s of 1 thread for the Inception network
   * when the machine was otherwise idle (bench/inception.ts).
   */
  readonly threads?: number;
  /**
   * ORT graph optimisation level. Default `'all'`: on x86 it rewrites convolutions into MLAS's
   * blocked NCHWc layout, ~1.4× the throughput of `'extended'` for the Inception network.
   */
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Whether idle ORT worker threads spin waiting for work. Default `false`: fidkit decodes images on
   * the same cores while the network runs, and on a busy 2-core machine spinning cost ~15 % of the
   * images per CPU-second (bench/inception.ts --sweep).
   */
  readonly spinning?: boolean;
  /**
   * Write ONNX Runtime's optimised graph to this path while the session is created. Loading that
   * file later with `optimization: 'disabled'` skips the graph rewrites (layout changes, fusions,
   * constant folding) — only on the same machine: the `'all'` level's layout is CPU-specific.
   */
  readonly saveOptimizedModel?: string;
}

/** The onnxruntime-node version (loads it), for keys of files ORT writes. */
export async function onnxRuntimeVersion(): Promise<string> {
  const ort = await loadOrt();
  return ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown';
}

/** A float32 tensor: data in C order with its shape. */
export interface Float32Tensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** A float32 or float64 tensor (the float64 Gram products in `linalg/gram-onnx.ts`). */
export interface NumericTensor {
  readonly data: Float32Array | Float64Array;
  readonly dims: readonly number[];
}

/** A loaded model, ready to run. */
export interface OnnxSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Runs the model on float32 inputs and returns the requested float32 outputs (all by default).
   * @throws {InputError} when an input is missing or ONNX Runtime rejects a shape.
   */
  run(feeds: Readonly<Record<string, Float32Tensor>>, outputs?: readonly string[]): Promise<Record<string, Float32Tensor>>;
  /**
   * `run` with float32 or float64 tensors in and out. Inputs are passed to ONNX Runtime without a
   * copy (a typed-array view of a larger buffer is fine).
   * @throws {InputError} as `run`, or when an output is neither float32 nor float64.
   */
  runNumeric(feeds: Readonly<Record<string, NumericTensor>>, outputs?: readonly string[]): Promise<Record<string, NumericTensor>>;
  /** Frees the native session; the object must not be used afterwards. */
  release(): Promise<void>;
}

type Ort = typeof import('onnxruntime-node');
let ortPromise: Promise<Ort> | undefined;

/**
 * Loads onnxruntime-node once.
 * @throws {FidkitError} when the native package cannot be loaded, with how to fix it.
 */
async function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').catch((cause: unknown) => {
    ortPromise = undefined;
    throw new FidkitError(
      'E_INPUT',
      `could not load onnxruntime-node, which runs the feature networks (${String(cause)}). ` +
        'Reinstall it with `npm install onnxruntime-node` (offline installs need `onnxruntime-node-install=skip` in .npmrc); ' +
        'it ships prebuilt binaries for linux/macOS/windows on x64 and arm64.',
      { cause },
    );
  });
  return ortPromise;
}

/**
 * Creates a CPU session from serialised ONNX bytes or a `.onnx` path.
 * @throws {FidkitError} when onnxruntime-node is missing; {InputError} when ORT rejects the model.
 */
export async function createSession(model: Uint8Array | string, options: SessionOptions = {}): Promise<OnnxSession> {
  const ort = await loadOrt();
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new InputError(`threads must be a positive integer, got ${threads}`);
  const sessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: options.optimization ?? 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } },
    ...(options.saveOptimizedModel === undefined ? {} : { optimizedModelFilePath: options.saveOptimizedModel }),
  } satisfies import('onnxruntime-node').InferenceSession.SessionOptions;
  let session: import('onnxruntime-node').InferenceSession;
  try {
    session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, sessionOptions)
        : await ort.InferenceSession.create(model, sessionOptions);
  } catch (cause) {
    throw new InputError(`ONNX Runtime could not load the model${typeof model === 'string' ? ` ${model}` : ''}: ${String(cause)}`, { cause });
  }
  const runAny = async (feeds: Readonly<Record<string, NumericTensor>>, outputs?: readonly string[]): Promise<Record<string, NumericTensor>> => {
    const ortFeeds: Record<string, import('onnxruntime-node').Tensor> = {};
    for (const name of session.inputNames) {
      const feed = feeds[name];
      if (feed === undefined) throw new InputError(`model input '${name}' was not given (inputs: ${session.inputNames.join(', ')})`);
      ortFeeds[name] = feed.data instanceof Float64Array
        ? new ort.Tensor('float64', feed.data, [...feed.dims])
        : new ort.Tensor('float32', feed.data, [...feed.dims]);
    }
    let results: import('onnxruntime-node').InferenceSession.OnnxValueMapType;
    try {
      results = outputs === undefined ? await session.run(ortFeeds) : await session.run(ortFeeds, [...outputs]);
    } catch (cause) {
      throw new InputError(`ONNX Runtime failed to run the model: ${String(cause)}`, { cause });
    }
    const out: Record<string, NumericTensor> = {};
    for (const [name, value] of Object.entries(results)) {
      if (value.type !== 'float32' && value.type !== 'float64') throw new InputError(`model output '${name}' is ${value.type}, expected float32 or float64`);
      out[name] = { data: value.data as Float32Array | Float64Array, dims: value.dims };
    }
    return out;
  };
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, outputs) {
      const out = await runAny(feeds, outputs);
      for (const [name, value] of Object.entries(out)) {
        if (!(value.data instanceof Float32Array)) throw new InputError(`model output '${name}' is float64, expected float32`);
      }
      return out as Record<string, Float32Tensor>;
    },
    runNumeric: runAny,
    async release() {
      await session.release();
    },
  };
}
