/**
 * @file One entry point from a generator spec to an `ImageGenerator`: a bundled name
 * (`mnist-gan`, `mnist-vae`) or a path ending in `.onnx` (a user's generator, see
 * `onnx-generator.ts` for the contract). Used by `fidkit sample`, the sweep and `score gen:…`.
 */
import { calledFromCli, optionName } from '../options/mention.js';
import { UsageError } from '../core/errors.js';
import { loadBundledGenerator } from './mnist/bundled-generators.js';
import { BUNDLED_GENERATORS, type BundledGeneratorName } from './mnist/model-files.js';
import { loadOnnxGenerator, type ImageLayout, type OnnxGenerator, type ValueRange } from '../generators/onnx-generator.js';

export interface LoadGeneratorOptions {
  /** ONNX only: output layout (overrides the model's metadata and shape inference). */
  readonly layout?: ImageLayout;
  /** ONNX only: output value range (overrides the model's metadata and output operator). */
  readonly range?: ValueRange;
  /** ONNX only: latent width d when the model leaves it dynamic. */
  readonly latentDim?: number;
  /** Bundled names only: a folder written by `fidkit train gan|vae` to use instead of the bundled weights. */
  readonly model?: string;
  /** ONNX Runtime intra-op threads (default: all cores). */
  readonly threads?: number;
  /** Codes per ONNX Runtime call (default 256). */
  readonly batchSize?: number;
}

/** True when `spec` names an ONNX file rather than a bundled generator. */
export function isOnnxGeneratorSpec(spec: string): boolean {
  return spec.toLowerCase().endsWith('.onnx');
}

/**
 * Load the generator `spec` names.
 * @example const gen = await loadGenerator('mnist-gan'); // or 'dcgan.onnx', { range: '-1,1' }
 * @throws {UsageError} for an unknown name (listing the valid ones), or ONNX-only options with a
 *   bundled generator (and `model` with an ONNX file); otherwise what {@link loadOnnxGenerator} or
 *   {@link loadBundledGenerator} throw.
 */
export async function loadGenerator(spec: string, options: LoadGeneratorOptions = {}): Promise<OnnxGenerator> {
  const { layout, range, latentDim, model, threads, batchSize } = options;
  if (isOnnxGeneratorSpec(spec)) {
    if (model !== undefined) throw new UsageError(`${optionName('model')} applies to the bundled generators (${BUNDLED_GENERATORS.join(', ')}), not to ${spec}`);
    return loadOnnxGenerator(spec, { layout, range, latentDim, threads, batchSize });
  }
  if (!(BUNDLED_GENERATORS as readonly string[]).includes(spec)) {
    throw new UsageError(`unknown generator '${spec}'; valid generators: ${BUNDLED_GENERATORS.join(', ')}, or a path to an .onnx file`);
  }
  const onnxOnly = (['layout', 'range', 'latentDim'] as const).filter((id) => options[id] !== undefined);
  if (onnxOnly.length > 0) {
    const many = onnxOnly.length > 1;
    const names = calledFromCli() ? onnxOnly.map(optionName).join(', ') : `the option${many ? 's' : ''} ${onnxOnly.join(', ')}`;
    throw new UsageError(`${names} ${many ? 'apply' : 'applies'} to .onnx generators only; ${spec} is bundled (28×28 grayscale in [0, 1])`);
  }
  return loadBundledGenerator(spec as BundledGeneratorName, { model, threads, batchSize });
}
