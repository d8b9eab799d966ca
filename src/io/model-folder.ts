/**
 * @file Reading a model folder written by `fidkit train` (all three models): `model.json` — its
 * `format` tag, the `parameters` names and shapes, the name of the weights file — and that raw
 * little-endian float32 weights file, checked against the parameter table fidkit expects.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FidkitError, FormatError } from '../core/errors.js';
import { unpackParams, type ParamTable, type Weights } from './params.js';

/** What a model folder must be. */
export interface ModelFolderSpec {
  readonly format: string;
  readonly params: ParamTable;
  /** Ends "… lists parameters of another architecture than <architecture>". */
  readonly architecture: string;
  /** The message when `model.json` cannot be read (what to pass instead, how to restore it). */
  notFound(modelPath: string): string;
  /** Split the weights file (default: {@link unpackParams} over `params`). */
  unpack?(bytes: Uint8Array, source: string): Weights;
}

export interface ModelFolder {
  /** The parsed `model.json` (architecture, training record, …). */
  readonly json: Record<string, unknown>;
  readonly weights: Weights;
  /** The raw weights file (for hashing). */
  readonly bytes: Uint8Array;
  readonly modelPath: string;
}

/**
 * Read a model folder (or its `model.json`).
 * @throws {FidkitError} `E_NOT_FOUND` when a file is missing; {@link FormatError} when the JSON is
 *   malformed, of another format, or lists another architecture, or the weights have the wrong size.
 */
export async function readModelFolder(path: string, spec: ModelFolderSpec): Promise<ModelFolder> {
  const modelPath = path.endsWith('.json') ? path : join(path, 'model.json');
  const text = await readFile(modelPath, 'utf8').catch((cause: unknown) => {
    throw new FidkitError('E_NOT_FOUND', spec.notFound(modelPath), { cause });
  });
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new FormatError(`${modelPath} is not valid JSON`, { cause });
  }
  if (json.format !== spec.format) throw new FormatError(`${modelPath} has format '${String(json.format)}', expected '${spec.format}'`);
  const listed = json.parameters;
  const same =
    Array.isArray(listed) &&
    listed.length === spec.params.length &&
    spec.params.every((p, i) => listed[i]?.name === p.name && Array.isArray(listed[i]?.shape) && listed[i].shape.join('x') === p.shape.join('x'));
  if (!same) throw new FormatError(`${modelPath} lists parameters of another architecture than ${spec.architecture}`);
  const weightsPath = join(dirname(modelPath), String(json.weights));
  const bytes = await readFile(weightsPath).catch((cause: unknown) => {
    throw new FidkitError('E_NOT_FOUND', `${modelPath} names weights ${weightsPath}, which cannot be read`, { cause });
  });
  const weights = spec.unpack ? spec.unpack(bytes, weightsPath) : unpackParams(spec.params, bytes, weightsPath);
  return { json, weights, bytes, modelPath };
}
