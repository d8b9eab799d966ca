/**
 * @file The contract every image generator meets in fidkit (`sample`, `sweep`, `score gen:…`):
 * latent codes in, images in [0,1] out, NHWC. The bundled MNIST GAN and VAE decoder and users'
 * ONNX generators all run behind it as ONNX Runtime sessions, so sampling never loads TensorFlow.js.
 */

/** A loaded generator. */
export interface ImageGenerator {
  /** `mnist-gan`, `mnist-vae`, or the ONNX file's path. */
  readonly name: string;
  /** SHA-256 of what determines its images (weights file, ONNX file), for feature-cache keys. */
  readonly sha256: string;
  /** Width d of one latent code z (the generator takes N×d float32). */
  readonly latentDim: number;
  readonly height: number;
  readonly width: number;
  /** 1 (grayscale) or 3 (RGB). */
  readonly channels: 1 | 3;
  /**
   * Images of `count` latent codes (`z` row-major [count, latentDim]): [count, height, width,
   * channels] float32 in [0,1] (values outside are clamped).
   * @throws {InputError} when `z` has the wrong length, or the model fails on it.
   */
  generate(z: Float32Array, count: number): Promise<Float32Array>;
  /** Frees the native session; the object must not be used afterwards. */
  dispose(): Promise<void>;
}
