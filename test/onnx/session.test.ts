/**
 * @file The onnxruntime-node wrapper: outputs can be selected, and bad models, feeds and options
 * fail with InputError messages that say what was wrong.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { GraphBuilder } from '../../src/onnx/graph-builder.js';
import { createSession } from '../../src/onnx/session.js';

function tinyModel(): Uint8Array {
  const b = new GraphBuilder('tiny');
  const x = b.input('x', 'float32', ['batch', 2]);
  b.output(b.relu(x, 'positive'), 'float32', ['batch', 2]);
  b.output(b.add(x, x, 'doubled'), 'float32', ['batch', 2]);
  return b.toBytes();
}

describe('createSession', () => {
  it('runs all outputs or only the requested ones', async () => {
    const session = await createSession(tinyModel(), { threads: 1, spinning: false, optimization: 'basic' });
    try {
      expect(session.inputNames).toEqual(['x']);
      expect([...session.outputNames].sort()).toEqual(['doubled', 'positive']);
      const feeds = { x: { data: Float32Array.from([-1, 2]), dims: [1, 2] } };
      const all = await session.run(feeds);
      expect([...all.positive.data]).toEqual([0, 2]);
      expect([...all.doubled.data]).toEqual([-2, 4]);
      expect(Object.keys(await session.run(feeds, ['doubled']))).toEqual(['doubled']);
      await expect(session.run({})).rejects.toThrow(/model input 'x' was not given/);
      await expect(session.run({ x: { data: new Float32Array(3), dims: [1, 3] } })).rejects.toThrow(InputError);
    } finally {
      await session.release();
    }
  });

  it('rejects bytes that are not an ONNX model and bad thread counts', async () => {
    await expect(createSession(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/ONNX Runtime could not load the model/);
    await expect(createSession('/nonexistent/model.onnx')).rejects.toThrow(/\/nonexistent\/model.onnx/);
    await expect(createSession(tinyModel(), { threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
  });
});
