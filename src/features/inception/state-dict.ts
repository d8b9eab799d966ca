/**
 * @file The state-dict layout of pytorch-fid's FID InceptionV3 (torchvision `Inception3(num_classes=1008,
 * aux_logits=False)` with pytorch-fid's patched Mixed blocks): the 566 keys in `model.state_dict()` order with
 * their shapes, derived here from the architecture rather than read from a file, and a checker that says
 * which keys are missing, unexpected or mis-shaped in a loaded `.pth`.
 *
 * Every conv is a torchvision `BasicConv2d`: a bias-free `conv` followed by `bn` (BatchNorm2d, eps 0.001), so
 * each contributes 6 entries: `conv.weight`, `bn.weight`, `bn.bias`, `bn.running_mean`, `bn.running_var`,
 * `bn.num_batches_tracked` (0-d int64). 94 convs × 6 + `fc.weight` + `fc.bias` = 566 keys.
 */

import { FidkitError } from '../../core/errors.js';
import type { StateDict, TensorDtype } from '../../core/types.js';

/** One entry of the state dict: key, shape (`[]` for 0-d) and dtype as torch saves it. */
export interface StateDictEntry {
  readonly key: string;
  readonly shape: readonly number[];
  readonly dtype: TensorDtype;
}

/** One BasicConv2d: its module path and the shape of its weight `[out, in, kh, kw]`. */
export interface InceptionConv {
  readonly name: string;
  readonly outChannels: number;
  readonly inChannels: number;
  readonly kernel: readonly [number, number];
}

const conv = (name: string, inChannels: number, outChannels: number, kh = 1, kw = kh): InceptionConv => ({
  name,
  outChannels,
  inChannels,
  kernel: [kh, kw],
});

// The block builders list convs in the order torchvision's `__init__` registers them, which is the state-dict
// order. FID's patched blocks (FIDInceptionA/C/E_1/E_2) only change the forward pass, never the parameters.

/** InceptionA (Mixed_5b/5c/5d). */
const inceptionA = (p: string, cin: number, poolFeatures: number): InceptionConv[] => [
  conv(`${p}.branch1x1`, cin, 64),
  conv(`${p}.branch5x5_1`, cin, 48),
  conv(`${p}.branch5x5_2`, 48, 64, 5),
  conv(`${p}.branch3x3dbl_1`, cin, 64),
  conv(`${p}.branch3x3dbl_2`, 64, 96, 3),
  conv(`${p}.branch3x3dbl_3`, 96, 96, 3),
  conv(`${p}.branch_pool`, cin, poolFeatures),
];

/** InceptionB (Mixed_6a), the 35→17 reduction. */
const inceptionB = (p: string, cin: number): InceptionConv[] => [
  conv(`${p}.branch3x3`, cin, 384, 3),
  conv(`${p}.branch3x3dbl_1`, cin, 64),
  conv(`${p}.branch3x3dbl_2`, 64, 96, 3),
  conv(`${p}.branch3x3dbl_3`, 96, 96, 3),
];

/** InceptionC (Mixed_6b–6e) with `c7` channels in the factorised 7×7 branches. */
const inceptionC = (p: string, cin: number, c7: number): InceptionConv[] => [
  conv(`${p}.branch1x1`, cin, 192),
  conv(`${p}.branch7x7_1`, cin, c7),
  conv(`${p}.branch7x7_2`, c7, c7, 1, 7),
  conv(`${p}.branch7x7_3`, c7, 192, 7, 1),
  conv(`${p}.branch7x7dbl_1`, cin, c7),
  conv(`${p}.branch7x7dbl_2`, c7, c7, 7, 1),
  conv(`${p}.branch7x7dbl_3`, c7, c7, 1, 7),
  conv(`${p}.branch7x7dbl_4`, c7, c7, 7, 1),
  conv(`${p}.branch7x7dbl_5`, c7, 192, 1, 7),
  conv(`${p}.branch_pool`, cin, 192),
];

/** InceptionD (Mixed_7a), the 17→8 reduction. */
const inceptionD = (p: string, cin: number): InceptionConv[] => [
  conv(`${p}.branch3x3_1`, cin, 192),
  conv(`${p}.branch3x3_2`, 192, 320, 3),
  conv(`${p}.branch7x7x3_1`, cin, 192),
  conv(`${p}.branch7x7x3_2`, 192, 192, 1, 7),
  conv(`${p}.branch7x7x3_3`, 192, 192, 7, 1),
  conv(`${p}.branch7x7x3_4`, 192, 192, 3),
];

/** InceptionE (Mixed_7b/7c). */
const inceptionE = (p: string, cin: number): InceptionConv[] => [
  conv(`${p}.branch1x1`, cin, 320),
  conv(`${p}.branch3x3_1`, cin, 384),
  conv(`${p}.branch3x3_2a`, 384, 384, 1, 3),
  conv(`${p}.branch3x3_2b`, 384, 384, 3, 1),
  conv(`${p}.branch3x3dbl_1`, cin, 448),
  conv(`${p}.branch3x3dbl_2`, 448, 384, 3),
  conv(`${p}.branch3x3dbl_3a`, 384, 384, 1, 3),
  conv(`${p}.branch3x3dbl_3b`, 384, 384, 3, 1),
  conv(`${p}.branch_pool`, cin, 192),
];

