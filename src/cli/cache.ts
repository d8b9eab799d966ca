/**
 * @file `fidkit cache ls|clear`: what the feature cache holds (source, extractor, weights,
 * protocol, layers, N, size, last use), and deleting all of it or what was not used for a while.
 * Downloaded weights and built models stay (they are verified and expensive to fetch again). Both
 * first remove the temporary files of killed runs (SIGKILL, power loss), which no signal handler could.
 */
import type { Command } from 'commander';
import { removeStaleCacheTemporaries, resolveCacheDir } from '../io/cache.js';
import { clearFeatureCache, featureCacheDir, listFeatureCache, type FeatureCacheListing } from '../io/feature-cache.js';
import { formatBytes } from '../core/bytes.js';
import { renderTable } from '../report/table.js';
import { VERSION } from '../core/version.js';
import { addOptions } from './flags.js';
import type { CommandContext } from './context.js';

/** Schema of `fidkit cache ls --json`. */
export const CACHE_SCHEMA = 'fidkit.cache/1';

const UNKNOWN = '?';

export function registerCache(program: Command, ctx: CommandContext): void {
  const cache = program.command('cache').description('inspect or empty the feature cache');
  const ls = cache.command('ls').description('list the cached feature entries, least recently used first');
  addOptions(ls, 'cache ls').action(async (flags: { cacheDir?: string; json?: boolean }) => {
    await removeStale(ctx, flags.cacheDir);
    const entries = await listFeatureCache(flags.cacheDir);
    const dir = featureCacheDir(flags.cacheDir);
    const total = entries.reduce((s, e) => s + e.bytes, 0);
    if (flags.json) {
      const doc = { schema: CACHE_SCHEMA, fidkit: VERSION, dir, totalBytes: total, entries: entries.map(jsonEntry) };
      ctx.io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      return;
    }
    const table = renderTable(
      ['key', 'source', 'extractor', 'weights', 'protocol', 'layers', 'N', 'MB', 'last used'],
      entries.map((e) => [
        e.key.slice(0, 12),
        e.info?.source ?? UNKNOWN,
        e.info?.extractor ?? UNKNOWN,
        e.info ? e.info.weights.slice(0, 12) : UNKNOWN,
        e.info?.protocol ?? UNKNOWN,
        e.info ? layerList(e.info) : UNKNOWN,
        e.info?.count ?? UNKNOWN,
        Number((e.bytes / 1e6).toFixed(1)),
        e.lastUsed.toISOString().slice(0, 16).replace('T', ' '),
      ]),
    );
    ctx.io.stdout.write(`${entries.length > 0 ? table : ''}${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, ${formatBytes(total)} in ${dir}\n`);
  });
  const clear = cache.command('clear').description('delete the cached feature entries (all, or those not used for a while)');
  addOptions(clear, 'cache clear').action(async (flags: { cacheDir?: string; olderThan?: number; quiet?: boolean }) => {
    await removeStale(ctx, flags.cacheDir);
    const { removed, bytes } = await clearFeatureCache(flags.cacheDir, { olderThanMs: flags.olderThan });
    if (!flags.quiet) {
      const which = flags.olderThan === undefined ? '' : ` last used over ${formatAge(flags.olderThan)} ago`;
      ctx.io.stderr.write(`removed ${removed.length} cached entr${removed.length === 1 ? 'y' : 'ies'}${which} (${formatBytes(bytes)}) from ${featureCacheDir(flags.cacheDir)}\n`);
    }
  });
}

/** An age in the largest whole unit `--older-than` takes: 30d, 36h, 90m. */
function formatAge(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${Number((ms / 60_000).toFixed(2))}m`;
}

function layerList(info: NonNullable<FeatureCacheListing['info']>): string {
  return [...new Set(Object.values(info.layers ?? {}))].join(',') || UNKNOWN;
}

function jsonEntry(e: FeatureCacheListing) {
  const i = e.info;
  return {
    key: e.key,
    source: i?.source ?? null,
    extractor: i?.extractor ?? null,
    weights: i?.weights ?? null,
    protocol: i?.protocol ?? null,
    layers: i?.layers ?? null,
    count: i?.count ?? null,
    bytes: e.bytes,
    created: i?.created ?? null,
    lastUsed: e.lastUsed.toISOString(),
  };
}

/** Remove `*.tmp.<pid>.<hex>` files of processes that are gone, from each folder of the cache. */
async function removeStale(ctx: CommandContext, cacheDir: string | undefined): Promise<void> {
  const root = resolveCacheDir({ cacheDir });
  const n = (await removeStaleCacheTemporaries({ cacheDir })).length;
  if (n > 0) ctx.io.stderr.write(`removed ${n} temporary file${n === 1 ? '' : 's'} left by killed runs in ${root}\n`);
}
