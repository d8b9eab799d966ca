/**
 * @file Adam (Kingma & Ba 2015, Algorithm 1 with the bias correction folded into the step size, as
 * tfjs's AdamOptimizer does) on named tfjs variables, written out so its moments can be checkpointed
 * with the weights and a resumed run continues bit for bit. Used by all three trainers.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { ParamTable, Weights } from '../../io/params.js';
import type { Tf } from './tf.js';

export interface AdamHyper {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

export interface AdamState {
  /** Apply gradients (by parameter name) with learning rate `lr` at 1-based step `t`; call inside `tf.tidy`. */
  apply(grads: Record<string, tfTypes.Tensor>, lr: number, t: number): void;
  read(): Promise<{ m: Weights; v: Weights }>;
  dispose(): void;
}

/** Moments for every parameter of `table` (zeros, or `initial` from a checkpoint). */
export function createAdam(tf: Tf, table: ParamTable, variables: Record<string, tfTypes.Variable>, hyper: AdamHyper, initial?: { m: Weights; v: Weights }): AdamState {
  const m: Record<string, tfTypes.Variable> = {};
  const v: Record<string, tfTypes.Variable> = {};
  for (const { name, shape } of table) {
    m[name] = tf.variable(initial ? tf.tensor(initial.m[name], [...shape]) : tf.zeros([...shape]), false);
    v[name] = tf.variable(initial ? tf.tensor(initial.v[name], [...shape]) : tf.zeros([...shape]), false);
  }
  return {
    apply(grads, lr, t) {
      const alpha = (lr * Math.sqrt(1 - hyper.beta2 ** t)) / (1 - hyper.beta1 ** t);
      for (const [name, g] of Object.entries(grads)) {
        const mNew = tf.add(tf.mul(m[name], hyper.beta1), tf.mul(g, 1 - hyper.beta1));
        const vNew = tf.add(tf.mul(v[name], hyper.beta2), tf.mul(tf.square(g), 1 - hyper.beta2));
        m[name].assign(mNew);
        v[name].assign(vNew);
        variables[name].assign(tf.sub(variables[name], tf.mul(tf.div(mNew, tf.add(tf.sqrt(vNew), hyper.epsilon)), alpha)));
      }
    },
    async read() {
      const out = { m: {} as Weights, v: {} as Weights };
      for (const { name } of table) {
        out.m[name] = (await m[name].data()) as Float32Array;
        out.v[name] = (await v[name].data()) as Float32Array;
      }
      return out;
    },
    dispose() {
      for (const { name } of table) {
        m[name].dispose();
        v[name].dispose();
      }
    },
  };
}

/** tfjs variables for `weights` (trainable), named `prefix + name` (tfjs names must be unique). */
export function createVariables(tf: Tf, table: ParamTable, weights: Weights, prefix: string): Record<string, tfTypes.Variable> {
  const out: Record<string, tfTypes.Variable> = {};
  for (const { name, shape } of table) out[name] = tf.variable(tf.tensor(weights[name], [...shape], 'float32'), true, `${prefix}${name}`);
  return out;
}
