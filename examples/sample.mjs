// examples/sample.mjs: images from a generator, with their shape (node examples/sample.mjs)
import { loadGenerator, sampleImages } from 'fidkit';

const generator = await loadGenerator('mnist-gan'); // or loadGenerator('my-generator.onnx', { range: '-1,1' })
const { images, shape } = await sampleImages(generator, { count: 64, truncation: 0.7, seed: 1 });
await generator.dispose();

// One flat Float32Array, row-major in shape = [N, H, W, C] (NHWC), values in [0, 1].
const [n, height, width, channels] = shape;
const pixel = (i, y, x, c) => images[((i * height + y) * width + x) * channels + c];
console.log(`shape [${shape.join(', ')}], ${images.length} values`);
console.log(`image 0, centre pixel: ${pixel(0, 14, 14, 0).toFixed(4)}; mean pixel: ${(images.reduce((s, v) => s + v, 0) / images.length).toFixed(4)}`);
