/**
 * @file The three CLIP image encoders fidkit runs — OpenAI's ViT-B/32, ViT-L/14 and ViT-L/14@336 — as
 * data: the VisionTransformer configuration of each published archive (openai/CLIP `clip/model.py`,
 * read there from the state dict by `build_model`) and the archive itself (openai/CLIP `clip/clip.py`
 * `_MODELS`: the URL's folder name is the file's SHA-256, which `clip._download` checks).
 */

import type { RemoteFile } from '../../io/cache.js';

/** One encoder: the registry name and what its `visual` tower looks like. */
export interface ClipModelSpec {
  /** fidkit's `--extractor` name (torch-fidelity's for ViT-B/32). */
  readonly name: string;
  /** OpenAI's name, as `clip.available_models()` lists it. */
  readonly title: string;
  /** Input height = width (`visual.input_resolution`). */
  readonly resolution: number;
  /** Patch size = stride of `visual.conv1`. */
  readonly patch: number;
  /** Transformer width (`visual.conv1` output channels). */
  readonly width: number;
  readonly layers: number;
  /** `width / 64`, as `build_model` sets it. */
  readonly heads: number;
  /** Width of the projected embedding (`visual.proj` columns). */
  readonly outputDim: number;
  readonly weights: RemoteFile;
}

const BASE = 'https://openaipublic.azureedge.net/clip/models';

function archive(sha256: string, file: string): RemoteFile {
  return Object.freeze({ name: `clip-${file}`, urls: Object.freeze([`${BASE}/${sha256}/${file}`]), sha256 });
}

export const CLIP_VIT_B_32: ClipModelSpec = Object.freeze({
  name: 'clip-vit-b-32',
  title: 'ViT-B/32',
  resolution: 224,
  patch: 32,
  width: 768,
  layers: 12,
  heads: 12,
  outputDim: 512,
  weights: archive('40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af', 'ViT-B-32.pt'),
});

export const CLIP_VIT_L_14: ClipModelSpec = Object.freeze({
  name: 'clip-vit-l-14',
  title: 'ViT-L/14',
  resolution: 224,
  patch: 14,
  width: 1024,
  layers: 24,
  heads: 16,
  outputDim: 768,
  weights: archive('b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836', 'ViT-L-14.pt'),
});

export const CLIP_VIT_L_14_336: ClipModelSpec = Object.freeze({
  name: 'clip-vit-l-14-336',
  title: 'ViT-L/14@336px',
  resolution: 336,
  patch: 14,
  width: 1024,
  layers: 24,
  heads: 16,
  outputDim: 768,
  weights: archive('3035c92b350959924f9f00213499208652fc7ea050643e8b385c2dac08641f02', 'ViT-L-14-336px.pt'),
});

/** Every encoder, in registry order. */
export const CLIP_MODELS: readonly ClipModelSpec[] = Object.freeze([CLIP_VIT_B_32, CLIP_VIT_L_14, CLIP_VIT_L_14_336]);

/** Tokens per image: one per patch plus the class token. */
export function clipTokens(m: ClipModelSpec): number {
  const grid = m.resolution / m.patch;
  return grid * grid + 1;
}

/** The encoder named `name`. @throws {RangeError} for a name that is not one of {@link CLIP_MODELS} */
export function clipModel(name: string): ClipModelSpec {
  const m = CLIP_MODELS.find((x) => x.name === name);
  if (!m) throw new RangeError(`no CLIP model '${name}' (known: ${CLIP_MODELS.map((x) => x.name).join(', ')})`);
  return m;
}