/** The 94 BasicConv2d modules of the FID InceptionV3, in state-dict order. */
export const INCEPTION_CONVS: readonly InceptionConv[] = Object.freeze([
  conv('Conv2d_1a_3x3', 3, 32, 3),
  conv('Conv2d_2a_3x3', 32, 32, 3),
  conv('Conv2d_2b_3x3', 32, 64, 3),
  conv('Conv2d_3b_1x1', 64, 80),
  conv('Conv2d_4a_3x3', 80, 192, 3),
  ...inceptionA('Mixed_5b', 192, 32),
  ...inceptionA('Mixed_5c', 256, 64),
  ...inceptionA('Mixed_5d', 288, 64),
  ...inceptionB('Mixed_6a', 288),
  ...inceptionC('Mixed_6b', 768, 128),
  ...inceptionC('Mixed_6c', 768, 160),
  ...inceptionC('Mixed_6d', 768, 160),
  ...inceptionC('Mixed_6e', 768, 192),
  ...inceptionD('Mixed_7a', 768),
  ...inceptionE('Mixed_7b', 1280),
  ...inceptionE('Mixed_7c', 2048),
]);

/** Width of the pool3 features and of the classifier (1008 classes: the 2015 TF graph's label set). */
export const POOL3_DIM = 2048;
export const NUM_CLASSES = 1008;

function buildSpec(): StateDictEntry[] {
  const entries: StateDictEntry[] = [];
  for (const c of INCEPTION_CONVS) {
    entries.push({ key: `${c.name}.conv.weight`, shape: [c.outChannels, c.inChannels, ...c.kernel], dtype: 'float32' });
    for (const s of ['weight', 'bias', 'running_mean', 'running_var']) {
      entries.push({ key: `${c.name}.bn.${s}`, shape: [c.outChannels], dtype: 'float32' });
    }
    entries.push({ key: `${c.name}.bn.num_batches_tracked`, shape: [], dtype: 'int64' });
  }
  entries.push({ key: 'fc.weight', shape: [NUM_CLASSES, POOL3_DIM], dtype: 'float32' });
  entries.push({ key: 'fc.bias', shape: [NUM_CLASSES], dtype: 'float32' });
  return entries;
}

/** The 566 state-dict entries of the FID InceptionV3, in `model.state_dict()` order. */
export const INCEPTION_STATE_DICT_SPEC: readonly StateDictEntry[] = Object.freeze(buildSpec());

/** Result of {@link checkInceptionStateDict}: empty lists mean the state dict fits the network. */
export interface StateDictCheck {
  readonly ok: boolean;
  readonly missing: string[];
  readonly unexpected: string[];
  readonly wrongShape: { key: string; expected: readonly number[]; actual: readonly number[] }[];
}

const fmtShape = (s: readonly number[]): string => (s.length === 0 ? 'scalar' : `[${s.join(', ')}]`);

/**
 * Compare a loaded state dict with the FID InceptionV3 layout. `num_batches_tracked` entries are optional
 * (pytorch-fid's published file has none, and BatchNorm in eval mode never reads them); their shape is still
 * checked when present. Dtypes are not checked: a float64 or float16 file loads fine after conversion.
 */
export function checkInceptionStateDict(sd: StateDict): StateDictCheck {
  const missing: string[] = [];
  const wrongShape: StateDictCheck['wrongShape'] = [];
  const known = new Set<string>();
  for (const e of INCEPTION_STATE_DICT_SPEC) {
    known.add(e.key);
    const t = sd.get(e.key);
    if (t === undefined) {
      if (!e.key.endsWith('.num_batches_tracked')) missing.push(e.key);
      continue;
    }
    const same = t.shape.length === e.shape.length && t.shape.every((d, i) => d === e.shape[i]);
    // A 1-element tensor saved as [1] for num_batches_tracked is harmless; torch itself accepts it.
    const okScalar = e.shape.length === 0 && t.shape.every((d) => d === 1);
    if (!same && !okScalar) wrongShape.push({ key: e.key, expected: e.shape, actual: t.shape });
  }
  const unexpected = [...sd.keys()].filter((k) => !known.has(k));
  return { ok: missing.length + unexpected.length + wrongShape.length === 0, missing, unexpected, wrongShape };
}

/**
 * Throw unless `sd` fits the FID InceptionV3, with a message that lists what is wrong.
 * @param source the file the state dict came from, named in the message.
 * @throws FidkitError `E_WEIGHTS` naming missing keys, unexpected keys and wrong shapes (first few of each).
 */
export function assertInceptionStateDict(sd: StateDict, source = 'state dict'): void {
  const r = checkInceptionStateDict(sd);
  if (r.ok) return;
  const list = (xs: string[]): string => xs.slice(0, 5).join(', ') + (xs.length > 5 ? `, … (${xs.length} in all)` : '');
  const parts: string[] = [];
  if (r.missing.length > 0) parts.push(`missing ${r.missing.length} key(s): ${list(r.missing)}`);
  if (r.unexpected.length > 0) parts.push(`unexpected ${r.unexpected.length} key(s): ${list(r.unexpected)}`);
  if (r.wrongShape.length > 0) {
    parts.push(
      `wrong shape for ${r.wrongShape.length} key(s): ` +
        list(r.wrongShape.map((w) => `${w.key} is ${fmtShape(w.actual)}, expected ${fmtShape(w.expected)}`)),
    );
  }
  throw new FidkitError(
    'E_WEIGHTS',
    `${source} is not pytorch-fid's FID InceptionV3 (${INCEPTION_STATE_DICT_SPEC.length} keys expected): ` +
      `${parts.join('; ')}. Pass the pt_inception-2015-12-05 weights (pytorch-fid's FID Inception), ` +
      `not torchvision's ImageNet InceptionV3 or another network.`,
  );
}
