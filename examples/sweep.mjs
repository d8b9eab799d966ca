// examples/sweep.mjs: the truncation sweep as data (node examples/sweep.mjs)
import { sweep } from 'fidkit';

// fidkit sweep's defaults: mnist-gan against the MNIST test digits (as many as each set), extractor
// chosen by the sweep's rule, plus a real-data row and the VAE for comparison.
const report = await sweep({ count: 1000, truncations: [0.5, 1, 2] });
console.log(`extractor ${report.extractor} (${report.extractorReason})`);
for (const row of report.rows) {
  console.log(`${row.label.padEnd(30)} FID ${row.fid.toFixed(2).padStart(6)}  IS ${row.is.mean.toFixed(2)}  precision ${row.precision.toFixed(3)}  recall ${row.recall.toFixed(3)}`);
}
