import { describe, expect, it } from 'vitest';
import { FormatError, UsageError } from '../../src/core/errors.js';
import { GENERATOR_PARAMS } from '../../src/models/mnist/gan.js';
import { bundledModelDir } from '../../src/models/mnist/model-files.js';
import { loadTf } from '../../src/models/mnist/tf.js';
import { DECODER_PARAMS } from '../../src/models/mnist/vae.js';
import { decodeCodes, encodeMeans, loadLatentModel } from '../../src/latent/models.js';

describe('latent models', () => {
  it('load the bundled GAN and VAE with the latent size of their parameter tables, decoding to [0,1]', async () => {
    const tf = await loadTf();
    const before = tf.memory().numTensors;
    const gan = await loadLatentModel(tf, 'mnist-gan');
    const vae = await loadLatentModel(tf, 'mnist-vae', bundledModelDir('mnist-vae'));
    expect(gan.latentDim).toBe(GENERATOR_PARAMS[0].shape[0]);
    expect(vae.latentDim).toBe(DECODER_PARAMS[0].shape[0]);
    expect(gan.modelPath.endsWith('mnist-gan/model.json')).toBe(true);
    for (const model of [gan, vae]) {
      const images = decodeCodes(tf, model, new Float32Array(2 * model.latentDim).fill(0.3), 2);
      expect(images.length).toBe(2 * 784);
      expect(images.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(images.subarray(0, 784)).toEqual(images.subarray(784)); // same code, same image
    }
    expect(gan.encodeMean).toBeUndefined();
    expect(encodeMeans(tf, vae, new Float32Array(784), 1).length).toBe(vae.latentDim);
    expect(() => encodeMeans(tf, gan, new Float32Array(784), 1)).toThrow(UsageError);
    expect(() => encodeMeans(tf, gan, new Float32Array(784), 1)).toThrow('mnist-gan has no encoder: only mnist-vae maps images to latent codes (use `fidkit latent reconstruct` to fit a GAN code to an image)');
    gan.dispose();
    vae.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reject a folder of the other kind and unknown generators', async () => {
    const tf = await loadTf();
    await expect(loadLatentModel(tf, 'mnist-gan', bundledModelDir('mnist-vae'))).rejects.toThrow(FormatError);
    await expect(loadLatentModel(tf, 'mnist-gan', bundledModelDir('mnist-vae'))).rejects.toThrow("has format 'fidkit.mnist-vae/1', expected 'fidkit.mnist-gan/2'");
    await expect(loadLatentModel(tf, 'stylegan' as 'mnist-gan')).rejects.toThrow("unknown generator 'stylegan' for the latent experiments; valid generators: mnist-gan, mnist-vae");
  });
});
