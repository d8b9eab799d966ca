/**
 * @file The image tower's part of a CLIP state dict (`visual.*`, openai/CLIP `clip/model.py`
 * `VisionTransformer`), as `torch.jit.load(archive).state_dict()` or `clip.load(…)[0].state_dict()` names
 * it: `conv1.weight` (no bias), `class_embedding`, `positional_embedding`, `ln_pre`, per block
 * `transformer.resblocks.<i>.{ln_1, attn.in_proj_weight/bias, attn.out_proj, ln_2, mlp.c_fc, mlp.c_proj}`,
 * `ln_post` and `proj`. The text tower's keys (and the `input_resolution`/`context_length`/`vocab_size`
 * entries OpenAI's archives carry) are ignored: fidkit embeds images only.
 */

import { FidkitError } from '../../core/errors.js';
import type { StateDict } from '../../core/types.js';
import { optionRef } from '../../options/mention.js';
import { sameShape, stateDictMismatch } from '../state-dict-check.js';
import { CLIP_MODELS, clipTokens, type ClipModelSpec } from './models.js';

/** One expected tensor: key, shape, and whether OpenAI's archives store it as float16 (`convert_weights`). */
export interface ClipStateDictEntry {
  readonly key: string;
  readonly shape: readonly number[];
  readonly half: boolean;
}

/** The `visual.*` entries of model `m`, in `state_dict()` order. */
export function clipVisualSpec(m: ClipModelSpec): ClipStateDictEntry[] {
  const w = m.width;
  const out: ClipStateDictEntry[] = [];
  const add = (key: string, shape: number[], half: boolean): void => void out.push({ key: `visual.${key}`, shape, half });
  add('class_embedding', [w], false);
  add('positional_embedding', [clipTokens(m), w], false);
  add('proj', [w, m.outputDim], true);
  add('conv1.weight', [w, 3, m.patch, m.patch], true);
  add('ln_pre.weight', [w], false);
  add('ln_pre.bias', [w], false);
  for (let i = 0; i < m.layers; i++) {
    const p = `transformer.resblocks.${i}.`;
    add(`${p}attn.in_proj_weight`, [3 * w, w], true);
    add(`${p}attn.in_proj_bias`, [3 * w], true);
    add(`${p}attn.out_proj.weight`, [w, w], true);
    add(`${p}attn.out_proj.bias`, [w], true);
    add(`${p}ln_1.weight`, [w], false);
    add(`${p}ln_1.bias`, [w], false);
    add(`${p}mlp.c_fc.weight`, [4 * w, w], true);
    add(`${p}mlp.c_fc.bias`, [4 * w], true);
    add(`${p}mlp.c_proj.weight`, [w, 4 * w], true);
    add(`${p}mlp.c_proj.bias`, [w], true);
    add(`${p}ln_2.weight`, [w], false);
    add(`${p}ln_2.bias`, [w], false);
  }
  add('ln_post.weight', [w], false);
  add('ln_post.bias', [w], false);
  return out;
}

/**
 * Throw unless `sd` holds every `visual.*` tensor of model `m` with its shape, in floating point. Other keys
 * (the text tower) are allowed; extra `visual.*` keys are not (another architecture, e.g. a ResNet CLIP).
 * @param source the file the state dict came from, named in the message.
 * @throws {FidkitError} `E_WEIGHTS` listing missing, unexpected and wrong tensors, naming the archive to use
 */
export function assertClipStateDict(sd: StateDict, m: ClipModelSpec, source = 'state dict'): void {
  const bad = stateDictMismatch(sd, clipVisualSpec(m), (k) => k.startsWith('visual.'));
  if (bad === undefined) return;
  const other = CLIP_MODELS.find((o) => o !== m && clipVisualSpec(o).every((e) => sameShape(sd.get(e.key)?.shape, e.shape)));
  const resnet = bad.unexpected.some((k) => k.startsWith('visual.layer1.')) ? ' (it looks like a ResNet CLIP, e.g. RN50, which fidkit does not run)' : '';
  const hint = other ? ` (it is ${other.title}'s: use ${optionRef('extractor', other.name)})` : resnet;
  throw new FidkitError(
    'E_WEIGHTS',
    `${source} is not OpenAI's CLIP ${m.title} image encoder${hint}: ${bad.summary}. ` +
      `Pass OpenAI's ${m.weights.name.replace(/^clip-/, '')} (${m.weights.urls[0]}) or a state dict saved from clip.load('${m.title}')[0].`,
  );
}
