/**
 * @file Shards: split a dataset into n deterministic slices, accumulate each slice's raw moments
 * on its own machine, and merge the partial moments into the statistics of the whole — equal to
 * one run over everything to ~1e-15 relative (Chan's pairwise update, stats/moments.ts).
 *
 * Slice k of n (1-based) holds rows ⌊(k−1)·N/n⌋ … ⌊k·N/n⌋−1 of the sorted input, so every row is in
 * exactly one shard whatever N and n are.
 */
import { optionName } from '../options/mention.js';
import { shard } from '../options/validate.js';
import { InputError, UsageError } from '../core/errors.js';
import type { StatsMetadata } from '../core/types.js';
import { Moments, type MomentsState } from './moments.js';

/** Which slice of the input one run processes. */
export interface Shard {
  /** 1-based index. */
  readonly index: number;
  readonly count: number;
}

/**
 * Parse `k/n` (1 ≤ k ≤ n).
 * @throws {UsageError} anything else
 */
export function parseShard(text: string): Shard {
  const parsed = shard.parse(text);
  if (parsed === undefined) throw new UsageError(`${optionName('shard')} expects ${shard.expected}, got '${text}'`);
  return parsed;
}

/** The half-open row range [start, end) of shard k/n over `total` rows. */
export function shardRange(total: number, shard: Shard): { start: number; end: number } {
  return {
    start: Math.floor(((shard.index - 1) * total) / shard.count),
    end: Math.floor((shard.index * total) / shard.count),
  };
}

/**
 * {@link shardRange} of the input `label`, refusing an empty slice (more shards than samples), which
 * would hold no statistics.
 * @throws {InputError} naming the input and the most shards it can be split into
 */
export function nonEmptyShardRange(total: number, shard: Shard, label: string): { start: number; end: number } {
  const range = shardRange(total, shard);
  if (range.end === range.start) {
    throw new InputError(`${label}: shard ${shard.index}/${shard.count} of its ${total} sample(s) is empty; split it into at most ${total} shards`);
  }
  return range;
}

/** A shard file's contents: its moments and how they were made. */
export interface ShardPart {
  readonly path: string;
  readonly state: MomentsState;
  readonly metadata?: StatsMetadata;
}

/**
 * Merge shard moments into one accumulator, checking that the parts belong together: the same
 * dimension, extractor, protocol, layer and shard count, the same whole input (`inputId`,
 * `inputCount`), and every shard 1…n present exactly once.
 *
 * Shards of earlier fidkit versions record no input: they still merge with each other (unchecked),
 * but a mix of old and new shards is refused, since the old ones cannot be shown to belong.
 * @throws {InputError} a missing, duplicated or foreign shard, named by file
 */
export function mergeShards(parts: readonly ShardPart[]): { moments: Moments; metadata: StatsMetadata } {
  if (parts.length === 0) throw new UsageError('stats merge needs at least one shard file');
  const first = parts[0];
  for (const p of parts) {
    if (p.state.mean.length !== first.state.mean.length) {
      throw new InputError(`${p.path} has ${p.state.mean.length}-d moments but ${first.path} has ${first.state.mean.length}-d; shards must come from one extractor and layer`);
    }
    for (const key of ['extractor', 'protocol', 'layer', 'weightsSha256'] as const) {
      if (p.metadata?.[key] !== first.metadata?.[key]) {
        throw new InputError(
          `${p.path} was made with ${key} '${p.metadata?.[key] ?? 'unknown'}' but ${first.path} with '${first.metadata?.[key] ?? 'unknown'}'; merge only shards of one run`,
        );
      }
    }
    assertSameInput(p, first);
  }
  const shards = parts.map((p) => p.metadata?.shard);
  if (shards.every((s) => s !== undefined)) {
    const n = shards[0]!.count;
    const seen = new Map<number, string>();
    parts.forEach((p, i) => {
      const s = shards[i]!;
      if (s.count !== n) throw new InputError(`${p.path} is shard ${s.index}/${s.count} but ${first.path} is one of ${n}; merge shards of one split`);
      const other = seen.get(s.index);
      if (other) throw new InputError(`shard ${s.index}/${n} is given twice: ${other} and ${p.path}`);
      seen.set(s.index, p.path);
    });
    const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !seen.has(k));
    if (missing.length > 0) {
      throw new InputError(`shards ${missing.map((k) => `${k}/${n}`).join(', ')} are missing; the merged statistics would cover only part of the data`);
    }
  }
  const moments = new Moments(first.state.mean.length);
  for (const p of parts) moments.merge(p.state);
  const { shard: _shard, kind: _kind, count: _count, ...rest } = first.metadata ?? {};
  // Each shard's warnings (weights, skipped files) hold for the whole: keep them all, once.
  const warnings = [...new Set(parts.flatMap((p) => (Array.isArray(p.metadata?.warnings) ? p.metadata.warnings : [])))];
  return { moments, metadata: { ...rest, ...(first.metadata?.warnings !== undefined || warnings.length > 0 ? { warnings } : {}), count: moments.count } };
}

/** Shards of one input record the same `inputId` and `inputCount` (see {@link mergeShards}). */
function assertSameInput(p: ShardPart, first: ShardPart): void {
  const a = p.metadata?.inputId;
  const b = first.metadata?.inputId;
  if ((a === undefined) !== (b === undefined)) {
    const [old, recent] = a === undefined ? [p, first] : [first, p];
    throw new InputError(
      `${old.path} records no input (written by an earlier fidkit) but ${recent.path} does (inputId), so they cannot be shown to come from one input: re-create ${old.path} with this fidkit`,
    );
  }
  if (a !== b) {
    throw new InputError(
      `${p.path} and ${first.path} are shards of different inputs (inputId ${short(a)} vs ${short(b)}): merge only the shards of one input (folder, file, generator or digit set)`,
    );
  }
  if (p.metadata?.inputCount !== first.metadata?.inputCount) {
    throw new InputError(
      `${p.path} was cut from ${p.metadata?.inputCount} samples but ${first.path} from ${first.metadata?.inputCount} (inputCount): merge only the shards of one input (folder, file, generator or digit set)`,
    );
  }
}

const short = (id: string | undefined): string => (id === undefined ? 'none' : id.slice(0, 'sha256:'.length + 12) + '…');
