// examples/sweep.mjs: the truncation sweep as data (node examples/sweep.mjs)
import { sweep } from 'fidkit';

const report = await sweep({
  generator: 'mnist-gan',
  reference: 'mnist:test?n=1000',
  extractor: 'mnist',
  truncations: [0.5, 1, 2],
  count: 1000,
});
for (const row of report.rows) {
  console.log(`${row.label.padEnd(28)} FID ${row.fid.toFixed(2).padStart(6)}  IS ${row.is.mean.toFixed(2)}  precision ${row.precision.toFixed(3)}  recall ${row.recall.toFixed(3)}`);
}
