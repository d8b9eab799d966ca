/**
 * @file Loads TensorFlow.js once, lazily, with the fastest backend available: `@tensorflow/tfjs-node`
 * (native TensorFlow) when it is installed, else the WebAssembly backend, else the pure-JS CPU one.
 * Only `src/generators/` imports tfjs, and only through here, so commands that don't train never
 * load it.
 *
 * Why WebAssembly: for the MNIST classifier's training step (batch 64, 2-core machine) it ran
 * 0.24 s/step against 3.7 s/step for the pure-JS CPU backend on the same graph, and ~30 s/step for
 * the CPU backend with tfjs's own `conv2d` gradients (scripts/tfjs-backends.ts, models/README.md). The
 * WASM backend has no `Conv2DBackpropFilter` kernel, which is why `classifier.ts` supplies its own
 * convolution gradient.
 */
import { createRequire } from 'node:module';
import { FidkitError } from '../../core/errors.js';

export type Tf = typeof import('@tensorflow/tfjs');

/** Backends in order of preference. */
export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';

let tfPromise: Promise<Tf> | undefined;
let backendChosen = false;

/**
 * Load tfjs (once) and select a backend: `preferred`, else — on the first call — the fastest
 * available; later calls without `preferred` keep the current one.
 * @throws {FidkitError} when tfjs itself cannot be loaded, or no requested backend starts.
 */
export async function loadTf(preferred?: TfBackendName): Promise<Tf> {
  tfPromise ??= importTf().catch((err: unknown) => {
    tfPromise = undefined;
    throw err;
  });
  const tf = await tfPromise;
  if (preferred === undefined && backendChosen) return tf;
  if (preferred !== undefined && tf.getBackend() === preferred) return tf;
  const order: TfBackendName[] = preferred ? [preferred] : ['tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    if (name === 'wasm' && !tf.findBackendFactory('wasm')) {
      try {
        await import('@tensorflow/tfjs-backend-wasm');
      } catch {
        continue;
      }
    }
    if (tf.findBackendFactory(name) && (await tf.setBackend(name))) {
      await tf.ready();
      backendChosen = true;
      return tf;
    }
  }
  if (preferred === 'tensorflow') {
    throw new FidkitError('E_NOT_FOUND', "the 'tensorflow' backend needs @tensorflow/tfjs-node, which is not installed or failed to load (it is optional): install it, or use the 'wasm' backend");
  }
  throw new FidkitError('E_NOT_FOUND', `no TensorFlow.js backend could start (tried ${order.join(', ')}): reinstall fidkit's dependencies (npm ci)`);
}

async function importTf(): Promise<Tf> {
  try {
    return (await optionalTfNode()) ?? (await import('@tensorflow/tfjs'));
  } catch (cause) {
    throw new FidkitError('E_NOT_FOUND', "cannot load '@tensorflow/tfjs': reinstall fidkit's dependencies (npm ci)", { cause });
  }
}

/** `@tensorflow/tfjs-node` when installed (it re-exports tfjs and registers the native backend). */
async function optionalTfNode(): Promise<Tf | undefined> {
  const require = createRequire(import.meta.url);
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    return undefined;
  }
  try {
    // A variable specifier keeps TypeScript from requiring the package's types at compile time.
    const name = '@tensorflow/tfjs-node';
    return (await import(name)) as Tf;
  } catch {
    // Installed but its native binding failed to load (the usual failure): fall back to WASM.
    return undefined;
  }
}
