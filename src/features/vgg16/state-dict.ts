/**
 * @file The state-dict layout of torchvision's `vgg16()` (configuration "D", no batch norm), as in
 * `VGG16_Weights.IMAGENET1K_V1` (`vgg16-397923af.pth`): 13 convolutions `features.<i>` and three linear
 * layers `classifier.0/3/6`, each a `weight` and a `bias` — 32 float32 tensors, 138,357,544 values. The
 * indices are the positions in torchvision's `features`/`classifier` Sequentials (ReLU, MaxPool and Dropout
 * hold no parameters). torch-fidelity loads the whole dict strictly and then drops `classifier.4–6`, so
 * `classifier.6` (the 1000-class layer) must be present but is never used.
 */

import { FidkitError } from '../../core/errors.js';
import type { StateDict } from '../../core/types.js';
import { stateDictMismatch } from '../state-dict-check.js';

/** One 3×3 convolution (padding 1, stride 1, with bias) of `features`. */
export interface Vgg16Conv {
  /** Index in torchvision's `features` Sequential. */
  readonly index: number;
  readonly inChannels: number;
  readonly outChannels: number;
  /** A 2×2 stride-2 max pool follows (after its ReLU). */
  readonly poolAfter: boolean;
}

/** Configuration "D" of torchvision's `vgg.py`: channel widths, `M` = max pool. */
const CONFIG_D = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'] as const;

function convs(): Vgg16Conv[] {
  const out: Vgg16Conv[] = [];
  let index = 0;
  let channels = 3;
  for (const [i, c] of CONFIG_D.entries()) {
    if (c === 'M') {
      index += 1;
      continue;
    }
    out.push({ index, inChannels: channels, outChannels: c, poolAfter: CONFIG_D[i + 1] === 'M' });
    channels = c;
    index += 2; // Conv2d, ReLU
  }
  return out;
}

/** The 13 convolutions, in forward order. */
export const VGG16_CONVS: readonly Vgg16Conv[] = Object.freeze(convs());

/** Width of the flattened `features` output at a 224×224 input: 512 × 7 × 7. */
export const VGG16_FLAT_DIM = 512 * 7 * 7;
/** Width of fc1 and fc2. */
export const VGG16_FC_DIM = 4096;
export const VGG16_NUM_CLASSES = 1000;

/** One entry: key and shape (all float32). */
export interface Vgg16StateDictEntry {
  readonly key: string;
  readonly shape: readonly number[];
}

function buildSpec(): Vgg16StateDictEntry[] {
  const entries: Vgg16StateDictEntry[] = [];
  for (const c of VGG16_CONVS) {
    entries.push({ key: `features.${c.index}.weight`, shape: [c.outChannels, c.inChannels, 3, 3] });
    entries.push({ key: `features.${c.index}.bias`, shape: [c.outChannels] });
  }
  const linear = (index: number, out: number, inp: number) => {
    entries.push({ key: `classifier.${index}.weight`, shape: [out, inp] });
    entries.push({ key: `classifier.${index}.bias`, shape: [out] });
  };
  linear(0, VGG16_FC_DIM, VGG16_FLAT_DIM);
  linear(3, VGG16_FC_DIM, VGG16_FC_DIM);
  linear(6, VGG16_NUM_CLASSES, VGG16_FC_DIM);
  return entries;
}

/** The 32 entries of torchvision's VGG16 state dict, in `model.state_dict()` order. */
export const VGG16_STATE_DICT_SPEC: readonly Vgg16StateDictEntry[] = Object.freeze(buildSpec());

/**
 * Throw unless `sd` has exactly torchvision's VGG16 keys with their shapes, in floating point (torch's
 * strict `load_state_dict`, which torch-fidelity uses).
 * @param source the file the state dict came from, named in the message.
 * @throws {FidkitError} `E_WEIGHTS` listing missing keys, unexpected keys, wrong shapes and non-float tensors (first few of each)
 */
export function assertVgg16StateDict(sd: StateDict, source = 'state dict'): void {
  const bad = stateDictMismatch(sd, VGG16_STATE_DICT_SPEC);
  if (bad === undefined) return;
  const bn = bad.unexpected.some((k) => k.endsWith('.running_mean')) ? ' (it looks like vgg16_bn, the batch-norm variant)' : '';
  throw new FidkitError(
    'E_WEIGHTS',
    `${source} is not torchvision's VGG16 state dict${bn} (${VGG16_STATE_DICT_SPEC.length} keys expected): ${bad.summary}. ` +
      `Pass torchvision's vgg16-397923af.pth (VGG16_Weights.IMAGENET1K_V1, what torch-fidelity loads) or a state dict saved from torchvision.models.vgg16().`,
  );
}
