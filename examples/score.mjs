// examples/score.mjs: score generated digits against real ones (node examples/score.mjs)
import { score } from 'fidkit';

// Inputs are what the CLI takes: image folders, .npz statistics, .npy features, gen:… and mnist:… sets.
// Here 2,000 digits of the bundled GAN against 2,000 MNIST test digits, in the bundled classifier's features.
const report = await score(['gen:mnist-gan?n=2000&seed=1', 'mnist:test?n=2000'], {
  metrics: ['fid', 'is', 'prdc'],
  extractor: 'mnist',
});
const { fid, is, prdc } = report.metrics;
console.log(`FID ${fid.value.toFixed(3)}  IS ${is.mean.toFixed(3)} ± ${is.std.toFixed(3)}`);
console.log(`precision ${prdc.precision}  recall ${prdc.recall}  (k = ${prdc.k})`);
