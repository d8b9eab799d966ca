/**
 * @file `fidkit extractors`: every feature extractor with its layers and widths, the default layer
 * per metric, the protocols it takes, where its weights come from and whether they are cached.
 * `--json` prints the same as one document (schema fidkit.extractors/1).
 */
import type { Command } from 'commander';
import { listExtractors, type ExtractorInfo } from '../api/extractors.js';
import type { CommandContext } from './context.js';
import { addOptions } from './flags.js';
import { expectedSha256 } from '../io/cache.js';

export function registerExtractors(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('extractors')
    .description('list the feature extractors: layers and widths, default layer per metric, protocols, weights source and whether they are cached');
  addOptions(cmd, 'extractors').action(async (flags: { cacheDir?: string; json?: boolean }) => {
    const report = await listExtractors({ cacheDir: flags.cacheDir });
    ctx.io.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : report.extractors.map(renderExtractor).join('\n'));
  });
}

/** Default layers grouped by layer: "fid, kid, prdc: pool3; is: logits_unbiased". */
function defaultsText(e: ExtractorInfo): string {
  const byLayer = new Map<string, string[]>();
  for (const [metric, layer] of Object.entries(e.defaultLayers)) byLayer.set(layer, [...(byLayer.get(layer) ?? []), metric]);
  return [...byLayer].map(([layer, metrics]) => `${metrics.join(', ')}: ${layer}`).join('; ');
}

function weightsText(e: ExtractorInfo): string[] {
  const w = e.weights;
  if (w.kind === 'argument') return [`${w.what}`];
  if (w.kind === 'bundled') return [`bundled: ${w.path} (${w.flag} DIR replaces it)`];
  const size = w.bytes === null ? 'size not pinned' : `${w.bytes.toLocaleString('en-US')} bytes`;
  return [
    `${w.urls[0]}`,
    ...w.urls.slice(1).map((u) => `mirror ${u}`),
    `SHA-256 ${expectedSha256(w.sha256 ?? '')}, ${size}`,
    w.cached ? `cached: ${w.path}` : `not cached (downloaded on first use to ${w.path}; or pass ${w.flag} PATH)`,
  ];
}

function renderExtractor(e: ExtractorInfo): string {
  const rows: [string, string[]][] = [
    ['layers', [e.layers.map((l) => `${l.name} (${l.dim ?? 'from the model'})`).join(', ')]],
    ['default layer', [defaultsText(e)]],
    ['protocols', [e.protocols.map((p, i) => (i === 0 && e.protocols.length > 1 ? `${p} (default)` : p)).join(', ')]],
    ['weights', weightsText(e)],
    ['batch size', [String(e.batchSize)]],
    ['fid reported as', [e.fdName]],
  ];
  const lines = [`${e.name} — ${e.description}`];
  for (const [label, values] of rows) values.forEach((v, i) => lines.push(`  ${(i === 0 ? label : '').padEnd(16)}${v}`));
  return lines.join('\n') + '\n';
}
