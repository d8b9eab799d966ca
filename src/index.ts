/**
 * @file fidkit's public API: re-exports only. Metrics are pure functions of typed arrays; I/O
 * helpers read and write the files the Python tools use.
 *
 * @example
 * import { readStatisticsFile, frechetDistance } from 'fidkit';
 * const a = await readStatisticsFile('generated.npz');
 * const b = await readStatisticsFile('reference.npz');
 * console.log(frechetDistance(a.stats, b.stats).value);
 */
export { DEFAULTS, METRICS, PROTOCOLS } from './options/schema.js';
export type { FidSingularMode, MetricName, Protocol } from './options/schema.js';
export { FidkitError, FormatError, InputError, UsageError } from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
export type { FeatureMatrix, FidStatistics, StateDict, Tensor, TensorDtype } from './core/types.js';

export { featureMatrixFromNpy, readNpy, readNpyFile, writeNpy } from './io/npy.js';
export type { NdArray, NpyDtype } from './io/npy.js';
export { readNpz, readNpzFile, writeNpz } from './io/npz.js';
export {
  encodeStatistics,
  readMomentsFile,
  readStatisticsFile,
  statisticsFromMembers,
  writeMomentsFile,
  writeStatisticsFile,
} from './io/stats-file.js';
export type { StatsMetadata } from './io/stats-file.js';

export { Moments, momentsFromFeatures } from './stats/moments.js';
export type { MomentsState } from './stats/moments.js';

export * from './metrics/cmmd.js';
export * from './metrics/frechet.js';
export * from './metrics/inception-score.js';
export * from './metrics/kid.js';
export * from './metrics/prdc.js';
export { RandomState } from './random/random-state.js';

export { score, scoreLoaded, SCORE_SCHEMA } from './api/score.js';
export { loadInput } from './api/inputs.js';
export type { LoadedInput } from './api/inputs.js';
export { extractorEntry, extractorNames, extractorSpecs, fdNameOf, HASH_WEIGHTS, loadExtractor, officialWeights, registerExtractor } from './features/registry.js';
export type { ExtractorIdentity, ExtractorRequest, ExtractorSpec, LoadedExtractor, WeightsSource } from './features/registry.js';
export { resolveWeights } from './features/weights.js';
export { listExtractors, EXTRACTORS_SCHEMA } from './api/extractors.js';
export type { ExtractorInfo, ExtractorsReport } from './api/extractors.js';
export { loadOnnxExtractor } from './features/onnx/index.js';
export type { OnnxExtractor, OnnxExtractorOptions, OnnxSpec, OnnxSpecOptions } from './features/onnx/index.js';
export { resizeImage, RESIZE_METHODS, clipResizeCrop, cmmdResizeCrop } from './features/resize.js';
export type { ResizeMethod } from './features/resize.js';
export type { FeatureExtractor } from './features/extractor.js';
export { extractFiles } from './features/extract.js';
export { loadInception } from './features/inception/index.js';
export { loadVgg16, VGG16_DEFAULT_LAYERS, VGG16_OUTPUT_DIMS } from './features/vgg16/index.js';
export { vgg16ModelParts } from './features/vgg16/graph.js';
export { VGG16_WEIGHTS } from './features/vgg16/weights.js';
export { loadDinov2, DINOV2_ARCHS, DINOV2_DEFAULT_LAYERS, DINOV2_PROTOCOLS } from './features/dinov2/index.js';
export { dinov2ModelParts } from './features/dinov2/graph.js';
export { dinov2WeightsFile } from './features/dinov2/weights.js';
export { loadMnistClassifier } from './features/mnist/index.js';
export { readPth, openPthFile, type PthOptions } from './io/pth.js';
export { assertInceptionStateDict } from './features/inception/state-dict.js';
export { decodeImage } from './io/images.js';
export { listImages } from './io/folder.js';
export type { ScoreOptions, ScoreReport } from './api/score.js';
export { parseVerifyGroups, VERIFY_ALIASES, verifyFixtures } from './api/verify.js';
export type { VerifyRow } from './api/verify.js';
export { VERSION } from './core/version.js';

// Generators, truncated sampling, the sweep and the latent experiments.
export type { ImageGenerator } from './generators/generator.js';
export { loadGenerator } from './models/load-generator.js';
export { loadOnnxGenerator } from './generators/onnx-generator.js';
export { sampleBatches, sampleImages, toRgb8 } from './generators/sample.js';
export type { SampledImages, SampleBatch, SampleOptions } from './generators/sample.js';
export { DEFAULT_TRUNCATION_MODE, latentMoments, parseTruncation, sampleLatents, TRUNCATION_MODES } from './generators/truncation.js';
export type { TruncationMode } from './generators/truncation.js';
export { formatGeneratorInput, openVirtualInput, parseGeneratorInput } from './api/sources.js';
export { DEFAULT_TRUNCATIONS, planSweep, sampleSizeEffects, sweep, sweepExtractor, SWEEP_SCHEMA } from './api/sweep.js';
export type { SweepOptions, SweepPlan, SweepReport, SweepRow } from './api/sweep.js';
export { inpaint, interpolate, reconstruct } from './latent/experiments.js';
export { lerp, slerp } from './latent/interpolate.js';
export { writeImageGrid, writeImagePngs } from './report/image-grid.js';
export { writeSweepPlot } from './report/plot.js';
export { loadMnist } from './models/mnist/mnist-data.js';
