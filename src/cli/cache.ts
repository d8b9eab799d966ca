/**
 * @file `fidkit cache ls|clear`: what the feature cache holds, and emptying it. Downloaded weights
 * and built models stay (they are verified and expensive to fetch again). Both first remove the
 * temporary files of killed runs (SIGKILL, power loss), which no signal handler could.
 */
import type { Command } from 'commander';
import { removeStaleCacheTemporaries, resolveCacheDir } from '../io/cache.js';
import { clearFeatureCache, featureCacheDir, listFeatureCache } from '../io/feature-cache.js';
import { renderTable } from '../report/table.js';
import type { CommandContext } from './main.js';

export function registerCache(program: Command, ctx: CommandContext): void {
  const cache = program.command('cache').description('inspect or empty the feature cache');
  cache
    .command('ls')
    .description('list cached feature entries')
    .option('--cache-dir <dir>', 'cache folder (default $FIDKIT_CACHE, else $XDG_CACHE_HOME/fidkit, else ~/.cache/fidkit)')
    .action(async (flags: { cacheDir?: string }) => {
      await removeStale(ctx, flags.cacheDir);
      const entries = await listFeatureCache(flags.cacheDir);
      const total = entries.reduce((s, e) => s + e.bytes, 0);
      ctx.io.stdout.write(
        renderTable(
          ['key', 'MB', 'modified'],
          entries.map((e) => [e.key.slice(0, 16), Number((e.bytes / 1e6).toFixed(1)), e.modified.toISOString()]),
        ) + `${entries.length} entries, ${(total / 1e6).toFixed(1)} MB in ${featureCacheDir(flags.cacheDir)}\n`,
      );
    });
  cache
    .command('clear')
    .description('delete every cached feature entry')
    .option('--cache-dir <dir>', 'cache folder')
    .action(async (flags: { cacheDir?: string; quiet?: boolean }) => {
      await removeStale(ctx, flags.cacheDir);
      const n = await clearFeatureCache(flags.cacheDir);
      if (!flags.quiet) ctx.io.stderr.write(`removed ${n} cached entries from ${featureCacheDir(flags.cacheDir)}\n`);
    });
}

/** Remove `*.tmp.<pid>.<hex>` files of processes that are gone, from each folder of the cache. */
async function removeStale(ctx: CommandContext, cacheDir: string | undefined): Promise<void> {
  const root = resolveCacheDir({ cacheDir });
  const n = (await removeStaleCacheTemporaries({ cacheDir })).length;
  if (n > 0) ctx.io.stderr.write(`removed ${n} temporary file${n === 1 ? '' : 's'} left by killed runs in ${root}\n`);
}
